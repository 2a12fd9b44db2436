import { assert, describe, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import * as LlmError from "../../src/LlmError.ts"
import { Message } from "../../src/index.ts"
import * as Harness from "../support/pipeline.ts"
import * as Scripted from "../support/ScriptedProvider.ts"

const hi = { messages: [Message.user("Hi")] }
const policy = { maxRetries: 0, failureThreshold: 3, resetTimeout: "30 seconds" } as const
const down = () => Scripted.fail(new LlmError.ServerError({}))
const tagOf = (exit: Exit.Exit<unknown, LlmError.LlmError>) => {
  if (Exit.isSuccess(exit)) return "success"
  const fail = exit.cause.reasons.find((r) => r._tag === "Fail")
  return fail?._tag === "Fail" ? (fail.error as LlmError.LlmError).reason._tag : String(exit.cause)
}

describe("circuit breaker", () => {
  it.effect("opens after N consecutive failing calls and rejects without calling the backend", () =>
    Effect.gen(function*() {
      const { backend, scripted } = yield* Harness.make([down(), down(), down()], policy)
      for (let i = 0; i < 3; i++) assert.strictEqual(tagOf(yield* Effect.exit(backend.chat(hi))), "ServerError")
      assert.strictEqual(yield* backend.monitor.breaker, "open")
      const rejected = yield* Effect.flip(backend.chat(hi))
      assert.strictEqual(rejected.reason._tag, "CircuitOpen")
      assert.deepStrictEqual(rejected.retryAfter, Duration.seconds(30))
      assert.strictEqual(scripted.attempts.length, 3)
      const stats = yield* backend.monitor.stats
      assert.strictEqual(stats.circuit_breaker_trips, 1)
      assert.strictEqual(stats.errors_by_type["CircuitOpen"], 1)
    }))

  it.effect("caller errors (4xx) do not count and break the streak", () =>
    Effect.gen(function*() {
      const { backend } = yield* Harness.make(
        [down(), down(), Scripted.fail(new LlmError.InvalidRequest({})), down(), down(), Scripted.fail(new LlmError.RateLimited({}))],
        { ...policy, maxRetries: 0 }
      )
      for (let i = 0; i < 6; i++) yield* Effect.exit(backend.chat(hi))
      assert.strictEqual(yield* backend.monitor.breaker, "closed")
    }))

  it.effect("one call's retries count once, not once per attempt", () =>
    Effect.gen(function*() {
      const { backend, scripted } = yield* Harness.make([down(), down(), down(), down(), Scripted.ok()], { ...policy, maxRetries: 5 })
      const exit = yield* Harness.settle(backend.chat(hi))
      assert.strictEqual(tagOf(exit), "success")
      assert.strictEqual(scripted.attempts.length, 5)
      assert.strictEqual(yield* backend.monitor.breaker, "closed")
    }))

  it.effect("after the reset timeout exactly one probe is admitted; its success closes the breaker", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const { backend, scripted } = yield* Harness.make([down(), down(), down(), { _tag: "Gate", gate }, Scripted.ok()], policy)
      for (let i = 0; i < 3; i++) yield* Effect.exit(backend.chat(hi))
      yield* TestClock.adjust("29 seconds")
      assert.strictEqual((yield* Effect.flip(backend.chat(hi))).reason._tag, "CircuitOpen")
      yield* TestClock.adjust("1 second")
      const probe = yield* Effect.forkChild(backend.chat(hi))
      yield* Effect.yieldNow
      assert.strictEqual(yield* backend.monitor.breaker, "half_open")
      const second = yield* Effect.flip(backend.chat(hi))
      assert.strictEqual(second.reason._tag, "CircuitOpen", "a second call while the probe is out is rejected")
      yield* Deferred.succeed(gate, undefined)
      assert.strictEqual(tagOf(yield* Fiber.await(probe)), "success")
      assert.strictEqual(yield* backend.monitor.breaker, "closed")
      assert.strictEqual(tagOf(yield* Effect.exit(backend.chat(hi))), "success")
      assert.strictEqual(scripted.attempts.length, 5)
    }))

  it.effect("a failing probe opens the breaker again, for twice the reset timeout", () =>
    Effect.gen(function*() {
      // Three calls of four attempts each, then the probe.
      const { backend, scripted } = yield* Harness.make([...Array.from({ length: 13 }, down), Scripted.ok()], { ...policy, maxRetries: 3 })
      for (let i = 0; i < 3; i++) yield* Harness.settle(backend.chat(hi))
      assert.strictEqual(scripted.attempts.length, 12)
      yield* TestClock.adjust("30 seconds")
      assert.strictEqual(tagOf(yield* Effect.exit(backend.chat(hi))), "ServerError")
      assert.strictEqual(scripted.attempts.length, 13, "the probe is not retried")
      assert.strictEqual(yield* backend.monitor.breaker, "open")
      const rejected = yield* Effect.flip(backend.chat(hi))
      assert.strictEqual(rejected.reason._tag, "CircuitOpen")
      assert.deepStrictEqual(rejected.retryAfter, Duration.seconds(60))
      yield* TestClock.adjust("30 seconds")
      assert.strictEqual((yield* Effect.flip(backend.chat(hi))).reason._tag, "CircuitOpen", "still open after one reset timeout")
      yield* TestClock.adjust("30 seconds")
      assert.strictEqual(tagOf(yield* Effect.exit(backend.chat(hi))), "success")
      assert.strictEqual((yield* backend.monitor.stats).circuit_breaker_trips, 2)
    }))

  it.effect("an interrupted probe lets the next call probe", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const { backend } = yield* Harness.make([down(), down(), down(), { _tag: "Gate", gate }, Scripted.ok()], policy)
      for (let i = 0; i < 3; i++) yield* Effect.exit(backend.chat(hi))
      yield* TestClock.adjust("30 seconds")
      const probe = yield* Effect.forkChild(backend.chat(hi))
      yield* Effect.yieldNow
      yield* Fiber.interrupt(probe)
      assert.strictEqual(tagOf(yield* Effect.exit(backend.chat(hi))), "success")
      assert.strictEqual(yield* backend.monitor.breaker, "closed")
    }))

  it.effect("can be turned off", () =>
    Effect.gen(function*() {
      const { backend, scripted } = yield* Harness.make([], { ...policy, circuitBreaker: false }, down())
      for (let i = 0; i < 6; i++) yield* Effect.exit(backend.chat(hi))
      assert.strictEqual(scripted.attempts.length, 6)
    }))
})
