/**
 * effect/ai calls go through the whole pipeline: a retryable failure is
 * retried before effect/ai sees anything, call options set the priority,
 * and the backend's stats count the calls.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { LanguageModel } from "effect/ai"
import * as EffectAi from "../../src/ai/EffectAi.ts"
import { LlmBackend } from "../../src/index.ts"
import * as LlmError from "../../src/LlmError.ts"
import { TestBackend } from "../../src/testing/index.ts"
import { settle } from "../support/pipeline.ts"

const retrying = (options?: EffectAi.Options) =>
  EffectAi.layer(options).pipe(
    Layer.provideMerge(TestBackend.layer({ policy: { maxRetries: 2, initialRetryDelay: "100 millis", jitter: false } }))
  )

describe("EffectAi through the pipeline", () => {
  it.effect("a 503 then an answer: the pipeline retries, effect/ai gets the answer, two attempts made", () =>
    Effect.gen(function*() {
      const script = yield* TestBackend.TestBackend
      const backend = yield* LlmBackend.LlmBackend
      yield* script.push(TestBackend.fail(new LlmError.Overloaded({}), { status: 503 }), TestBackend.reply("after a retry"))
      const model = yield* LanguageModel.LanguageModel
      const exit = yield* settle(model.generateText({ prompt: "Hi" }))
      assert.strictEqual(exit._tag, "Success")
      assert.strictEqual(exit._tag === "Success" && exit.value.text, "after a retry")
      assert.strictEqual((yield* script.calls).length, 2)
      const stats = yield* backend.monitor.stats
      assert.strictEqual(stats.total_requests, 1)
      assert.strictEqual(stats.total_retries, 1)
      assert.strictEqual(stats.successful_requests, 1)
    }).pipe(Effect.provide(retrying())))

  it.effect("the adapter's call options reach the queue: priority high is counted as high", () =>
    Effect.gen(function*() {
      const script = yield* TestBackend.TestBackend
      const backend = yield* LlmBackend.LlmBackend
      yield* script.push(TestBackend.reply("a"), TestBackend.reply("b"))
      yield* LanguageModel.generateText({ prompt: "x" })
      yield* LanguageModel.generateText({ prompt: "y" }).pipe(EffectAi.withOptions({ callOptions: { priority: "low" } }))
      const stats = yield* backend.monitor.stats
      assert.deepStrictEqual(stats.requests_by_priority, { high: 1, low: 1 })
    }).pipe(Effect.provide(retrying({ callOptions: { priority: "high" } }))))
})
