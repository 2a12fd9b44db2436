/**
 * Input lists beyond TEI's `max_client_batch_size` are split: each batch
 * its own pipeline call, never more than the limit per request, answers put
 * back in input order; `/info` is read once and cached (refreshable); one
 * failing batch fails the whole call.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type * as FakeServer from "../../support/FakeServer.ts"
import * as Fixtures from "../../support/TeiFixtures.ts"
import { on, setup } from "./setup.ts"

const LIMIT = 4
const sizes = (server: FakeServer.FakeServer, path: string, field = "inputs") =>
  on(server, path).map((r) => ((r.json as Record<string, ReadonlyArray<unknown>>)[field] ?? []).length)

describe("TEI batching", () => {
  for (const n of [1, LIMIT, LIMIT + 1, 10 * LIMIT]) {
    it.live(`${n} inputs: order kept, every request within the limit of ${LIMIT}`, () =>
      Effect.gen(function*() {
        const { backend, server } = yield* setup(Fixtures.route({ limit: LIMIT }))
        const reply = yield* backend.embed(Fixtures.docs(n))
        assert.deepStrictEqual(reply.embeddings.map((v) => v[0]), Fixtures.docs(n).map((_, i) => i))
        const sent = sizes(server, "/embed")
        assert.strictEqual(sent.length, Math.ceil(n / LIMIT))
        assert.isTrue(sent.every((size) => size <= LIMIT))
        assert.strictEqual(sent.reduce((a, b) => a + b, 0), n)
        assert.strictEqual(on(server, "/info").length, 1)
        assert.deepStrictEqual(reply.usage?.inputTokens, n * 3)
        assert.strictEqual(reply.model, "bge-small")
        const stats = yield* backend.monitor.stats
        // One pipeline call per batch, plus the one /info read.
        assert.strictEqual(stats.total_requests, Math.ceil(n / LIMIT) + 1)
      }))
  }

  it.live("the OpenAI-compatible route is batched the same way", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(Fixtures.route({ limit: LIMIT }), { embedRoute: "openai" })
      const reply = yield* backend.embed(Fixtures.docs(9))
      assert.deepStrictEqual(reply.embeddings.map((v) => v[0]), Fixtures.docs(9).map((_, i) => i))
      assert.deepStrictEqual(sizes(server, "/v1/embeddings", "input"), [4, 4, 1])
      assert.strictEqual(reply.usage?.inputTokens, 27)
    }))

  it.live("/info is read once for many calls; TeiApi.info refreshes the limit used", () =>
    Effect.gen(function*() {
      let limit = LIMIT
      const { api, backend, server } = yield* setup((request, i) => Fixtures.route({ limit })(request, i))
      yield* Effect.all([backend.embed(Fixtures.docs(5)), backend.embed(Fixtures.docs(3)), backend.embed(Fixtures.docs(8))], { concurrency: 3 })
      assert.strictEqual(on(server, "/info").length, 1)
      limit = 2
      const info = yield* api.info()
      assert.strictEqual(info.maxClientBatchSize, 2)
      const before = on(server, "/embed").length
      yield* backend.embed(Fixtures.docs(5))
      assert.strictEqual(on(server, "/embed").length - before, 3)
      assert.strictEqual(on(server, "/info").length, 2)
    }))

  it.live("a failed /info read is not cached: the next call reads it again", () =>
    Effect.gen(function*() {
      let down = true
      const { backend, server } = yield* setup((request, i) =>
        request.url === "/info" && down ? { kind: "json", status: 503, body: Fixtures.error("unhealthy", "Unhealthy") } : Fixtures.route()(request, i)
      )
      assert.strictEqual((yield* Effect.flip(backend.embed("a"))).reason._tag, "ServerError")
      assert.strictEqual(on(server, "/embed").length, 0)
      down = false
      assert.strictEqual((yield* backend.embed("a")).embeddings.length, 1)
      assert.strictEqual(on(server, "/info").length, 2)
    }))

  it.live("a mid-batch failure fails the whole call with its reason; no partial result", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup((request, i) => {
        const inputs = (request.json as { inputs?: ReadonlyArray<string> } | undefined)?.inputs
        return request.url === "/embed" && inputs?.includes("doc-5") === true
          ? { kind: "json", status: 422, body: Fixtures.error("Input validation error: `inputs` must have less than 512 tokens", "Validation") }
          : Fixtures.route()(request, i)
      }, { batchConcurrency: 1 })
      const error = yield* Effect.flip(backend.embed(Fixtures.docs(12)))
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      assert.isAtMost(on(server, "/embed").length, 3)
      const stats = yield* backend.monitor.stats
      assert.strictEqual(stats.failed_requests, 1)
    }))

  it.live("batches of one call run at most batchConcurrency at a time", () =>
    Effect.gen(function*() {
      let inFlight = 0
      let peak = 0
      const { backend } = yield* setup((request, i) => {
        if (request.url !== "/embed") return Fixtures.route({ limit: 1 })(request, i)
        inFlight++
        peak = Math.max(peak, inFlight)
        const action = Fixtures.route({ limit: 1 })(request, i)
        setTimeout(() => inFlight--, 40)
        return action.kind === "json" ? { kind: "chunks", chunks: [JSON.stringify(action.body)], firstDelayMs: 40, headers: { "content-type": "application/json" } } : action
      }, { batchConcurrency: 2 })
      const reply = yield* backend.embed(Fixtures.docs(6))
      assert.strictEqual(reply.embeddings.length, 6)
      assert.isAtMost(peak, 2)
      assert.strictEqual(peak, 2)
    }))

  it.live("maxBatchSize overrides /info, which is then never read", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(Fixtures.route({ limit: 10 }), { maxBatchSize: 3 })
      yield* backend.embed(Fixtures.docs(7))
      assert.deepStrictEqual(sizes(server, "/embed"), [3, 3, 1])
      assert.strictEqual(on(server, "/info").length, 0)
    }))

  it.live("rerank over more documents than the limit: batches against one query, merged best first, indices global", () =>
    Effect.gen(function*() {
      const { reranker, server } = yield* setup(Fixtures.route({ limit: LIMIT }))
      const docs = Fixtures.docs(10)
      const ranked = yield* reranker.rerank({ query: "which?", documents: docs, topN: 3, returnDocuments: true })
      assert.deepStrictEqual(ranked.results.map((r) => [r.index, r.document]), [[9, "doc-9"], [8, "doc-8"], [7, "doc-7"]])
      assert.deepStrictEqual(sizes(server, "/rerank", "texts"), [4, 4, 2])
      for (const request of on(server, "/rerank")) assert.strictEqual((request.json as { query: string }).query, "which?")
      assert.strictEqual(ranked.usage?.inputTokens, 50)
    }))

  it.live("sparse embeddings and tokenize are batched and keep order", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup(Fixtures.route({ limit: LIMIT }))
      const sparse = yield* api.embedSparse(Fixtures.docs(6))
      assert.deepStrictEqual(sparse.map((v) => v[0]?.index), [0, 1, 2, 3, 4, 5])
      const tokens = yield* api.tokenize(Fixtures.docs(5))
      assert.deepStrictEqual(tokens.map((t) => t[1]?.id), [0, 1, 2, 3, 4])
      assert.deepStrictEqual([sizes(server, "/embed_sparse"), sizes(server, "/tokenize")], [[4, 2], [4, 1]])
    }))
})
