/**
 * The retry, cooldown and breaker policies of Pipeline v2, and the small
 * fixes that came with it: a timeout budget inside `maxRetries`, a per-call
 * retry cap, breaker changes (deadline cuts count, streaming probes decided
 * at first content, doubling open time), `monitor.reset`, `queueSize: 0`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Exit, Fiber, Redacted, Stream } from "effect"
import { TestClock } from "effect/testing"
import * as ChatChunk from "../../src/domain/ChatChunk.ts"
import { Message } from "../../src/index.ts"
import * as LlmError from "../../src/LlmError.ts"
import * as Harness from "../support/pipeline.ts"
import * as Scripted from "../support/ScriptedProvider.ts"

const hi = { messages: [Message.user("Hi")] }
const down = () => Scripted.fail(new LlmError.ServerError({}))
const errorOf = <A>(exit: Exit.Exit<A, LlmError.LlmError>): LlmError.LlmError => {
  const fail = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
  if (fail?._tag !== "Fail") throw new Error(`expected a typed failure, got ${String(exit)}`)
  return fail.error
}

describe("retry budgets", () => {
  it.effect("timeouts have their own budget: retried once by default, whatever maxRetries", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const { backend, scripted } = yield* Harness.make([], { maxRetries: 5, attemptTimeout: "2 seconds" }, { _tag: "Gate", gate })
      const error = errorOf(yield* Harness.settle(backend.chat(hi)))
      assert.strictEqual(error.reason._tag === "Timeout" ? error.reason.phase : error.reason._tag, "attempt")
      assert.strictEqual(scripted.attempts.length, 2)
    }))

  it.effect("maxTimeoutRetries is configurable, and other reasons still use the rest of maxRetries", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const hang = { _tag: "Gate", gate } as const
      const { backend, scripted } = yield* Harness.make(
        [hang, down(), hang, down(), hang, Scripted.ok()],
        { maxRetries: 5, maxTimeoutRetries: 3, attemptTimeout: "1 second" }
      )
      assert.isTrue(Exit.isSuccess(yield* Harness.settle(backend.chat(hi))))
      assert.strictEqual(scripted.attempts.length, 6)
    }))

  it.effect("CallOptions.maxRetries lowers the policy's cap for one call", () =>
    Effect.gen(function*() {
      const { backend, scripted } = yield* Harness.make([], { maxRetries: 5 }, down())
      errorOf(yield* Harness.settle(backend.chat(hi, { maxRetries: 1 })))
      assert.strictEqual(scripted.attempts.length, 2)
    }))

  it.effect("CallOptions.maxRetries never raises the policy's cap", () =>
    Effect.gen(function*() {
      const { backend, scripted } = yield* Harness.make([], { maxRetries: 2 }, down())
      errorOf(yield* Harness.settle(backend.chat(hi, { maxRetries: 10 })))
      assert.strictEqual(scripted.attempts.length, 3)
    }))

  it.effect("a negative CallOptions.maxRetries is an InvalidRequest naming the field", () =>
    Effect.gen(function*() {
      const { backend, scripted } = yield* Harness.make([])
      const error = yield* Effect.flip(backend.chat(hi, { maxRetries: -1 }))
      assert.strictEqual(error.reason._tag === "InvalidRequest" ? error.reason.field : "", "options.maxRetries")
      assert.strictEqual(scripted.attempts.length, 0)
    }))
})

describe("breaker policy", () => {
  const policy = { failureThreshold: 2, resetTimeout: "10 seconds", maxResetTimeout: "25 seconds" } as const

  it.effect("a call cut by its deadline while failing against an unhealthy target counts as unhealthy", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const hang = { _tag: "Gate", gate } as const
      const { backend } = yield* Harness.make([down(), hang, down(), hang], { ...policy, minAttemptTime: 0 })
      for (let i = 0; i < 2; i++) {
        const error = errorOf(yield* Harness.settle(backend.chat(hi, { timeout: "3 seconds" })))
        assert.deepStrictEqual([error.reason._tag, error.endedByDeadline], ["ServerError", true])
      }
      assert.strictEqual(yield* backend.monitor.breaker, "open")
    }))

  it.effect("a streaming probe is decided at its first content, not when the stream ends", () =>
    Effect.gen(function*() {
      const { backend } = yield* Harness.make([down(), down()], { ...policy, maxRetries: 0 }, Scripted.ok())
      for (let i = 0; i < 2; i++) yield* Effect.exit(backend.chat(hi))
      yield* TestClock.adjust("10 seconds")
      const gate = yield* Deferred.make<void>()
      const probe = yield* Effect.forkChild(Stream.runDrain(backend.stream(hi).pipe(
        Stream.tap((chunk) => chunk._tag === "TextDelta" ? Deferred.await(gate) : Effect.void)
      )))
      yield* Effect.yieldNow
      assert.strictEqual(yield* backend.monitor.breaker, "closed", "closed while the probe's stream is still open")
      assert.isTrue(Exit.isSuccess(yield* Effect.exit(backend.chat(hi))))
      yield* Deferred.succeed(gate, undefined)
      assert.isTrue(Exit.isSuccess(yield* Fiber.await(probe)))
    }))

  it.effect("each failed probe doubles the open time up to maxResetTimeout; a successful probe resets it", () =>
    Effect.gen(function*() {
      const { backend } = yield* Harness.make([down(), down(), down(), down(), down(), Scripted.ok(), down(), down()], {
        ...policy,
        maxRetries: 0
      }, Scripted.ok())
      const openFor = Effect.gen(function*() {
        const error = yield* Effect.flip(backend.chat(hi))
        assert.strictEqual(error.reason._tag, "CircuitOpen")
        return Duration.toMillis(error.retryAfter!)
      })
      for (let i = 0; i < 2; i++) yield* Effect.exit(backend.chat(hi))
      const seen = [yield* openFor]
      for (let probe = 0; probe < 3; probe++) {
        yield* TestClock.adjust(Duration.millis(seen[seen.length - 1]!))
        assert.strictEqual(errorOf(yield* Effect.exit(backend.chat(hi))).reason._tag, "ServerError")
        seen.push(yield* openFor)
      }
      assert.deepStrictEqual(seen, [10_000, 20_000, 25_000, 25_000])
      yield* TestClock.adjust("25 seconds")
      assert.isTrue(Exit.isSuccess(yield* Effect.exit(backend.chat(hi))), "the probe succeeds and closes")
      for (let i = 0; i < 2; i++) yield* Effect.exit(backend.chat(hi))
      assert.strictEqual(yield* openFor, 10_000, "back to resetTimeout after a successful probe")
    }))

  it.effect("monitor.reset clears circuit_breaker_trips", () =>
    Effect.gen(function*() {
      const { backend } = yield* Harness.make([down(), down()], { ...policy, maxRetries: 0 })
      for (let i = 0; i < 2; i++) yield* Effect.exit(backend.chat(hi))
      assert.strictEqual((yield* backend.monitor.stats).circuit_breaker_trips, 1)
      yield* backend.monitor.reset
      assert.strictEqual((yield* backend.monitor.stats).circuit_breaker_trips, 0)
    }))
})

describe("keys", () => {
  const only = [{ name: "only", value: Redacted.make("sk-only-111111") }]

  it.effect("monitor.reset restores an ejected key (a single-key backend is not dead until restart)", () =>
    Effect.gen(function*() {
      const { backend, scripted } = yield* Harness.make([Scripted.fail(new LlmError.Unauthorized({ detail: "revoked" }))], {}, Scripted.ok(), only)
      assert.strictEqual(errorOf(yield* Effect.exit(backend.chat(hi))).reason._tag, "Unauthorized")
      assert.strictEqual(errorOf(yield* Effect.exit(backend.chat(hi))).reason._tag, "Unauthorized")
      assert.strictEqual(scripted.attempts.length, 1, "the ejected key is not tried")
      yield* backend.monitor.reset
      assert.isTrue(Exit.isSuccess(yield* Effect.exit(backend.chat(hi))))
      assert.strictEqual(scripted.attempts.length, 2)
    }))

  it.effect("six 429s within one call leave the only key cooling 1 s for that model, not 32 s for every model", () =>
    Effect.gen(function*() {
      const { backend, scripted } = yield* Harness.make([], { maxRetries: 5 }, Scripted.fail(new LlmError.RateLimited({})), only)
      assert.strictEqual(errorOf(yield* Harness.settle(backend.chat({ ...hi, model: "gpt-4o" }))).reason._tag, "RateLimited")
      assert.strictEqual(scripted.attempts.length, 6)
      const [key] = (yield* backend.monitor.stats).keys
      assert.isAtMost(key!.coolingForMs ?? 0, 1000)
      scripted.push(Scripted.ok())
      const other = yield* Harness.settle(backend.chat({ ...hi, model: "gpt-4o-mini" }))
      assert.isTrue(Exit.isSuccess(other))
      assert.strictEqual(scripted.attempts.at(-1), scripted.attempts.at(-2), "the other model was not held")
    }))

  it.effect("an ejected key comes back by itself after ejectCooldown", () =>
    Effect.gen(function*() {
      const { backend } = yield* Harness.make([Scripted.fail(new LlmError.Unauthorized({}))], { ejectCooldown: "5 minutes" }, Scripted.ok(), only)
      yield* Effect.exit(backend.chat(hi))
      yield* TestClock.adjust("4 minutes")
      assert.strictEqual(errorOf(yield* Effect.exit(backend.chat(hi))).reason._tag, "Unauthorized")
      yield* TestClock.adjust("1 minute")
      assert.isTrue(Exit.isSuccess(yield* Effect.exit(backend.chat(hi))))
    }))

  it.effect("a stream rate-limited before content moves to another key, and the first key is given back", () =>
    Effect.gen(function*() {
      const keys = ["a", "b"].map((name) => ({ name, value: Redacted.make(`value-${name}`) }))
      const { backend, scripted } = yield* Harness.make([Scripted.fail(new LlmError.RateLimited({ retryAfter: Duration.seconds(30) }))], {}, Scripted.ok(), keys)
      const text = yield* ChatChunk.collect(backend.stream(hi))
      assert.strictEqual(text.text, "ok")
      assert.deepStrictEqual(scripted.keys, ["value-a", "value-b"])
      const stats = (yield* backend.monitor.stats).keys
      assert.deepStrictEqual(stats.map((k) => [k.name, k.state, k.inFlight]), [["a", "cooling", 0], ["b", "active", 0]])
    }))
})

describe("queue", () => {
  it.effect("queueSize 0 with queueFull 'wait': every waiting call gets through, in arrival order", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const { backend, scripted } = yield* Harness.make([{ _tag: "Gate", gate }], { maxConcurrentRequests: 1, queueSize: 0, queueFull: "wait" })
      const holder = yield* Effect.forkChild(backend.chat(hi, { requestId: "holder" }))
      yield* Effect.yieldNow
      const waiting = []
      for (const id of ["a", "b", "c"]) {
        waiting.push(yield* Effect.forkChild(backend.chat(hi, { requestId: id })))
        yield* Effect.yieldNow
      }
      assert.strictEqual((yield* backend.monitor.stats).queue_depth, 3)
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.await(holder)
      for (const fiber of waiting) assert.isTrue(Exit.isSuccess(yield* Fiber.await(fiber)))
      assert.deepStrictEqual(scripted.requestIds, ["holder", "a", "b", "c"])
    }))

  it.effect("a queue wait is bounded by the deadline: QueueFull while there is still time to go elsewhere", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const { backend, scripted } = yield* Harness.make([{ _tag: "Gate", gate }], { maxConcurrentRequests: 1 })
      yield* Effect.forkChild(backend.chat(hi))
      yield* Effect.yieldNow
      const exit = yield* Harness.settle(backend.chat(hi, { timeout: "3 seconds" }))
      assert.strictEqual(errorOf(exit).reason._tag, "QueueFull")
      const [rejected] = yield* backend.monitor.recent
      assert.strictEqual(rejected?.durationMs, 2500, "3 s less minAttemptTime")
      assert.strictEqual(scripted.attempts.length, 1)
      assert.strictEqual((yield* backend.monitor.stats).queue_depth, 0)
    }))
})

describe("cancelled streams", () => {
  const answer = [
    new ChatChunk.TextDelta({ text: "a" }),
    new ChatChunk.TextDelta({ text: "b" }),
    new ChatChunk.Finish({ reason: "stop" })
  ]

  it.effect("a stream the caller stops after content, before its finish, is cancelled, never a success", () =>
    Effect.gen(function*() {
      const { backend } = yield* Harness.make([], {}, Scripted.chunks(answer))
      yield* Stream.runDrain(Stream.take(backend.stream(hi), 1))
      yield* Stream.runDrain(backend.stream(hi))
      const s = yield* backend.monitor.stats
      assert.deepStrictEqual(
        [s.total_requests, s.successful_requests, s.interrupted_requests, s.cancelled_requests],
        [2, 1, 1, 1]
      )
      assert.deepStrictEqual((yield* backend.monitor.recent).map((c) => c.outcome), ["cancelled", "success"])
    }))

  it.effect("a stream interrupted after content is cancelled; before content it is interrupted", () =>
    Effect.gen(function*() {
      const { backend } = yield* Harness.make([
        Scripted.chunks([new ChatChunk.TextDelta({ text: "a" })], "stall"),
        Scripted.chunks([], "stall")
      ])
      for (let i = 0; i < 2; i++) {
        const fiber = yield* Effect.forkChild(Stream.runDrain(backend.stream(hi)))
        yield* Effect.yieldNow
        yield* Fiber.interrupt(fiber)
      }
      const s = yield* backend.monitor.stats
      assert.deepStrictEqual([s.total_requests, s.interrupted_requests, s.cancelled_requests], [2, 2, 1])
      assert.deepStrictEqual((yield* backend.monitor.recent).map((c) => c.outcome), ["cancelled", "interrupted"])
    }))
})
