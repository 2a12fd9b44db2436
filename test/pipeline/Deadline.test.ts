/**
 * Deadline-aware waits and retries, through a real backend (OpenAI) over an
 * in-memory `HttpClient` under `TestClock`: each call ends inside its
 * deadline with the real reason, not `Timeout(total)` after a useless wait.
 * Requests are counted on the server side; accounting is checked from
 * outside (calls made = `total_requests`, answered ≤ seen ≤ started).
 */
import { assert, describe, it } from "@effect/vitest"
import { Clock, Duration, Effect, Exit, Layer, Redacted, Stream } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import { Message, OpenAi } from "../../src/index.ts"
import type * as LlmError from "../../src/LlmError.ts"
import type { Service } from "../../src/LlmBackend.ts"
import * as Harness from "../support/pipeline.ts"
import * as Fixtures from "../support/OpenAiFixtures.ts"

const hi = { messages: [Message.user("Hi")] }

type Answer = { readonly status: number; readonly body: unknown; readonly headers?: Record<string, string> } | "silent"

/** An OpenAI backend whose server answers every request with `answer(i)`; `seen` counts requests that reached it. */
const backend = (answer: (index: number) => Answer, policy: OpenAi.Options["policy"] = {}) =>
  Effect.gen(function*() {
    const seen = { count: 0 }
    const client = HttpClient.make((request) =>
      Effect.suspend(() => {
        const reply = answer(seen.count++)
        if (reply === "silent") return Effect.never
        return Effect.succeed(HttpClientResponse.fromWeb(
          request,
          new Response(JSON.stringify(reply.body), {
            status: reply.status,
            headers: { "content-type": "application/json", ...reply.headers }
          })
        ))
      })
    )
    const service = yield* OpenAi.make({
      apiKey: Redacted.make("sk-deadline-0000000000"),
      model: "gpt-4o-mini",
      policy: { jitter: false, ...policy }
    }).pipe(Effect.provide(Layer.succeed(HttpClient.HttpClient)(client)))
    return { service, seen }
  })

/** Runs a call under TestClock in 50 ms steps; returns its exit and when it ended (virtual ms). */
const timed = <A>(effect: Effect.Effect<A, LlmError.LlmError>) =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    const exit = yield* Harness.settle(effect, "50 millis")
    return { exit, endedAt: (yield* Clock.currentTimeMillis) - start }
  })

const errorOf = <A>(exit: Exit.Exit<A, LlmError.LlmError>): LlmError.LlmError => {
  const fail = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
  if (fail?._tag !== "Fail") throw new Error(`expected a typed failure, got ${String(exit)}`)
  return fail.error
}

/** Accounting from outside: one call made is one call counted; answered ≤ seen ≤ started. */
const accounted = (service: Service, calls: number, seen: number) =>
  Effect.gen(function*() {
    const s = yield* service.monitor.stats
    assert.strictEqual(s.total_requests, calls)
    assert.isAtMost(s.attempts_answered, seen)
    assert.isAtMost(seen, s.attempts_started)
    return s
  })

const overloaded = { status: 503, body: Fixtures.errorBody("overloaded", "server_error") }
const limited = {
  status: 429,
  body: Fixtures.errorBody("Rate limit reached", "requests", "rate_limit_exceeded"),
  headers: { "retry-after": "2" }
}

