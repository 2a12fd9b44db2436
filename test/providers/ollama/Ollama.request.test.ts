import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Stream } from "effect"
import * as Content from "../../../src/domain/Content.ts"
import * as Message from "../../../src/domain/Message.ts"
import * as ResponseFormat from "../../../src/domain/ResponseFormat.ts"
import * as Tool from "../../../src/domain/Tool.ts"
import { bodyOf, PNG, route, setup } from "./setup.ts"

const weather = Tool.make("get_weather", {
  description: "Weather for a city",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }
})

describe("Ollama chat requests on the wire", () => {
  it.live("a plain chat is non-streamed: stream:false, the system prompt as a first message, no auth", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(route)
      yield* backend.chat({ system: "Be brief.", messages: [Message.user("Hi")] })
      const [request] = server.requests
      assert.strictEqual(request!.method, "POST")
      assert.strictEqual(request!.url, "/api/chat")
      assert.strictEqual(request!.headers["content-type"], "application/json")
      assert.isUndefined(request!.headers["authorization"])
      assert.deepStrictEqual(request!.json, {
        model: "llama3.2",
        messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }],
        stream: false
      })
    }))

  it.live("sampling settings go inside options under Ollama's names", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(route)
      yield* backend.chat({
        messages: [Message.user("Hi")],
        temperature: 0.2,
        topP: 0.9,
        topK: 40,
        maxTokens: 50,
        seed: 7,
        stop: ["\n", "User:"],
        presencePenalty: 0.5,
        frequencyPenalty: -0.5
      })
      assert.deepStrictEqual(bodyOf(server)["options"], {
        temperature: 0.2,
        top_p: 0.9,
        top_k: 40,
        num_predict: 50,
        seed: 7,
        stop: ["\n", "User:"],
        presence_penalty: 0.5,
        frequency_penalty: -0.5
      })
    }))

  it.live("JSON output is format \"json\", a schema is the schema itself, text sends no format", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(route)
      const schema = { type: "object", properties: { n: { type: "integer" } }, required: ["n"] }
      yield* backend.chat({ messages: [Message.user("n?")], responseFormat: ResponseFormat.json })
      yield* backend.chat({ messages: [Message.user("n?")], responseFormat: ResponseFormat.jsonSchema("answer", schema, { strict: true }) })
      yield* backend.chat({ messages: [Message.user("n?")], responseFormat: ResponseFormat.text })
      assert.deepStrictEqual(server.requests.map((r) => (r.json as Record<string, unknown>)["format"]), ["json", schema, undefined])
      assert.isFalse("format" in bodyOf(server, 2))
    }))

  it.live("images go as bare base64 strings in the message's images, data: URLs unwrapped", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(route)
      yield* backend.chat({
        messages: [Message.user([
          Content.text("What is this?"),
          Content.imageData(PNG, "image/png"),
          Content.text("Be brief."),
          Content.imageUrl(`data:image/jpeg;base64,${PNG}`, "auto")
        ])]
      })
      assert.deepStrictEqual(bodyOf(server)["messages"], [
        { role: "user", content: "What is this?\nBe brief.", images: [PNG, PNG] }
      ])
    }))

  it.live("tools and a tool round trip: arguments as an object, results named by tool", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(route)
      yield* backend.chat({
        messages: [
          Message.user("Weather in Paris and Rome?"),
          Message.assistant([
            Content.text("Checking."),
            new Content.ToolCallPart({ id: "call_0", name: "get_weather", arguments: "{\"city\":\"Paris\"}" }),
            new Content.ToolCallPart({ id: "call_1", name: "get_time", arguments: "" })
          ]),
          Message.tool([Content.toolResult("call_0", "21 degrees"), Content.toolResult("call_1", "noon", { name: "clock" })])
        ],
        tools: [weather],
        toolChoice: "auto",
        parallelToolCalls: true
      })
      assert.deepStrictEqual(bodyOf(server), {
        model: "llama3.2",
        messages: [
          { role: "user", content: "Weather in Paris and Rome?" },
          {
            role: "assistant",
            content: "Checking.",
            tool_calls: [
              { function: { name: "get_weather", arguments: { city: "Paris" } } },
              { function: { name: "get_time", arguments: {} } }
            ]
          },
          { role: "tool", content: "21 degrees", tool_name: "get_weather" },
          { role: "tool", content: "noon", tool_name: "clock" }
        ],
        tools: [{
          type: "function",
          function: {
            name: "get_weather",
            description: "Weather for a city",
            parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }
          }
        }],
        stream: false
      })
    }))

  it.live("an assistant turn with only tool calls still sends content \"\" (Ollama requires it)", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(route)
      yield* backend.chat({
        messages: [Message.user("x"), Message.assistant([new Content.ToolCallPart({ id: "c", name: "f", arguments: "{}" })])]
      })
      const messages = bodyOf(server)["messages"] as Array<Record<string, unknown>>
      assert.deepStrictEqual(messages[1], { role: "assistant", content: "", tool_calls: [{ function: { name: "f", arguments: {} } }] })
    }))

  it.live("toolChoice none offers no tools", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(route)
      yield* backend.chat({ messages: [Message.user("x")], tools: [weather], toolChoice: "none" })
      assert.isFalse("tools" in bodyOf(server))
    }))

  it.live("a stream asks for NDJSON with stream:true", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(route)
      yield* Stream.runDrain(backend.stream({ messages: [Message.user("Hi")], maxTokens: 5 }))
      assert.strictEqual(server.requests[0]!.headers["accept"], "application/x-ndjson")
      assert.deepStrictEqual(bodyOf(server), {
        model: "llama3.2",
        messages: [{ role: "user", content: "Hi" }],
        options: { num_predict: 5 },
        stream: true
      })
    }))

  it.live("keepAlive is sent as keep_alive (a duration string) on chat, stream and embed", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(route, { keepAlive: 300 })
      yield* backend.chat({ messages: [Message.user("Hi")] })
      yield* Stream.runDrain(backend.stream({ messages: [Message.user("Hi")] }))
      yield* backend.embed("x")
      assert.deepStrictEqual(server.requests.map((r) => (r.json as Record<string, unknown>)["keep_alive"]), ["300s", "300s", "300s"])
    }))

  it.live("a key, when given, goes as a bearer token and never in the URL", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(route, { apiKey: Redacted.make("ollama-proxy-token-123") })
      yield* backend.chat({ messages: [Message.user("Hi")] })
      yield* backend.models()
      for (const request of server.requests) {
        assert.strictEqual(request.headers["authorization"], "Bearer ollama-proxy-token-123")
        assert.notInclude(request.url, "ollama-proxy-token-123")
      }
    }))
})

