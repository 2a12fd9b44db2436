import { assert, describe, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Exit, Stream } from "effect"
import * as ChatChunk from "../../src/domain/ChatChunk.ts"
import * as LlmError from "../../src/LlmError.ts"
import { Message } from "../../src/index.ts"
import * as Harness from "../support/pipeline.ts"
import * as Scripted from "../support/ScriptedProvider.ts"

const hi = { messages: [Message.user("Hi")] }
const gaps = (times: ReadonlyArray<number>) => times.slice(1).map((t, i) => t - times[i]!)
const errorOf = <A>(exit: Exit.Exit<A, LlmError.LlmError>): LlmError.LlmError => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const found = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (found === undefined || found._tag !== "Fail") throw new Error(`no failure in ${exit.cause}`)
  return found.error
}
const server = () => Scripted.fail(new LlmError.ServerError({}))

describe("retry", () => {
  it.effect("backoff doubles from the initial delay and is capped at maxRetryDelay", () =>
    Effect.gen(function*() {
      const { backend, scripted } = yield* Harness.make([], { maxRetries: 6, maxRetryDelay: "10 seconds", maxRetryTime: "1 hour" }, server())
      const exit = yield* Harness.settle(backend.chat(hi))
      assert.deepStrictEqual(gaps(scripted.attempts), [1000, 2000, 4000, 8000, 10000, 10000])
      const error = errorOf(exit)
      assert.strictEqual(error.reason._tag, "ServerError")
      assert.strictEqual(error.attempts, 7)
    }))

  it.effect("the attempt cap counts retries after the first attempt", () =>
    Effect.gen(function*() {
      const { backend, scripted } = yield* Harness.make([], { maxRetries: 2 }, server())
      yield* Harness.settle(backend.chat(hi))
      assert.strictEqual(scripted.attempts.length, 3)
    }))

  it.effect("jittered delays stay within 0.8x-1.2x of the schedule and vary", () =>
    Effect.gen(function*() {
      const all: Array<number> = []
      for (let run = 0; run < 10; run++) {
        const { backend, scripted } = yield* Harness.make([], { maxRetries: 3, jitter: true }, server())
        yield* Harness.settle(backend.chat(hi), "10 millis")
        const [a, b, c] = gaps(scripted.attempts)
        for (const [gap, base] of [[a!, 1000], [b!, 2000], [c!, 4000]] as const) {
          assert.isAtLeast(gap, base * 0.8 - 10)
          assert.isAtMost(gap, base * 1.2 + 10)
          all.push(gap / base)
        }
      }
      assert.isAbove(new Set(all.map((x) => x.toFixed(2))).size, 3, "jitter varies the delays")
    }))

  it.effect("a Retry-After within the cap replaces the computed delay", () =>
    Effect.gen(function*() {
      const { backend, scripted } = yield* Harness.make([
        Scripted.fail(new LlmError.RateLimited({ retryAfter: Duration.seconds(7) })),
        Scripted.ok("done")
      ])
      const exit = yield* Harness.settle(backend.chat(hi))
      assert.isTrue(Exit.isSuccess(exit))
      assert.deepStrictEqual(gaps(scripted.attempts), [7000])
    }))

  it.effect("a Retry-After longer than the cap fails fast with the reason and the wait", () =>
    Effect.gen(function*() {
      const { backend, scripted } = yield* Harness.make([
        Scripted.fail(new LlmError.RateLimited({ retryAfter: Duration.seconds(120) }))
      ])
      const exit = yield* Harness.settle(backend.chat(hi))
      const error = errorOf(exit)
      assert.strictEqual(error.reason._tag, "RateLimited")
      assert.deepStrictEqual(error.retryAfter, Duration.seconds(120))
      assert.strictEqual(scripted.attempts.length, 1)
    }))

  for (
    const reason of [
      new LlmError.InvalidRequest({}),
      new LlmError.Unauthorized({}),
      new LlmError.NotFound({}),
      new LlmError.ContextLengthExceeded({}),
      new LlmError.ContentFiltered({}),
      new LlmError.QuotaExhausted({}),
      new LlmError.InvalidResponse({})
    ]
  ) {
    it.effect(`${reason._tag} is never retried`, () =>
      Effect.gen(function*() {
        const { backend, scripted } = yield* Harness.make([Scripted.fail(reason)])
        const exit = yield* Harness.settle(backend.chat(hi))
        assert.strictEqual(errorOf(exit).reason._tag, reason._tag)
        assert.strictEqual(scripted.attempts.length, 1)
      }))
  }

  it.effect("retrying stops when the next wait would cross maxRetryTime", () =>
    Effect.gen(function*() {
      const { backend, scripted } = yield* Harness.make([], { maxRetries: 10, maxRetryTime: "5 seconds" }, server())
      yield* Harness.settle(backend.chat(hi))
      // waits 1 s and 2 s (3 s in all); the next 4 s would end at 7 s > 5 s
      assert.deepStrictEqual(gaps(scripted.attempts), [1000, 2000])
    }))

  it.effect("the same request id is sent on every retry", () =>
    Effect.gen(function*() {
      const { backend, scripted } = yield* Harness.make([server(), server(), Scripted.ok()])
      yield* Harness.settle(backend.chat(hi, { requestId: "call-7" }))
      assert.deepStrictEqual(scripted.requestIds, ["call-7", "call-7", "call-7"])
    }))

  it.effect("each retry and each delay is recorded in the stats", () =>
    Effect.gen(function*() {
      const { backend } = yield* Harness.make([server(), server(), Scripted.ok()])
      yield* Harness.settle(backend.chat(hi))
      const stats = yield* backend.monitor.stats
      assert.strictEqual(stats.total_retries, 2)
      assert.strictEqual(stats.retried_requests, 1)
      assert.strictEqual(stats.backoff.count, 2)
      assert.strictEqual(stats.backoff.total_ms, 3000)
    }))
})

