/**
 * What we send to TEI and read back: `/embed` with its options only when
 * set, `/v1/embeddings`, `/rerank`, `/embed_sparse`, `/tokenize`, `/info`,
 * `/health`; and every `{error, error_type}` shape (and the OpenAI route's
 * `{message, code, type}`) classified. Chat and streaming are Unsupported.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Message from "../../../src/domain/Message.ts"
import * as Tei from "../../../src/providers/tei/Tei.ts"
import * as Fixtures from "../../support/TeiFixtures.ts"
import { bodyOf, on, setup } from "./setup.ts"

describe("TEI requests", () => {
  it.live("embed sends only the inputs when no option is set (the server's defaults stand)", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(Fixtures.route(), { maxBatchSize: 8 })
      yield* backend.embed("hello")
      assert.deepStrictEqual(server.requests.map((r) => `${r.method} ${r.url}`), ["POST /embed"])
      assert.deepStrictEqual(bodyOf(server), { inputs: ["hello"] })
    }))

  it.live("embed passes normalize, truncate, truncation_direction, prompt_name and dimensions when set", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(Fixtures.route(), {
        maxBatchSize: 8,
        normalize: false,
        truncate: true,
        truncationDirection: "left",
        promptName: "query"
      })
      yield* backend.embed({ input: ["a", "b"], dimensions: 256 })
      assert.deepStrictEqual(bodyOf(server), {
        inputs: ["a", "b"],
        normalize: false,
        truncate: true,
        truncation_direction: "Left",
        prompt_name: "query",
        dimensions: 256
      })
    }))

  it.live("the OpenAI-compatible route: input, model, float encoding", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(Fixtures.route(), { maxBatchSize: 8, embedRoute: "openai", embeddingModel: "bge" })
      const reply = yield* backend.embed(["a", "bb"])
      assert.strictEqual(server.requests[0]!.url, "/v1/embeddings")
      assert.deepStrictEqual(bodyOf(server), { input: ["a", "bb"], model: "bge", encoding_format: "float" })
      assert.deepStrictEqual(reply.embeddings, [[1, 0.5], [2, 0.5]])
    }))

  it.live("rerank sends query, texts, return_text when documents are wanted, raw_scores and truncate when set", () =>
    Effect.gen(function*() {
      const { reranker, server } = yield* setup(Fixtures.route(), { maxBatchSize: 8, rawScores: true, truncate: true })
      yield* reranker.rerank({ query: "q", documents: ["doc-1", "doc-2"] })
      yield* reranker.rerank({ query: "q", documents: ["doc-1"], returnDocuments: true })
      assert.deepStrictEqual(bodyOf(server, 0), { query: "q", texts: ["doc-1", "doc-2"], raw_scores: true, truncate: true })
      assert.deepStrictEqual(bodyOf(server, 1), { query: "q", texts: ["doc-1"], return_text: true, raw_scores: true, truncate: true })
    }))

  it.live("embed_sparse, tokenize, info, health and models", () =>
    Effect.gen(function*() {
      const { api, backend, server } = yield* setup(Fixtures.route(), { maxBatchSize: 8, promptName: "query" })
      yield* api.embedSparse("doc-3")
      yield* api.tokenize(["doc-1"], { addSpecialTokens: false })
      const info = yield* api.info()
      assert.isTrue(yield* api.health())
      const models = yield* backend.models()
      assert.deepStrictEqual(server.requests.map((r) => `${r.method} ${r.url}`), [
        "POST /embed_sparse",
        "POST /tokenize",
        "GET /info",
        "GET /health",
        "GET /info"
      ])
      assert.deepStrictEqual(bodyOf(server, 0), { inputs: ["doc-3"], prompt_name: "query" })
      assert.deepStrictEqual(bodyOf(server, 1), { inputs: ["doc-1"], add_special_tokens: false })
      assert.deepStrictEqual([info.modelId, info.maxClientBatchSize, info.maxInputLength, info.modelType], ["BAAI/bge-small-en-v1.5", 4, 512, "embedding"])
      assert.deepStrictEqual(models.map((m) => [m.provider, m.id, m.contextWindow]), [["tei", "bge-small", 512]])
    }))

  it.live("the configured base URL is the one used (a path prefix too)", () =>
    Effect.gen(function*() {
      const { server } = yield* setup(Fixtures.route())
      const backend = yield* Tei.make({ baseUrl: `${server.url}/tei`, maxBatchSize: 8 }).pipe(Effect.provide(FetchHttpClient.layer))
      yield* Effect.exit(backend.embed("x"))
      assert.deepStrictEqual(server.requests.map((r) => r.url), ["/tei/embed"])
    }))

  it.live("chat and stream are Unsupported and send nothing", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(Fixtures.route())
      assert.isFalse(backend.capabilities.chat)
      assert.isTrue(backend.capabilities.embed)
      const hi = { messages: [Message.user("Hi")] }
      assert.strictEqual((yield* Effect.flip(backend.chat(hi))).reason._tag, "Unsupported")
      assert.strictEqual((yield* Effect.flip(Stream.runDrain(backend.stream(hi)))).reason._tag, "Unsupported")
      assert.strictEqual(server.requests.length, 0)
    }))

  it.live("bad input fails naming the field before anything is sent", () =>
    Effect.gen(function*() {
      const { api, backend, reranker, server } = yield* setup(Fixtures.route())
      const field = (error: { readonly reason: { readonly _tag: string } }) =>
        error.reason._tag === "InvalidRequest" ? (error.reason as { readonly field?: string }).field : error.reason._tag
      assert.strictEqual(field(yield* Effect.flip(backend.embed([]))), "input")
      assert.strictEqual(field(yield* Effect.flip(reranker.rerank({ query: "q", documents: [] }))), "documents")
      assert.strictEqual(field(yield* Effect.flip(reranker.rerank({ query: "q", documents: ["a"], topN: 0 }))), "topN")
      assert.strictEqual(field(yield* Effect.flip(api.embedSparse([]))), "input")
      assert.strictEqual(server.requests.length, 0)
    }))

  it.effect("settings the chosen route cannot take fail at build, naming them", () =>
    Effect.gen(function*() {
      const build = (options: Tei.Options) => Effect.flip(Tei.make(options).pipe(Effect.provide(FetchHttpClient.layer)))
      assert.strictEqual((yield* build({ embedRoute: "openai", normalize: true })).setting, "normalize")
      assert.strictEqual((yield* build({ embedRoute: "openai", promptName: "query" })).setting, "promptName")
      assert.strictEqual((yield* build({ maxBatchSize: 0 })).setting, "maxBatchSize")
      assert.strictEqual((yield* build({ batchConcurrency: 1.5 })).setting, "batchConcurrency")
      assert.strictEqual((yield* build({ baseUrl: "ftp://x" })).setting, "baseUrl")
    }))
})

describe("TEI responses and errors", () => {
  it.live("rerank results are sorted best first, cut to topN, with the returned text", () =>
    Effect.gen(function*() {
      const { reranker } = yield* setup(Fixtures.route(), { maxBatchSize: 8 })
      const ranked = yield* reranker.rerank({ query: "q", documents: ["doc-1", "doc-30", "doc-7"], topN: 2, returnDocuments: true })
      assert.deepStrictEqual(ranked.results.map((r) => [r.index, r.score, r.document]), [[1, 0.03, "doc-30"], [2, 0.007, "doc-7"]])
      assert.strictEqual(ranked.provider, "tei")
      assert.isDefined(ranked.requestId)
    }))

  it.live("a rerank answer naming a text we did not send is InvalidResponse", () =>
    Effect.gen(function*() {
      const { reranker } = yield* setup(() => ({ kind: "json", body: [{ index: 5, score: 0.9 }] }), { maxBatchSize: 8 })
      assert.strictEqual((yield* Effect.flip(reranker.rerank({ query: "q", documents: ["a"] }))).reason._tag, "InvalidResponse")
    }))

  it.live("an embed answer with the wrong number of vectors is InvalidResponse", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "json", body: [[1, 2]] }), { maxBatchSize: 8 })
      assert.strictEqual((yield* Effect.flip(backend.embed(["a", "b"]))).reason._tag, "InvalidResponse")
    }))

  it.live("health is false on a 503", () =>
    Effect.gen(function*() {
      const { api } = yield* setup(() => ({ kind: "json", status: 503, body: Fixtures.error("unhealthy", "Unhealthy") }))
      assert.isFalse(yield* api.health())
    }))

  for (const [status, body, expected] of [
    [400, Fixtures.error("Input validation error: `inputs` cannot be empty", "Validation"), "InvalidRequest"],
    [422, Fixtures.error("Input validation error: `inputs` must have less than 512 tokens. Given: 600", "Validation"), "InvalidRequest"],
    [422, Fixtures.error("Tokenizer error: unknown token", "Tokenizer"), "InvalidRequest"],
    [400, Fixtures.error("Empty batch", "Empty"), "InvalidRequest"],
    [429, Fixtures.error("Model is overloaded", "Overloaded"), "Overloaded"],
    [503, Fixtures.error("unhealthy", "Unhealthy"), "ServerError"],
    [424, Fixtures.error("Backend error: CUDA out of memory", "Backend"), "ServerError"],
    [413, Fixtures.error("batch size 40 > maximum allowed batch size 32", "Validation"), "InvalidRequest"],
    [413, { message: "batch size 40 > maximum allowed batch size 32", code: 413, type: "Validation" }, "InvalidRequest"],
    [429, { message: "Model is overloaded", code: 429, type: "Overloaded" }, "Overloaded"],
    [424, { message: "Backend error", code: 424, type: "Backend" }, "ServerError"]
  ] as const) {
    it.live(`${status} ${JSON.stringify(body).slice(0, 60)} → ${expected}`, () =>
      Effect.gen(function*() {
        const { backend } = yield* setup(() => ({ kind: "json", status, body }), { maxBatchSize: 8 })
        const error = yield* Effect.flip(backend.embed("x"))
        assert.strictEqual(error.reason._tag, expected)
        assert.strictEqual(error.status, status)
        if (status === 413) {
          assert.strictEqual(error.reason._tag === "InvalidRequest" ? error.reason.field : undefined, "input")
          assert.include(error.message, "max_client_batch_size")
        }
        if (expected === "Overloaded") assert.isFalse(error.keyFault)
      }))
  }

  it.live("the recorded requests count is what the server saw (no hidden retries with maxRetries 0)", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(() => ({ kind: "json", status: 503, body: Fixtures.error("unhealthy", "Unhealthy") }), { maxBatchSize: 8 })
      yield* Effect.flip(backend.embed("x"))
      assert.strictEqual(on(server, "/embed").length, 1)
    }))
})
