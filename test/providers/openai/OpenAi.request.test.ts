import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { Content, Message, ResponseFormat, Tool } from "../../../src/index.ts"
import * as FakeServer from "../../support/FakeServer.ts"
import * as Fixtures from "../../support/OpenAiFixtures.ts"
import { KEY, setup } from "../../support/openAi.ts"

const ok: FakeServer.Handler = () => ({ kind: "json", body: Fixtures.completion({}) })

describe("OpenAI requests on the wire", () => {
  it.live("a plain chat sends model, messages with the system prompt first, and bearer auth", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok)
      yield* backend.chat({ system: "Be brief.", messages: [Message.user("Hi")], temperature: 0.2, maxTokens: 50 })
      const [request] = server.requests
      assert.strictEqual(request!.method, "POST")
      assert.strictEqual(request!.url, "/v1/chat/completions")
      assert.strictEqual(request!.headers["authorization"], `Bearer ${KEY}`)
      assert.strictEqual(request!.headers["content-type"], "application/json")
      assert.match(request!.headers["x-client-request-id"]!, /^req_/)
      assert.deepStrictEqual(request!.json, {
        model: "gpt-4o-mini",
        messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }],
        temperature: 0.2,
        max_completion_tokens: 50
      })
    }))

  it.live("tools, tool choice and a prior tool round trip map to OpenAI's shapes", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok)
      const weather = Tool.make("get_weather", {
        description: "Weather for a city",
        parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
        strict: true
      })
      yield* backend.chat({
        model: "gpt-4o",
        messages: [
          Message.user("Weather in Paris?"),
          Message.assistant([
            Content.text("Let me check."),
            new Content.ToolCallPart({ id: "call_1", name: "get_weather", arguments: "{\"city\":\"Paris\"}" })
          ]),
          Message.tool([Content.toolResult("call_1", "{\"temp\":21}")])
        ],
        tools: [weather],
        toolChoice: Tool.force("get_weather"),
        parallelToolCalls: false
      })
      assert.deepStrictEqual(server.requests[0]!.json, {
        model: "gpt-4o",
        messages: [
          { role: "user", content: "Weather in Paris?" },
          {
            role: "assistant",
            content: "Let me check.",
            tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" } }]
          },
          { role: "tool", tool_call_id: "call_1", content: "{\"temp\":21}" }
        ],
        tools: [{
          type: "function",
          function: {
            name: "get_weather",
            description: "Weather for a city",
            parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
            strict: true
          }
        }],
        tool_choice: { type: "function", function: { name: "get_weather" } },
        parallel_tool_calls: false
      })
    }))

  it.live("an assistant turn with only tool calls omits content instead of sending null", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok)
      yield* backend.chat({
        messages: [
          Message.user("x"),
          Message.assistant([new Content.ToolCallPart({ id: "c", name: "f", arguments: "{}" })]),
          Message.tool([Content.toolResult("c", "done")])
        ]
      })
      const messages = (server.requests[0]!.json as { messages: Array<Record<string, unknown>> }).messages
      assert.isFalse("content" in messages[1]!)
    }))

  it.live("JSON schema and JSON object output set response_format", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok)
      const schema = { type: "object", properties: { n: { type: "integer" } }, required: ["n"], additionalProperties: false }
      yield* backend.chat({
        messages: [Message.user("n?")],
        responseFormat: ResponseFormat.jsonSchema("answer", schema, { strict: true })
      })
      yield* backend.chat({ messages: [Message.user("n?")], responseFormat: ResponseFormat.json })
      yield* backend.chat({ messages: [Message.user("n?")], responseFormat: ResponseFormat.text })
      const bodies = server.requests.map((r) => (r.json as Record<string, unknown>)["response_format"])
      assert.deepStrictEqual(bodies, [
        { type: "json_schema", json_schema: { name: "answer", schema, strict: true } },
        { type: "json_object" },
        undefined
      ])
    }))

  it.live("image parts go as image_url, base64 as a data URL, with detail", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok)
      yield* backend.chat({
        messages: [Message.user([
          Content.text("What is this?"),
          Content.imageUrl("https://example.com/cat.png", "low"),
          Content.imageData("iVBORw0KGgo=", "image/png")
        ])]
      })
      const messages = (server.requests[0]!.json as { messages: Array<unknown> }).messages
      assert.deepStrictEqual(messages[0], {
        role: "user",
        content: [
          { type: "text", text: "What is this?" },
          { type: "image_url", image_url: { url: "https://example.com/cat.png", detail: "low" } },
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } }
        ]
      })
    }))

  it.live("a stream asks for SSE and for the usage chunk", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(() => ({
        kind: "chunks",
        chunks: FakeServer.sse([Fixtures.chunk({ role: "assistant", content: "Hi" }, "stop"), Fixtures.usageChunk(3, 1)])
      }))
      yield* Stream.runDrain(backend.stream({ messages: [Message.user("Hi")], stop: ["\n"], seed: 7 }))
      assert.strictEqual(server.requests[0]!.headers["accept"], "text/event-stream")
      assert.deepStrictEqual(server.requests[0]!.json, {
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "Hi" }],
        stop: ["\n"],
        seed: 7,
        stream: true,
        stream_options: { include_usage: true }
      })
    }))

  it.live("embeddings send one string for one input and an array for a batch, asking for floats", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup((request) => {
        const input = (request.json as { input: string | Array<string> }).input
        const n = typeof input === "string" ? 1 : input.length
        return {
          kind: "json",
          body: {
            object: "list",
            model: "text-embedding-3-small",
            // Out of order on purpose: the index decides the position.
            data: Array.from({ length: n }, (_, i) => ({ object: "embedding", index: n - 1 - i, embedding: [n - 1 - i, 0.5] })),
            usage: { prompt_tokens: 4, total_tokens: 4 }
          }
        }
      })
      const one = yield* backend.embed("hello")
      const many = yield* backend.embed({ input: ["a", "b", "c"], dimensions: 2 })
      assert.deepStrictEqual(server.requests[0]!.json, {
        model: "text-embedding-3-small",
        input: "hello",
        encoding_format: "float"
      })
      assert.deepStrictEqual(server.requests[1]!.json, {
        model: "text-embedding-3-small",
        input: ["a", "b", "c"],
        encoding_format: "float",
        dimensions: 2
      })
      assert.strictEqual(server.requests[1]!.url, "/v1/embeddings")
      assert.deepStrictEqual(one.embeddings, [[0, 0.5]])
      assert.deepStrictEqual(many.embeddings, [[0, 0.5], [1, 0.5], [2, 0.5]])
      assert.strictEqual(many.usage?.inputTokens, 4)
    }))

  it.live("models are listed from GET /models", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(() => ({
        kind: "json",
        body: { object: "list", data: [{ id: "gpt-4o", object: "model", created: 1715367049, owned_by: "system" }] }
      }))
      const models = yield* backend.models()
      assert.strictEqual(server.requests[0]!.method, "GET")
      assert.strictEqual(server.requests[0]!.url, "/v1/models")
      assert.deepStrictEqual(models.map((m) => [m.provider, m.id, m.ownedBy, m.created]), [["openai", "gpt-4o", "system", 1715367049]])
    }))

  it.live("organization and project headers are sent when configured", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok, { organization: "org-1", project: "proj-1" })
      yield* backend.chat({ messages: [Message.user("Hi")] })
      assert.strictEqual(server.requests[0]!.headers["openai-organization"], "org-1")
      assert.strictEqual(server.requests[0]!.headers["openai-project"], "proj-1")
    }))

  it.live("a caller's request id is sent as x-client-request-id and comes back on the response", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok)
      const reply = yield* backend.chat({ messages: [Message.user("Hi")] }, { requestId: "my-trace-42" })
      assert.strictEqual(server.requests[0]!.headers["x-client-request-id"], "my-trace-42")
      assert.strictEqual(reply.requestId, "my-trace-42")
    }))

  it.live("a tool result flagged as an error cannot be said in this format: Unsupported, nothing sent", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok)
      const turns = (isError: boolean) => ({
        messages: [
          Message.user("x"),
          Message.assistant([new Content.ToolCallPart({ id: "c", name: "f", arguments: "{}" })]),
          Message.tool([Content.toolResult("c", "it failed", { isError })])
        ]
      })
      const error = yield* Effect.flip(backend.chat(turns(true)))
      assert.deepStrictEqual([error.reason._tag, error.reason._tag === "Unsupported" ? error.reason.capability : ""], ["Unsupported", "toolResultError"])
      const streamed = yield* Effect.flip(Stream.runDrain(backend.stream(turns(true))))
      assert.strictEqual(streamed.reason._tag, "Unsupported")
      assert.strictEqual(server.requests.length, 0)
      yield* backend.chat(turns(false))
      assert.strictEqual(server.requests.length, 1)
    }))

  it.live("top_k is not something OpenAI accepts: Unsupported, and nothing is sent", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok)
      const error = yield* Effect.flip(backend.chat({ messages: [Message.user("Hi")], topK: 5 }))
      assert.strictEqual(error.reason._tag, "Unsupported")
      assert.strictEqual(server.requests.length, 0)
    }))
})
