/**
 * TEI through the whole pipeline: the fault kinds of TESTING.md for embed
 * (per batch) and rerank, asserting the attempts the server saw, the
 * reason, and that every call is accounted once.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
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
})
