/**
 * What the OVMS services send and how they read what comes back: the `/v3`
 * OpenAI-compatible routes with the OVMS dialect, the rerank route, model
 * listing from `/v1/config` (or `Unsupported`), KServe metadata and probes,
 * and KServe error bodies mapped to reasons.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import * as ChatChunk from "../../../src/domain/ChatChunk.ts"
import * as Message from "../../../src/domain/Message.ts"
import * as Tensor from "../../../src/providers/ovms/Tensor.ts"
import * as FakeServer from "../../support/FakeServer.ts"
import * as Fixtures from "./fixtures.ts"
import { bodyOf, route, setup } from "./setup.ts"

const hi = { messages: [Message.user("Hi")] }
const x = { inputs: [Tensor.make("x", "FP32", [1], [1])] }

describe("OVMS /v3 routes", () => {
  it.live("chat posts to /v3/chat/completions with max_tokens and top_k, and reads a reply without an id", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(route)
      const reply = yield* backend.chat({ system: "Be brief.", ...hi, maxTokens: 32, topK: 40, temperature: 0 })
      assert.strictEqual(server.requests[0]!.url, "/v3/chat/completions")
      assert.deepStrictEqual(bodyOf(server), {
        model: "llama3",
        messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }],
        temperature: 0,
        top_k: 40,
        max_tokens: 32
      })
      assert.strictEqual(reply.text, "How can I help you?")
      assert.strictEqual(reply.finishReason, "stop")
      assert.deepStrictEqual([reply.usage?.inputTokens, reply.usage?.outputTokens], [22, 38])
    }))

  it.live("stream asks for usage, skips the null-content first chunk and ends on [DONE]", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(route)
      const collected = yield* ChatChunk.collect(backend.stream(hi))
      const body = bodyOf(server)
      assert.strictEqual(body["stream"], true)
      assert.deepStrictEqual(body["stream_options"], { include_usage: true })
      assert.strictEqual(collected.text, "Hello!")
      assert.strictEqual(collected.usage?.outputTokens, 2)
    }))

  it.live("embed posts to /v3/embeddings with encoding_format float, in input order", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(route)
      const reply = yield* backend.embed(["a", "b"])
      assert.strictEqual(server.requests[0]!.url, "/v3/embeddings")
      assert.deepStrictEqual(bodyOf(server), { model: "gte-large", input: ["a", "b"], encoding_format: "float" })
      assert.deepStrictEqual(reply.embeddings, [[0, 0.5], [1, 0.5]])
    }))

  it.live("what OVMS documents as unsupported (user, dimensions) is refused, not dropped", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(route)
      const chat = yield* Effect.flip(backend.chat({ ...hi, user: "u-1" }))
      const stream = yield* Effect.flip(Stream.runCollect(backend.stream({ ...hi, user: "u-1" })))
      const embed = yield* Effect.flip(backend.embed({ input: ["a"], dimensions: 64 }))
      assert.deepStrictEqual(
        [chat, stream, embed].map((e) => e.reason._tag === "Unsupported" ? e.reason.capability : e.reason._tag),
        ["user", "user", "dimensions"]
      )
      assert.strictEqual(server.requests.length, 0)
    }))

  it.live("rerank posts the Cohere shape to /v3/rerank and returns results best first", () =>
    Effect.gen(function*() {
      const { reranker, server } = yield* setup(() => ({ kind: "json", body: Fixtures.rerank([0.2, 0.9, 0.5], ["a", "b", "c"]) }))
      const ranked = yield* reranker.rerank({ query: "q", documents: ["a", "b", "c"], topN: 3, returnDocuments: true })
      assert.strictEqual(server.requests[0]!.url, "/v3/rerank")
      assert.deepStrictEqual(bodyOf(server), { model: "bge-reranker", query: "q", documents: ["a", "b", "c"], top_n: 3, return_documents: true })
      assert.deepStrictEqual(ranked.results.map((r) => [r.index, r.score, r.document]), [[1, 0.9, "b"], [2, 0.5, "c"], [0, 0.2, "a"]])
      assert.strictEqual(ranked.provider, "ovms")
      assert.strictEqual(ranked.model, "bge-reranker")
    }))

  it.live("rerank refuses bad input before sending, and a result for a document not sent is InvalidResponse", () =>
    Effect.gen(function*() {
      const { reranker, server } = yield* setup(() => ({ kind: "json", body: { results: [{ index: 5, relevance_score: 1 }] } }))
      const empty = yield* Effect.flip(reranker.rerank({ query: "q", documents: [] }))
      assert.strictEqual(empty.reason._tag === "InvalidRequest" ? empty.reason.field : undefined, "documents")
      assert.strictEqual(server.requests.length, 0)
      const stray = yield* Effect.flip(reranker.rerank({ query: "q", documents: ["a"] }))
      assert.strictEqual(stray.reason._tag, "InvalidResponse")
      assert.include(stray.reason.detail ?? "", "index 5")
    }))
})

describe("OVMS models", () => {
  it.live("are listed from GET /v1/config: those with a version AVAILABLE", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(route)
      const models = yield* backend.models()
      assert.strictEqual(server.requests[0]!.url, "/v1/config")
      assert.deepStrictEqual(models.map((m) => [m.provider, m.id]), [["ovms", "resnet"], ["ovms", "llama3"]])
    }))

  it.live("a deployment without /v1/config (2026.3 on) answers Unsupported, never a list made up from settings", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => Fixtures.kserveError(404, "Not Found"))
      const error = yield* Effect.flip(backend.models())
      assert.strictEqual(error.reason._tag, "Unsupported")
      const declared = yield* setup(route, { listModels: false })
      assert.isFalse(declared.backend.capabilities.models)
      const unsupported = yield* Effect.flip(declared.backend.models())
      assert.strictEqual(unsupported.reason._tag, "Unsupported")
      assert.strictEqual(declared.server.requests.length, 0)
    }))
})

describe("OVMS KServe metadata, probes and errors", () => {
  it.live("metadata reads inputs, outputs (dynamic -1 kept), versions and rt_info", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup(route)
      const meta = yield* api.metadata("resnet", { version: "2" })
      assert.strictEqual(server.requests[0]!.url, "/v2/models/resnet/versions/2")
      assert.deepStrictEqual(meta, {
        name: "resnet",
        versions: ["1", "2"],
        platform: "OpenVINO",
        inputs: [{ name: "0", datatype: "FP32", shape: [1, 224, 224, 3] }],
        outputs: [{ name: "1463", datatype: "FP32", shape: [-1, 1000] }],
        rtInfo: { model_info: { labels: "cat dog" } }
      })
    }))

  it.live("probes answer with their status: 200 true, a KServe 4xx or 503 false, auth still an error", () =>
    Effect.gen(function*() {
      const answers: Record<string, FakeServer.Action> = {
        "/v2/health/live": { kind: "text", body: "" },
        "/v2/health/ready": Fixtures.kserveError(503, "not ready"),
        "/v2/models/resnet/ready": { kind: "json", body: {} },
        "/v2/models/loading/versions/2/ready": Fixtures.kserveError(404, "Model with requested version is not found"),
        "/v2/models/secret/ready": Fixtures.kserveError(401, "unauthorized")
      }
      const { api, server } = yield* setup((request) => answers[request.url] ?? Fixtures.kserveError(500, "?"))
      assert.isTrue(yield* api.serverLive())
      assert.isFalse(yield* api.serverReady())
      assert.isTrue(yield* api.ready("resnet"))
      assert.isFalse(yield* api.ready("loading", { version: 2 }))
      const denied = yield* Effect.flip(api.ready("secret"))
      assert.strictEqual(denied.reason._tag, "Unauthorized")
      assert.strictEqual(server.requests.length, 5)
    }))

  it.live("KServe {error} bodies: 400 InvalidRequest with the text, 404 NotFound, 503 Overloaded", () =>
    Effect.gen(function*() {
      const replies = [
        Fixtures.kserveError(400, "Invalid number of shape dimensions - Expected: 4; Actual: 1"),
        Fixtures.kserveError(404, "Model with requested name is not found"),
        Fixtures.kserveError(503, "Model with requested version is not loaded yet")
      ]
      const { api } = yield* setup((_, i) => replies[i]!)
      const reasons = []
      for (let i = 0; i < 3; i++) reasons.push((yield* Effect.flip(api.infer("resnet", x))))
      assert.deepStrictEqual(reasons.map((e) => [e.reason._tag, e.status, e.model]), [
        ["InvalidRequest", 400, "resnet"],
        ["NotFound", 404, "resnet"],
        ["Overloaded", 503, "resnet"]
      ])
      assert.include(reasons[0]!.message, "Invalid number of shape dimensions")
      assert.include(reasons[2]!.message, "not loaded yet")
    }))
})
