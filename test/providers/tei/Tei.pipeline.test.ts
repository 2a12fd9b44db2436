/**
 * TEI through the whole pipeline: the fault kinds of TESTING.md for embed
 * (per batch) and rerank, asserting the attempts the server saw, the
 * reason, and that every call is accounted once.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as Fixtures from "../../support/TeiFixtures.ts"
import { on, setup } from "./setup.ts"

const policy = { maxRetries: 2, initialRetryDelay: 10, maxRetryDelay: 50, attemptTimeout: 300 } as const
const within = <A, E>(effect: Effect.Effect<A, E>) =>
  effect.pipe(Effect.timeoutOrElse({ duration: "10 seconds", orElse: () => Effect.die("the call hung") }))

describe("TEI through the pipeline", () => {
  it.live("a full queue (429 Overloaded) on one batch is retried for that batch only; the call succeeds in order", () =>
    Effect.gen(function*() {
      let failed = false
      const { backend, server } = yield* setup((request, i) => {
        const inputs = (request.json as { inputs?: ReadonlyArray<string> } | undefined)?.inputs
        if (request.url === "/embed" && inputs?.[0] === "doc-4" && !failed) {
          failed = true
          return { kind: "json", status: 429, body: Fixtures.error("Model is overloaded", "Overloaded") }
        }
        return Fixtures.route()(request, i)
      }, { policy })
      const reply = yield* within(backend.embed(Fixtures.docs(12)))
      assert.deepStrictEqual(reply.embeddings.map((v) => v[0]), Fixtures.docs(12).map((_, i) => i))
      assert.strictEqual(on(server, "/embed").length, 4)
      const stats = yield* backend.monitor.stats
      assert.deepStrictEqual([stats.total_requests, stats.successful_requests, stats.retried_requests], [4, 4, 1])
    }))

  it.live("a connection reset and a 500 once are retried; rerank succeeds", () =>
    Effect.gen(function*() {
      const { reranker, server } = yield* setup(
        (request, i) => i === 0 ? { kind: "reset" } : i === 1 ? { kind: "json", status: 500, body: { error: "boom" } } : Fixtures.route()(request, i),
        { policy, maxBatchSize: 8 }
      )
      const ranked = yield* within(reranker.rerank({ query: "q", documents: ["doc-1", "doc-2"] }))
      assert.deepStrictEqual(ranked.results.map((r) => r.index), [1, 0])
      assert.strictEqual(server.requests.length, 3)
    }))

  it.live("a persistent 503 exhausts the retries of the failing batch and fails the call with its reason", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(
        () => ({ kind: "json", status: 503, body: Fixtures.error("unhealthy", "Unhealthy") }),
        { policy, maxBatchSize: 8 }
      )
      const error = yield* Effect.flip(within(backend.embed(["a", "b"])))
      assert.strictEqual(error.reason._tag, "ServerError")
      assert.strictEqual(error.attempts, 3)
      assert.strictEqual(server.requests.length, 3)
    }))

  it.live("no answer: each attempt times out; a call deadline ends the whole batched call in time with Timeout", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(() => ({ kind: "hang" }), { policy: { ...policy, maxRetries: 1 }, maxBatchSize: 8 })
      const error = yield* Effect.flip(within(backend.embed("a")))
      assert.deepStrictEqual([error.reason._tag, error.reason._tag === "Timeout" ? error.reason.phase : ""], ["Timeout", "attempt"])
      assert.strictEqual(server.requests.length, 2)
      const start = Date.now()
      const cut = yield* Effect.flip(within(backend.embed(Fixtures.docs(20), { timeout: "400 millis" })))
      assert.strictEqual(cut.reason._tag, "Timeout")
      assert.isBelow(Date.now() - start, 2000)
    }))

  it.live("a validation error is not retried", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(() => ({ kind: "json", status: 422, body: Fixtures.error("bad", "Validation") }), { policy, maxBatchSize: 8 })
      assert.strictEqual((yield* Effect.flip(within(backend.embed("a")))).reason._tag, "InvalidRequest")
      assert.strictEqual(server.requests.length, 1)
    }))

  it.live("batched calls complete at maxConcurrentRequests 1 (the outer call holds no permit)", () =>
    Effect.gen(function*() {
      const { backend, reranker } = yield* setup(Fixtures.route({ limit: 2 }), { policy: { ...policy, maxConcurrentRequests: 1 } })
      const [vectors, ranked] = yield* within(Effect.all([backend.embed(Fixtures.docs(7)), reranker.rerank({ query: "q", documents: Fixtures.docs(5) })], { concurrency: 2 }))
      assert.strictEqual(vectors.embeddings.length, 7)
      assert.strictEqual(ranked.results[0]?.index, 4)
    }))

  it.live("a 429 with Retry-After (seconds, then an HTTP date) is waited out for that batch, then the call succeeds", () =>
    Effect.gen(function*() {
      for (const retryAfter of ["1", () => new Date(Date.now() + 2500).toUTCString()] as const) {
        let refused = 0
        const { backend, server } = yield* setup((request, i) => {
          if (request.url === "/embed" && refused === 0) {
            refused++
            const header = typeof retryAfter === "string" ? retryAfter : retryAfter()
            return { kind: "json", status: 429, body: Fixtures.error("Model is overloaded", "Overloaded"), headers: { "retry-after": header } }
          }
          return Fixtures.route()(request, i)
        }, { policy, maxBatchSize: 8 })
        const start = Date.now()
        const reply = yield* within(backend.embed(["doc-0", "doc-1"]))
        assert.deepStrictEqual(reply.embeddings.map((v) => v[0]), [0, 1])
        // The schedule alone would retry after 10-50 ms: waiting ~1 s is the header's doing
        // (an HTTP date has whole seconds, so +2.5 s is at least 1.5 s away).
        assert.isAtLeast(Date.now() - start, 900, "the Retry-After was honoured")
        assert.strictEqual(on(server, "/embed").length, 2)
      }
    }), 20_000)

  it.live("a 401 on one key of several: that key is dropped and every batch goes on with the other, in order", () =>
    Effect.gen(function*() {
      const { backend, reranker, server } = yield* setup(
        (request, i) =>
          request.headers["authorization"] === "Bearer tei-key-bad"
            ? { kind: "json", status: 401, body: Fixtures.error("bad token", "Unauthorized") }
            : Fixtures.route()(request, i),
        {
          policy,
          maxBatchSize: 2,
          apiKeys: [{ name: "bad", value: Redacted.make("tei-key-bad") }, { name: "good", value: Redacted.make("tei-key-good") }]
        }
      )
      const bad = () => server.requests.filter((r) => r.headers["authorization"] === "Bearer tei-key-bad").length
      const reply = yield* within(backend.embed(Fixtures.docs(6)))
      assert.deepStrictEqual(reply.embeddings.map((v) => v[0]), [0, 1, 2, 3, 4, 5])
      // The three batches start together, so each may pick the bad key once before its 401 ejects it.
      const badAfterFirst = bad()
      assert.isAtLeast(badAfterFirst, 1, "the bad key was tried (so the test can fail)")
      assert.isAtMost(badAfterFirst, 3)
      const again = yield* within(backend.embed(Fixtures.docs(6)))
      assert.deepStrictEqual(again.embeddings.map((v) => v[0]), [0, 1, 2, 3, 4, 5])
      const ranked = yield* within(reranker.rerank({ query: "q", documents: ["doc-1", "doc-2"] }))
      assert.strictEqual(ranked.results.length, 2)
      assert.strictEqual(bad(), badAfterFirst, "once ejected, the bad key is not tried again")
      const stats = yield* backend.monitor.stats
      assert.deepStrictEqual([stats.total_requests, stats.successful_requests, stats.failed_requests], [7, 7, 0])
    }))

  it.live("a flapping server (down, then up): a batched call rides it out, every batch answered in order", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(
        (request, i) => i < 2 ? { kind: "json", status: 503, body: Fixtures.error("unhealthy", "Unhealthy") } : Fixtures.route()(request, i),
        { policy: { ...policy, circuitBreaker: true, failureThreshold: 5 }, maxBatchSize: 4, batchConcurrency: 1 }
      )
      const reply = yield* within(backend.embed(Fixtures.docs(8)))
      assert.deepStrictEqual(reply.embeddings.map((v) => v[0]), [0, 1, 2, 3, 4, 5, 6, 7])
      assert.strictEqual(server.requests.length, 4, "two refused attempts, then one request per batch")
      assert.strictEqual(yield* backend.monitor.breaker, "closed")
    }))
})
