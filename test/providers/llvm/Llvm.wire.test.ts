/**
 * The generic model server on the wire: default and overridden routes, model
 * ids that cannot escape their path segment, JSON in and schema-decoded
 * answers out, explicit batches in order, no hidden batching, and the
 * `LlmBackend` over a chat or completions route.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Message from "../../../src/domain/Message.ts"
import * as Llvm from "../../../src/providers/llvm/Llvm.ts"
import { bodyOf, route, setup } from "./setup.ts"

const Echo = Schema.Struct({ echo: Schema.Struct({ text: Schema.String }) })

describe("LlvmApi", () => {
  it.live("infer posts {input, parameters} to /models/{model}/infer and returns the result as unknown JSON", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup()
      const result = yield* api.infer("tiny", { text: "hi" }, { parameters: { temperature: 0 } })
      assert.deepStrictEqual(result, { echo: { text: "hi" } })
      assert.strictEqual(server.requests[0]!.method, "POST")
      assert.strictEqual(server.requests[0]!.url, "/models/tiny/infer")
      assert.deepStrictEqual(bodyOf(server), { input: { text: "hi" }, parameters: { temperature: 0 } })
    }))

  it.live("an output schema decodes the answer at the edge; a mismatch is InvalidResponse", () =>
    Effect.gen(function*() {
      const { api } = yield* setup()
      const typed = yield* api.infer("tiny", { text: "hi" }, { output: Echo })
      assert.strictEqual(typed.echo.text, "hi")
      const error = yield* Effect.flip(api.infer("tiny", { text: 5 }, { output: Echo }))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
    }))

  it.live("a lone infer is sent at once and returns as soon as its answer arrives (no hidden batching)", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup()
      const result = yield* api.infer("tiny", "alone").pipe(Effect.timeout("2 seconds"))
      assert.deepStrictEqual(result, { echo: "alone" })
      assert.deepStrictEqual(server.requests.map((r) => r.url), ["/models/tiny/infer"])
      // Concurrent single calls stay single requests: never merged into a batch.
      yield* Effect.all([api.infer("tiny", 1), api.infer("tiny", 2), api.infer("tiny", 3)], { concurrency: 3 })
      assert.strictEqual(server.requests.filter((r) => r.url === "/models/tiny/infer").length, 4)
      assert.strictEqual(server.requests.filter((r) => r.url.includes("batch")).length, 0)
    }))

  it.live("batchInfer posts {inputs} once and returns results in input order, decoded", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup()
      const results = yield* api.batchInfer("tiny", [{ text: "a" }, { text: "b" }, { text: "c" }], { output: Echo })
      assert.deepStrictEqual(results.map((r) => r.echo.text), ["a", "b", "c"])
      assert.deepStrictEqual(server.requests.map((r) => r.url), ["/models/tiny/batch_infer"])
      assert.deepStrictEqual(bodyOf(server), { inputs: [{ text: "a" }, { text: "b" }, { text: "c" }] })
    }))

  it.live("a batch answer of the wrong length is InvalidResponse; an empty batch InvalidRequest before sending", () =>
    Effect.gen(function*() {
      const short = yield* setup(() => ({ kind: "json", body: { results: [1] } }))
      assert.strictEqual((yield* Effect.flip(short.api.batchInfer("tiny", [1, 2]))).reason._tag, "InvalidResponse")
      const empty = yield* setup()
      const error = yield* Effect.flip(empty.api.batchInfer("tiny", []))
      assert.strictEqual(error.reason._tag === "InvalidRequest" ? error.reason.field : undefined, "inputs")
      assert.strictEqual(empty.server.requests.length, 0)
    }))

  it.live("input that is not JSON is InvalidRequest naming the field; nothing is sent", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup()
      const error = yield* Effect.flip(api.infer("tiny", { at: new Date(0) }))
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      assert.include(error.reason._tag === "InvalidRequest" ? error.reason.field ?? "" : "", "input")
      assert.strictEqual(server.requests.length, 0)
    }))

  it.live("listModels reads the listing; modelInfo GETs /models/{model}", () =>
    Effect.gen(function*() {
      const { api, backend, server } = yield* setup()
      const models = yield* api.listModels()
      assert.deepStrictEqual(models.map((m) => m.id), ["tiny", "small", "named"])
      assert.strictEqual(models[0]!.ownedBy, "lab")
      assert.deepStrictEqual((yield* backend.models()).map((m) => m.id), ["tiny", "small", "named"])
      const info = yield* api.modelInfo("tiny")
      assert.strictEqual(info.id, "tiny")
      assert.deepStrictEqual(info.details, { id: "tiny", inputs: ["text"] })
      assert.deepStrictEqual(server.requests.map((r) => `${r.method} ${r.url}`), ["GET /models", "GET /models", "GET /models/tiny"])
    }))
})

describe("routes", () => {
  it.live("every route is overridable", () =>
    Effect.gen(function*() {
      const { api, backend, server } = yield* setup(
        (request) => {
          if (request.url.startsWith("/v1/")) return route(request, 0)
          if (request.url === "/api/list") return { kind: "json", body: ["m"] }
          if (request.url.startsWith("/api/about/")) return { kind: "json", body: { id: "m" } }
          return { kind: "json", body: request.url.endsWith("/all") ? { results: [1] } : { result: 1 } }
        },
        { routes: { models: "/api/list", model: "/api/about/{model}", infer: "/api/run/{model}/go", batchInfer: "/api/many/{model}/all", chat: "/v1/chat/completions" } }
      )
      yield* api.listModels()
      yield* api.modelInfo("m")
      yield* api.infer("m", 1)
      yield* api.batchInfer("m", [1])
      yield* backend.chat({ messages: [Message.user("Hi")] })
      assert.deepStrictEqual(server.requests.map((r) => r.url), ["/api/list", "/api/about/m", "/api/run/m/go", "/api/many/m/all", "/v1/chat/completions"])
    }))

  it.live("a model id with /, ?, # or % stays one path segment: the server sees it encoded, never a new route", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup()
      yield* api.infer("org/model?x=1#frag", "a")
      yield* api.modelInfo("50%/../admin")
      yield* api.batchInfer("a b", [1])
      assert.deepStrictEqual(server.requests.map((r) => r.url), [
        "/models/org%2Fmodel%3Fx%3D1%23frag/infer",
        "/models/50%25%2F..%2Fadmin",
        "/models/a%20b/batch_infer"
      ])
    }))

  it.live("dot segments and empty ids are refused before sending", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup()
      for (const model of ["..", ".", " "]) {
        const error = yield* Effect.flip(api.infer(model, 1))
        assert.strictEqual(error.reason._tag === "InvalidRequest" ? error.reason.field : undefined, "model", model)
      }
      assert.strictEqual(server.requests.length, 0)
    }))

  it.effect("bad route templates fail at build naming the route", () =>
    Effect.gen(function*() {
      const build = (routes: Llvm.Options["routes"]) => Effect.flip(Llvm.build({ routes }).pipe(Effect.provide(FetchHttpClient.layer)))
      assert.strictEqual((yield* build({ infer: "models/{model}/infer" })).setting, "routes.infer")
      assert.strictEqual((yield* build({ infer: "/infer" })).setting, "routes.infer")
      assert.strictEqual((yield* build({ model: "/models/{id}" })).setting, "routes.model")
      assert.strictEqual((yield* build({ batchInfer: "/b/{model}?sync=1" })).setting, "routes.batchInfer")
      assert.strictEqual((yield* build({ chat: "/v1/{model}/chat" })).setting, "routes.chat")
    }))
})

describe("LlmBackend over the server", () => {
  it.live("without a chat or completions route, chat and stream are Unsupported and nothing is sent", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup()
      assert.isFalse(backend.capabilities.chat)
      assert.strictEqual((yield* Effect.flip(backend.chat({ messages: [Message.user("Hi")] }))).reason._tag, "Unsupported")
      assert.strictEqual(server.requests.length, 0)
    }))

  it.live("a chat route carries conversations (OpenAI chat format, max_tokens), streamed too", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(route, { routes: { chat: "/v1/chat/completions" } })
      const reply = yield* backend.chat({ system: "Be brief.", messages: [Message.user("Hi")], maxTokens: 8 })
      assert.strictEqual(reply.text, "Hi")
      assert.deepStrictEqual(bodyOf(server), { model: "tiny", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }], max_tokens: 8 })
      const chunks = yield* Stream.runCollect(backend.stream({ messages: [Message.user("Hi")] }))
      assert.deepStrictEqual(chunks.filter((c) => c._tag === "TextDelta").map((c) => c.text), ["Hi"])
    }))

  it.live("a completions route takes one user prompt; chunks' text streams as deltas", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(route, { routes: { completions: "/v1/completions" } })
      const reply = yield* backend.chat({ messages: [Message.user("Say hello")], maxTokens: 4 })
      assert.strictEqual(reply.text, "Hello")
      assert.strictEqual(reply.usage?.outputTokens, 2)
      assert.deepStrictEqual(bodyOf(server), { model: "tiny", prompt: "Say hello", max_tokens: 4 })
      const chunks = yield* Stream.runCollect(backend.stream({ messages: [Message.user("Say hello")] }))
      assert.deepStrictEqual(chunks.filter((c) => c._tag === "TextDelta").map((c) => c.text), ["Hel", "lo"])
      assert.strictEqual(chunks.find((c) => c._tag === "Finish")?.reason, "stop")
      assert.strictEqual(bodyOf(server, 1)["stream"], true)
    }))

  it.live("a conversation or a system prompt on a completions route is Unsupported, never flattened", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(route, { routes: { completions: "/v1/completions" } })
      const turns = yield* Effect.flip(backend.chat({ messages: [Message.user("a"), Message.assistant("b"), Message.user("c")] }))
      assert.strictEqual(turns.reason._tag, "Unsupported")
      const system = yield* Effect.flip(backend.chat({ system: "x", messages: [Message.user("a")] }))
      assert.strictEqual(system.reason._tag, "Unsupported")
      assert.strictEqual(server.requests.length, 0)
    }))
})