describe("timeouts", () => {
  it.effect("an attempt that never answers times out (phase attempt) and is retried", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const { backend, scripted } = yield* Harness.make(
        [{ _tag: "Gate", gate }, { _tag: "Gate", gate }],
        { maxRetries: 1, attemptTimeout: "2 seconds" }
      )
      const exit = yield* Harness.settle(backend.chat(hi))
      const error = errorOf(exit)
      assert.strictEqual(error.reason._tag, "Timeout")
      assert.strictEqual(error.reason._tag === "Timeout" ? error.reason.phase : "", "attempt")
      assert.deepStrictEqual(gaps(scripted.attempts), [3000])
    }))

  it.effect("the caller's deadline covers retries: a retry that cannot fit is not made, and the call fails with its real reason", () =>
    Effect.gen(function*() {
      const { backend, scripted } = yield* Harness.make([], { maxRetries: 10 }, server())
      const exit = yield* Harness.settle(backend.chat(hi, { timeout: "4 seconds" }))
      const error = errorOf(exit)
      // The next backoff (4 s, from 3 s) plus minAttemptTime would end past the 4 s deadline.
      assert.strictEqual(error.reason._tag, "ServerError")
      assert.strictEqual(error.endedByDeadline, true)
      assert.strictEqual(error.attempts, 3)
      assert.deepStrictEqual(scripted.attempts, [0, 1000, 3000])
    }))

  it.effect("a stream whose first content is slow times out (first-token)", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const { backend } = yield* Harness.make([{ _tag: "Gate", gate }], { maxRetries: 0, firstTokenTimeout: "5 seconds" })
      const exit = yield* Harness.settle(Stream.runCollect(backend.stream(hi)))
      const error = errorOf(exit)
      assert.strictEqual(error.reason._tag === "Timeout" ? error.reason.phase : error.reason._tag, "first-token")
    }))

  it.effect("a stream that stalls after content times out (idle) and is not retried", () =>
    Effect.gen(function*() {
      const { backend, scripted } = yield* Harness.make(
        [Scripted.chunks([new ChatChunk.TextDelta({ text: "Hel" })], "stall")],
        { maxRetries: 3, idleTimeout: "2 seconds" }
      )
      const seen: Array<string> = []
      const exit = yield* Harness.settle(
        Stream.runForEach(backend.stream(hi), (c) => Effect.sync(() => c._tag === "TextDelta" && seen.push(c.text)))
      )
      const error = errorOf(exit)
      assert.strictEqual(error.reason._tag === "Timeout" ? error.reason.phase : error.reason._tag, "idle")
      assert.deepStrictEqual(seen, ["Hel"])
      assert.strictEqual(scripted.attempts.length, 1)
    }))
})

describe("stream retries", () => {
  it.effect("a failure before any content is retried, and the failed attempt's metadata is not repeated", () =>
    Effect.gen(function*() {
      const { backend, scripted } = yield* Harness.make([
        Scripted.chunks([new ChatChunk.Metadata({ id: "first" })], new LlmError.Overloaded({})),
        Scripted.chunks([new ChatChunk.Metadata({ id: "second" }), new ChatChunk.TextDelta({ text: "ok" }), new ChatChunk.Finish({ reason: "stop" })])
      ])
      const exit = yield* Harness.settle(Stream.runCollect(backend.stream(hi)))
      assert.isTrue(Exit.isSuccess(exit))
      const chunks = Exit.isSuccess(exit) ? exit.value : []
      assert.deepStrictEqual(chunks.map((c) => c._tag === "Metadata" ? `Metadata:${c.id}` : c._tag), ["Metadata:second", "TextDelta", "Finish"])
      assert.strictEqual(scripted.attempts.length, 2)
    }))

  it.effect("a failure after content surfaces with its reason: no retry, no truncated success", () =>
    Effect.gen(function*() {
      const { backend, scripted } = yield* Harness.make([
        Scripted.chunks([new ChatChunk.TextDelta({ text: "Half" })], new LlmError.Network({}))
      ])
      const exit = yield* Harness.settle(Stream.runCollect(backend.stream(hi)))
      assert.strictEqual(errorOf(exit).reason._tag, "Network")
      assert.strictEqual(scripted.attempts.length, 1)
    }))
})
