import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import * as RateLimiter from "../../src/pipeline/RateLimiter.ts"

const timeOf = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    const fiber = yield* Effect.forkChild(effect)
    yield* Effect.yieldNow
    for (let i = 0; i < 10_000 && fiber.pollUnsafe() === undefined; i++) {
      yield* TestClock.adjust("100 millis")
      yield* Effect.yieldNow
    }
    yield* Fiber.join(fiber)
    return (yield* Clock.currentTimeMillis) - start
  })

describe("rate limiter (token buckets)", () => {
  it.effect("allows a burst up to the per-minute capacity, then refills continuously", () =>
    Effect.gen(function*() {
      const limiter = RateLimiter.make({ requestsPerMinute: 60 })
      for (let i = 0; i < 60; i++) yield* limiter.take(0)
      assert.strictEqual((yield* limiter.available).requests, 0)
      assert.strictEqual(yield* timeOf(limiter.take(0)), 1000, "one request refills in 1 s at 60/min")
    }))

  it.effect("waits for tokens: 600 tokens/min pays back 100 tokens in 10 s", () =>
    Effect.gen(function*() {
      const limiter = RateLimiter.make({ tokensPerMinute: 600 })
      yield* limiter.take(600)
      assert.strictEqual(yield* timeOf(limiter.take(100)), 10_000)
    }))

  it.effect("a correction returns tokens estimated but not used, or takes the extra", () =>
    Effect.gen(function*() {
      const limiter = RateLimiter.make({ tokensPerMinute: 1000 })
      yield* limiter.take(800)
      yield* limiter.correct(800, 300)
      assert.strictEqual((yield* limiter.available).tokens, 700)
      yield* limiter.correct(100, 400)
      assert.strictEqual((yield* limiter.available).tokens, 400)
    }))

  it.effect("the provider's remaining counts lower the buckets (slow down before a 429)", () =>
    Effect.gen(function*() {
      const limiter = RateLimiter.make({ requestsPerMinute: 100, tokensPerMinute: 10_000 })
      yield* limiter.observe({ "x-ratelimit-remaining-requests": "2", "x-ratelimit-remaining-tokens": "50" })
      assert.deepStrictEqual(yield* limiter.available, { requests: 2, tokens: 50 })
      yield* limiter.observe({ "anthropic-ratelimit-tokens-remaining": "20" })
      assert.strictEqual((yield* limiter.available).tokens, 20)
      yield* limiter.observe({ "x-ratelimit-remaining-requests": "garbage" })
      assert.strictEqual((yield* limiter.available).requests, 2)
      assert.isAbove(yield* timeOf(limiter.take(100)), 0)
    }))

  it.effect("a remaining count of zero holds calls until the provider's reset, even with no limits configured", () =>
    Effect.gen(function*() {
      const limiter = RateLimiter.make({})
      yield* limiter.observe({ "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "2s" })
      assert.strictEqual(yield* timeOf(limiter.take(1)), 2000)
      yield* limiter.observe({ "anthropic-ratelimit-tokens-remaining": "0", "anthropic-ratelimit-tokens-reset": new Date(3000 + (yield* Clock.currentTimeMillis)).toISOString() })
      assert.strictEqual(yield* timeOf(limiter.take(1)), 3000)
      yield* limiter.observe({ "x-ratelimit-remaining-requests": "5", "x-ratelimit-reset-requests": "9s" })
      assert.strictEqual(yield* timeOf(limiter.take(1)), 0, "a non-zero remaining count does not hold")
    }))

  it.effect("a cost larger than the bucket is capped at the bucket, not a deadlock", () =>
    Effect.gen(function*() {
      const limiter = RateLimiter.make({ tokensPerMinute: 100 })
      yield* limiter.take(5000)
      assert.strictEqual(yield* timeOf(limiter.take(5000)), 60_000)
    }))

  it.effect("with no limits it never waits", () =>
    Effect.gen(function*() {
      const limiter = RateLimiter.make({})
      for (let i = 0; i < 1000; i++) yield* limiter.take(1_000_000)
      assert.deepStrictEqual(yield* limiter.available, { requests: undefined, tokens: undefined })
    }))

  it("estimates about four characters a token plus the output budget", () => {
    assert.strictEqual(RateLimiter.estimate(400, 50), 150)
    assert.strictEqual(RateLimiter.estimate(10, undefined), 3 + 256)
  })
})
