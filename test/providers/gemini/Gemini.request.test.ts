import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { Content, Message, ResponseFormat, Tool } from "../../../src/index.ts"
import type * as LlmError from "../../../src/LlmError.ts"
import * as Fixtures from "../../support/GeminiFixtures.ts"
import type * as FakeServer from "../../support/FakeServer.ts"
import { setup } from "./setup.ts"

const ok: FakeServer.Handler = () => ({ kind: "json", body: Fixtures.response() })
const bodyOf = (server: { readonly requests: ReadonlyArray<FakeServer.Recorded> }, i = 0) => server.requests[i]!.json as Record<string, unknown>

const weather = Tool.make("get_weather", {
  description: "Weather for a city",
  parameters: { type: "object", properties: { city: { type: "string", description: "City name" } }, required: ["city"], additionalProperties: false }
})
const weatherDeclaration = {
  name: "get_weather",
  description: "Weather for a city",
  parameters: { type: "OBJECT", properties: { city: { type: "STRING", description: "City name" } }, required: ["city"] }
}

describe("Gemini requests on the wire", () => {
  it.live("a plain chat: generateContent path, key only in x-goog-api-key, system prompt as systemInstruction", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok)
      yield* backend.chat({
        system: "Be brief.",
        messages: [Message.user("Hi")],
        temperature: 0.2,
        topP: 0.9,
        topK: 40,
        maxTokens: 50,
        stop: ["\n"],
        seed: 7,
        presencePenalty: 0.5,
        frequencyPenalty: 0.1
      })
      const [request] = server.requests
      assert.strictEqual(request!.method, "POST")
      assert.strictEqual(request!.url, "/v1beta/models/gemini-2.0-flash:generateContent")
      assert.strictEqual(request!.headers["x-goog-api-key"], Fixtures.KEY)
      assert.isUndefined(request!.headers["authorization"])
      assert.strictEqual(request!.headers["content-type"], "application/json")
      assert.deepStrictEqual(request!.json, {
        contents: [{ role: "user", parts: [{ text: "Hi" }] }],
        systemInstruction: { parts: [{ text: "Be brief." }] },
        generationConfig: {
          temperature: 0.2,
          topP: 0.9,
          topK: 40,
          maxOutputTokens: 50,
          stopSequences: ["\n"],
          seed: 7,
          presencePenalty: 0.5,
          frequencyPenalty: 0.1
        }
      })
    }))

  it.live("a request with no settings sends only contents (no empty generationConfig, no nulls)", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok)
      yield* backend.chat({ messages: [Message.user("Hi")] })
      assert.deepStrictEqual(bodyOf(server), { contents: [{ role: "user", parts: [{ text: "Hi" }] }] })
    }))

  it.live("model ids are accepted bare or as models/<id>; anything else is refused before sending", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok)
      yield* backend.chat({ model: "models/gemini-1.5-pro", messages: [Message.user("Hi")] })
      yield* backend.chat({ model: "gemini-2.5-flash-preview-05-20", messages: [Message.user("Hi")] })
      assert.deepStrictEqual(server.requests.map((r) => r.url), [
        "/v1beta/models/gemini-1.5-pro:generateContent",
        "/v1beta/models/gemini-2.5-flash-preview-05-20:generateContent"
      ])
      const error = yield* Effect.flip(backend.chat({ model: "../files/x?key=1", messages: [Message.user("Hi")] }))
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      assert.strictEqual((error.reason as LlmError.InvalidRequest).field, "model")
      assert.strictEqual(server.requests.length, 2)
    }))

  it.live("consecutive turns of the same role are merged into one content", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok)
      yield* backend.chat({ messages: [Message.user("One."), Message.user("Two."), Message.assistant("A."), Message.assistant("B."), Message.user("Three.")] })
      assert.deepStrictEqual(bodyOf(server)["contents"], [
        { role: "user", parts: [{ text: "One." }, { text: "Two." }] },
        { role: "model", parts: [{ text: "A." }, { text: "B." }] },
        { role: "user", parts: [{ text: "Three." }] }
      ])
    }))

  it.live("images: base64 and data: URLs as inlineData, a Files API URI as fileData", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok)
      yield* backend.chat({
        messages: [Message.user([
          Content.text("What is this?"),
          Content.imageData("iVBORw0KGgo=", "image/png"),
          Content.imageUrl("data:image/jpeg;base64,/9j/4AAQ", "auto"),
          Content.imageUrl("https://generativelanguage.googleapis.com/v1beta/files/abc-123")
        ])]
      })
      assert.deepStrictEqual(bodyOf(server)["contents"], [{
        role: "user",
        parts: [
          { text: "What is this?" },
          { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } },
          { inlineData: { mimeType: "image/jpeg", data: "/9j/4AAQ" } },
          { fileData: { fileUri: "https://generativelanguage.googleapis.com/v1beta/files/abc-123" } }
        ]
      }])
    }))

  it.live("an ordinary http(s) image URL or a detail level is Unsupported, and nothing is sent", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok)
      const url = yield* Effect.flip(backend.chat({ messages: [Message.user([Content.text("x"), Content.imageUrl("https://example.com/cat.png")])] }))
      assert.strictEqual(url.reason._tag, "Unsupported")
      assert.strictEqual((url.reason as LlmError.Unsupported).capability, "imageUrl")
      assert.include(url.message, "messages[0].content[1]")
      const detail = yield* Effect.flip(backend.chat({ messages: [Message.user([Content.imageData("iVBORw0KGgo=", "image/png", "low")])] }))
      assert.strictEqual((detail.reason as LlmError.Unsupported).capability, "imageDetail")
      assert.strictEqual(server.requests.length, 0)
    }))

  it.live("a function-calling round trip: functionCall with parsed args, functionResponse named from the earlier call", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok)
      yield* backend.chat({
        messages: [
          Message.user("Weather in Paris and the time?"),
          Message.assistant([
            Content.text("Let me check."),
            new Content.ToolCallPart({ id: "call_0", name: "get_weather", arguments: "{\"city\":\"Paris\"}" }),
            new Content.ToolCallPart({ id: "call_1", name: "get_time", arguments: "" })
          ]),
          Message.tool([
            Content.toolResult("call_0", "{\"temp\":21}"),
            Content.toolResult("call_1", "12:00", { name: "get_time" })
          ]),
          Message.user("Thanks. And London?")
        ],
        tools: [weather]
      })
      assert.deepStrictEqual(bodyOf(server), {
        contents: [
          { role: "user", parts: [{ text: "Weather in Paris and the time?" }] },
          {
            role: "model",
            parts: [
              { text: "Let me check." },
              { functionCall: { name: "get_weather", args: { city: "Paris" } } },
              { functionCall: { name: "get_time", args: {} } }
            ]
          },
          {
            role: "user",
            parts: [
              { functionResponse: { name: "get_weather", response: { temp: 21 } } },
              { functionResponse: { name: "get_time", response: { content: "12:00" } } },
              { text: "Thanks. And London?" }
            ]
          }
        ],
        tools: [{ functionDeclarations: [weatherDeclaration] }]
      })
    }))

  it.live("tool results that are not JSON objects are wrapped; errors go under `error`", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok)
      yield* backend.chat({
        messages: [
          Message.user("x"),
          Message.assistant([new Content.ToolCallPart({ id: "a", name: "f", arguments: "{}" })]),
          Message.tool([
            Content.toolResult("a", "[1,2]", { name: "f" }),
            Content.toolResult("a", "42", { name: "f" }),
            Content.toolResult("a", "null", { name: "f" }),
            Content.toolResult("a", "boom", { name: "f", isError: true })
          ])
        ]
      })
      const contents = bodyOf(server)["contents"] as Array<{ parts: Array<{ functionResponse: { response: unknown } }> }>
      assert.deepStrictEqual(contents[2]!.parts.map((p) => p.functionResponse.response), [
        { content: [1, 2] },
        { content: 42 },
        { content: "null" },
        { error: "boom" }
      ])
    }))

  it.live("invalid tool-call arguments, or a tool result with no name to answer by, are InvalidRequest naming the field", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok)
      const badJson = yield* Effect.flip(backend.chat({
        messages: [Message.user("x"), Message.assistant([new Content.ToolCallPart({ id: "a", name: "f", arguments: "{\"city\":" })])]
      }))
      assert.strictEqual((badJson.reason as LlmError.InvalidRequest).field, "messages[1].content[0].arguments")
      const notObject = yield* Effect.flip(backend.chat({
        messages: [Message.user("x"), Message.assistant([new Content.ToolCallPart({ id: "a", name: "f", arguments: "[1]" })])]
      }))
      assert.strictEqual((notObject.reason as LlmError.InvalidRequest).field, "messages[1].content[0].arguments")
      const noName = yield* Effect.flip(backend.chat({ messages: [Message.user("x"), Message.tool([Content.toolResult("zzz", "1")])] }))
      assert.strictEqual(noName.reason._tag, "InvalidRequest")
      assert.strictEqual((noName.reason as LlmError.InvalidRequest).field, "messages[1].content[0].name")
      assert.strictEqual(server.requests.length, 0)
    }))

  it.live("tool choice modes: auto → AUTO, none → NONE, required → ANY, a forced tool → ANY + allowedFunctionNames", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok)
      const noArgs = Tool.make("get_time", { parameters: { type: "object", properties: {} } })
      for (const toolChoice of ["auto", "none", "required", Tool.force("get_weather")] as const) {
        yield* backend.chat({ messages: [Message.user("x")], tools: [weather, noArgs], toolChoice })
      }
      assert.deepStrictEqual(bodyOf(server)["tools"], [{ functionDeclarations: [weatherDeclaration, { name: "get_time" }] }])
      assert.deepStrictEqual(server.requests.map((r) => (r.json as Record<string, unknown>)["toolConfig"]), [
        { functionCallingConfig: { mode: "AUTO" } },
        { functionCallingConfig: { mode: "NONE" } },
        { functionCallingConfig: { mode: "ANY" } },
        { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["get_weather"] } }
      ])
    }))

  it.live("JSON output: a schema goes as responseSchema (OpenAPI subset) with the JSON mime type", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok)
      const schema = {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        type: "object",
        properties: { n: { type: "integer" }, label: { type: ["string", "null"] }, kind: { enum: ["a", "b"] } },
        required: ["n"],
        additionalProperties: false
      }
      yield* backend.chat({ messages: [Message.user("n?")], responseFormat: ResponseFormat.jsonSchema("answer", schema, { description: "An answer", strict: true }) })
      yield* backend.chat({ messages: [Message.user("n?")], responseFormat: ResponseFormat.json })
      yield* backend.chat({ messages: [Message.user("n?")], responseFormat: ResponseFormat.text })
      assert.deepStrictEqual(server.requests.map((r) => (r.json as Record<string, unknown>)["generationConfig"]), [
        {
          responseMimeType: "application/json",
          responseSchema: {
            type: "OBJECT",
            properties: { n: { type: "INTEGER" }, label: { type: "STRING", nullable: true }, kind: { enum: ["a", "b"] } },
            required: ["n"],
            description: "An answer"
          }
        },
        { responseMimeType: "application/json" },
        undefined
      ])
    }))

  it.live("a schema Gemini cannot express fails naming the keyword, and nothing is sent", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok)
      const error = yield* Effect.flip(backend.chat({
        messages: [Message.user("x")],
        responseFormat: ResponseFormat.jsonSchema("a", { type: "object", properties: { v: { oneOf: [{ type: "string" }, { type: "number" }] } } })
      }))
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      assert.strictEqual((error.reason as LlmError.InvalidRequest).field, "responseFormat.schema.properties.v.oneOf")
      const tool = yield* Effect.flip(backend.chat({
        messages: [Message.user("x")],
        tools: [Tool.make("f", { parameters: { type: "object", properties: { m: { type: "object", additionalProperties: { type: "number" } } } } })]
      }))
      assert.strictEqual((tool.reason as LlmError.InvalidRequest).field, "tools[0].parameters.properties.m.additionalProperties")
      assert.strictEqual(server.requests.length, 0)
    }))

  it.live("inputs Gemini has no field for (user id, parallelToolCalls: false) are Unsupported, never dropped", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok)
      const user = yield* Effect.flip(backend.chat({ messages: [Message.user("x")], user: "u-1" }))
      assert.strictEqual((user.reason as LlmError.Unsupported).capability, "user")
      const parallel = yield* Effect.flip(backend.chat({ messages: [Message.user("x")], tools: [weather], parallelToolCalls: false }))
      assert.strictEqual((parallel.reason as LlmError.Unsupported).capability, "parallelToolCalls")
      yield* backend.chat({ messages: [Message.user("x")], tools: [weather], parallelToolCalls: true })
      assert.strictEqual(server.requests.length, 1)
    }))

  it.live("a stream posts the same body to :streamGenerateContent?alt=sse asking for SSE", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(() => ({ kind: "chunks", chunks: Fixtures.sse([Fixtures.frame([{ text: "Hi" }], "STOP")]) }))
      yield* Stream.runDrain(backend.stream({ system: "Be brief.", messages: [Message.user("Hi")], maxTokens: 20 }))
      const [request] = server.requests
      assert.strictEqual(request!.url, "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse")
      assert.strictEqual(request!.headers["accept"], "text/event-stream")
      assert.strictEqual(request!.headers["x-goog-api-key"], Fixtures.KEY)
      assert.deepStrictEqual(request!.json, {
        contents: [{ role: "user", parts: [{ text: "Hi" }] }],
        systemInstruction: { parts: [{ text: "Be brief." }] },
        generationConfig: { maxOutputTokens: 20 }
      })
    }))
})