describe("Ollama embeddings, models and extras on the wire", () => {
  it.live("embed sends one string for one input and an array for a batch", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(route)
      const one = yield* backend.embed("hello")
      const many = yield* backend.embed({ input: ["a", "b", "c"], dimensions: 2 })
      assert.strictEqual(server.requests[0]!.url, "/api/embed")
      assert.deepStrictEqual(bodyOf(server, 0), { model: "all-minilm", input: "hello" })
      assert.deepStrictEqual(bodyOf(server, 1), { model: "all-minilm", input: ["a", "b", "c"], dimensions: 2 })
      assert.deepStrictEqual(one.embeddings, [[0, 0.5]])
      assert.deepStrictEqual(many.embeddings, [[0, 0.5], [1, 0.5], [2, 0.5]])
    }))

  it.live("models come from GET /api/tags", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(route)
      yield* backend.models()
      assert.strictEqual(server.requests[0]!.method, "GET")
      assert.strictEqual(server.requests[0]!.url, "/api/tags")
      assert.strictEqual(server.requests[0]!.body, "")
    }))

  it.live("show posts the model name", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup(route)
      yield* api.show("llama3.2")
      assert.strictEqual(server.requests[0]!.url, "/api/show")
      assert.deepStrictEqual(bodyOf(server), { model: "llama3.2" })
    }))

  it.live("generate is non-streamed and maps prompt, system, suffix, images, format, options and raw", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup(route, { keepAlive: "10m" })
      yield* api.generate({
        prompt: "def add(a, b):",
        system: "Complete code.",
        suffix: "    return c",
        images: [PNG],
        format: ResponseFormat.json,
        raw: true,
        temperature: 0,
        maxTokens: 20
      })
      assert.strictEqual(server.requests[0]!.url, "/api/generate")
      assert.deepStrictEqual(bodyOf(server), {
        model: "llama3.2",
        prompt: "def add(a, b):",
        system: "Complete code.",
        suffix: "    return c",
        images: [PNG],
        format: "json",
        options: { temperature: 0, num_predict: 20 },
        raw: true,
        stream: false,
        keep_alive: "10m"
      })
    }))

  it.live("generateStream sends stream:true and asks for NDJSON", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup(route)
      yield* Stream.runDrain(api.generateStream({ model: "gemma4", prompt: "Hi" }))
      assert.strictEqual(server.requests[0]!.headers["accept"], "application/x-ndjson")
      assert.deepStrictEqual(bodyOf(server), { model: "gemma4", prompt: "Hi", stream: true })
    }))

  it.live("a generate request that does not validate is InvalidRequest naming the field, nothing sent", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup(route)
      const error = yield* Effect.flip(api.generate({ prompt: "x", images: ["data:image/png;base64,AAAA"] }))
      assert.strictEqual(error.reason._tag === "InvalidRequest" ? error.reason.field : undefined, "images.0")
      assert.strictEqual(server.requests.length, 0)
    }))

  it.live("pull streams progress with stream:true; version is a GET", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup(route)
      yield* Stream.runDrain(api.pull("llama3.2"))
      const version = yield* api.version()
      assert.strictEqual(server.requests[0]!.url, "/api/pull")
      assert.deepStrictEqual(bodyOf(server), { model: "llama3.2", stream: true })
      assert.strictEqual(server.requests[1]!.method, "GET")
      assert.strictEqual(server.requests[1]!.url, "/api/version")
      assert.strictEqual(version, "0.12.6")
    }))

  it.live("an empty model name for pull or show is InvalidRequest, nothing sent", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup(route)
      const pulled = yield* Effect.flip(Stream.runDrain(api.pull(" ")))
      const shown = yield* Effect.flip(api.show(""))
      assert.strictEqual(pulled.reason._tag === "InvalidRequest" ? pulled.reason.field : undefined, "model")
      assert.strictEqual(shown.reason._tag, "InvalidRequest")
      assert.strictEqual(server.requests.length, 0)
    }))
})
