import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import * as LlmError from "../../src/LlmError.ts"
import * as Reranker from "../../src/Reranker.ts"
import * as TestReranker from "../../src/testing/TestReranker.ts"

const rerank = (input: Parameters<Reranker.Service["rerank"]>[0]) => Reranker.Reranker.use((r) => r.rerank(input))

describe("TestReranker", () => {
  it.effect("scripted scores come back sorted best first, cut to topN, with documents when asked; calls are recorded", () =>
    Effect.gen(function*() {
      const script = yield* TestReranker.TestReranker
      yield* script.push(TestReranker.scores([0.1, 0.9, 0.5]))
      const ranked = yield* rerank({ query: "q", documents: ["a", "b", "c"], topN: 2, returnDocuments: true })
      assert.deepStrictEqual(ranked.results.map((r) => [r.index, r.score, r.document]), [[1, 0.9, "b"], [2, 0.5, "c"]])
      const calls = yield* script.calls
      assert.strictEqual(calls.length, 1)
      assert.strictEqual(calls[0]?.request.query, "q")
      assert.strictEqual(yield* script.remaining, 0)
    }).pipe(Effect.provide(TestReranker.layer())))

  it.effect("a scripted failure reaches the caller with its reason", () =>
    Effect.gen(function*() {
      const script = yield* TestReranker.TestReranker
      yield* script.push(TestReranker.fail(new LlmError.Overloaded({})))
      const error = yield* Effect.flip(rerank({ query: "q", documents: ["a"] }))
      assert.strictEqual(error.reason._tag, "Overloaded")
    }).pipe(Effect.provide(TestReranker.layer())))

  it.effect("invalid input is InvalidRequest naming the field, and uses no step", () =>
    Effect.gen(function*() {
      const script = yield* TestReranker.TestReranker
      yield* script.push(TestReranker.scores([1]))
      const error = yield* Effect.flip(rerank({ query: "", documents: ["a"] }))
      assert.strictEqual(error.reason._tag === "InvalidRequest" ? error.reason.field : undefined, "query")
      assert.strictEqual(yield* script.remaining, 1)
      assert.strictEqual((yield* script.calls).length, 0)
    }).pipe(Effect.provide(TestReranker.layer())))

  it.effect("no step left is a defect, never an invented ranking", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(rerank({ query: "q", documents: ["a"] }))
      assert.isTrue(Exit.isFailure(exit) && exit.cause.reasons.some((r) => r._tag === "Die"))
    }).pipe(Effect.provide(TestReranker.layer())))

  it.live("with a policy, retryable scripted failures are retried by the pipeline", () =>
    Effect.gen(function*() {
      const script = yield* TestReranker.TestReranker
      yield* script.push(TestReranker.fail(new LlmError.ServerError({})), TestReranker.scores([0.3]))
      const ranked = yield* rerank({ query: "q", documents: ["a"] })
      assert.strictEqual(ranked.results[0]?.score, 0.3)
      assert.strictEqual((yield* script.calls).length, 2)
    }).pipe(Effect.provide(TestReranker.layer({ policy: { maxRetries: 1, initialRetryDelay: 1, jitter: false } }))))
})