describe("deadline-aware retries", () => {
  it.effect("a server that always answers 503, with timeout 3 s: Overloaded by 3 s, not Timeout(total)", () =>
    Effect.gen(function*() {
      const { service, seen } = yield* backend(() => overloaded)
      const { exit, endedAt } = yield* timed(service.chat(hi, { timeout: "3 seconds" }))
      const error = errorOf(exit)
      assert.strictEqual(error.reason._tag, "Overloaded")
      assert.strictEqual(error.endedByDeadline, true)
      assert.isAtMost(endedAt, 3000)
      // 0 s and 1 s; the next backoff (2 s) plus minAttemptTime would end at 3.5 s.
      assert.strictEqual(seen.count, 2)
      assert.strictEqual(error.attempts, 2)
      const s = yield* accounted(service, 1, seen.count)
      assert.strictEqual(s.attempts_answered, 2)
    }))

  it.effect("a persistent 429 with Retry-After 2 s, timeout 3 s: RateLimited with its retryAfter", () =>
    Effect.gen(function*() {
      const { service, seen } = yield* backend(() => limited)
      const { exit, endedAt } = yield* timed(service.chat(hi, { timeout: "3 seconds" }))
      const error = errorOf(exit)
      assert.strictEqual(error.reason._tag, "RateLimited")
      assert.deepStrictEqual(error.retryAfter, Duration.seconds(2))
      assert.isAtMost(endedAt, 3000)
      assert.strictEqual(seen.count, 2)
      yield* accounted(service, 1, seen.count)
    }))

  it.effect("a silent server, firstTokenTimeout 1 s, deadline 2.5 s: Timeout(first-token) after at most 2 attempts", () =>
    Effect.gen(function*() {
      const { service, seen } = yield* backend(() => "silent", { firstTokenTimeout: "1 second" })
      const { exit, endedAt } = yield* timed(Stream.runDrain(service.stream(hi, { timeout: "2500 millis" })))
      const error = errorOf(exit)
      assert.strictEqual(error.reason._tag === "Timeout" ? error.reason.phase : error.reason._tag, "first-token")
      assert.isAtMost(endedAt, 2500)
      assert.isAtMost(seen.count, 2)
      const s = yield* accounted(service, 1, seen.count)
      assert.strictEqual(s.attempts_answered, 0)
    }))

  it.effect("an attempt cut by the deadline with no attempt completed before it is Timeout(total)", () =>
    Effect.gen(function*() {
      const { service, seen } = yield* backend(() => "silent")
      const { exit, endedAt } = yield* timed(service.chat(hi, { timeout: "2 seconds" }))
      const error = errorOf(exit)
      assert.strictEqual(error.reason._tag === "Timeout" ? error.reason.phase : error.reason._tag, "total")
      assert.strictEqual(endedAt, 2000)
      assert.strictEqual(seen.count, 1)
      yield* accounted(service, 1, seen.count)
    }))

  it.effect("an attempt cut by the deadline after a completed one fails with that one's reason", () =>
    Effect.gen(function*() {
      const { service, seen } = yield* backend((i) => i === 0 ? overloaded : "silent")
      const { exit, endedAt } = yield* timed(service.chat(hi, { timeout: "3 seconds" }))
      const error = errorOf(exit)
      assert.strictEqual(error.reason._tag, "Overloaded")
      assert.strictEqual(error.endedByDeadline, true)
      assert.strictEqual(error.attempts, 2)
      assert.strictEqual(endedAt, 3000)
      yield* accounted(service, 1, seen.count)
    }))
})

describe("deadline-aware waits", () => {
  it.effect("a provider reset 2 h away fails the next call at once with RateLimited, holding no permit", () =>
    Effect.gen(function*() {
      const drained = {
        status: 200,
        body: Fixtures.completion({ content: "ok" }),
        headers: { "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "2h" }
      }
      const { service, seen } = yield* backend(() => drained, { maxConcurrentRequests: 1 })
      yield* service.chat(hi)
      const { exit, endedAt } = yield* timed(service.chat(hi))
      const error = errorOf(exit)
      assert.strictEqual(error.reason._tag, "RateLimited")
      assert.deepStrictEqual(error.retryAfter, Duration.hours(2))
      assert.strictEqual(endedAt, 0)
      assert.strictEqual(seen.count, 1, "nothing was sent")
      const s = yield* accounted(service, 2, seen.count)
      assert.strictEqual(s.in_flight, 0)
    }))

  it.effect("a client-side rate wait longer than the time left fails at once with RateLimited and the wait", () =>
    Effect.gen(function*() {
      const { service, seen } = yield* backend(() => ({ status: 200, body: Fixtures.completion({ content: "ok" }) }), {
        requestsPerMinute: 1
      })
      yield* service.chat(hi)
      const { exit, endedAt } = yield* timed(service.chat(hi, { timeout: "10 seconds" }))
      const error = errorOf(exit)
      assert.strictEqual(error.reason._tag, "RateLimited")
      assert.deepStrictEqual(error.retryAfter, Duration.seconds(60))
      assert.strictEqual(endedAt, 0)
      assert.strictEqual(seen.count, 1)
      yield* accounted(service, 2, seen.count)
    }))

  it.effect("a rate-limited model does not hold calls for another model on the same key", () =>
    Effect.gen(function*() {
      const { service, seen } = yield* backend((i) =>
        i === 0
          ? { ...limited, headers: { "retry-after": "30" } }
          : { status: 200, body: Fixtures.completion({ content: "ok" }) }, { maxRetries: 0 })
      assert.strictEqual(errorOf((yield* timed(service.chat({ ...hi, model: "gpt-4o" }))).exit).reason._tag, "RateLimited")
      const { exit, endedAt } = yield* timed(service.chat({ ...hi, model: "gpt-4o-mini" }, { timeout: "5 seconds" }))
      assert.isTrue(Exit.isSuccess(exit))
      assert.isBelow(endedAt, 1000, "not held by the other model's 30 s cooldown")
      const again = errorOf((yield* timed(service.chat({ ...hi, model: "gpt-4o" }, { timeout: "5 seconds" }))).exit)
      assert.strictEqual(again.reason._tag, "RateLimited", "the limited model's cooldown (30 s) does not fit 5 s")
      assert.strictEqual(seen.count, 2)
      yield* accounted(service, 3, seen.count)
    }))
})
