import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Redacted } from "effect"
import { TestClock } from "effect/testing"
import * as LlmError from "../../src/LlmError.ts"
import * as KeyPool from "../../src/pipeline/KeyPool.ts"

const key = (name: string, extra: Partial<KeyPool.KeyConfig> = {}): KeyPool.KeyConfig => ({
  name,
  value: Redacted.make(`sk-${name}-secret-value`),
  ...extra
})
const options = (strategy: KeyPool.Strategy): KeyPool.Options => ({
  strategy,
  rateLimitCooldown: Duration.seconds(1),
  maxCooldown: Duration.seconds(60),
  quotaCooldown: Duration.hours(1),
  maxWait: Duration.seconds(30)
})
const names = (pool: KeyPool.KeyPool, n: number, request: Parameters<KeyPool.KeyPool["acquire"]>[0] = { model: "m" }) =>
  Effect.gen(function*() {
    const out: Array<string> = []
    for (let i = 0; i < n; i++) {
      const lease = yield* pool.acquire(request)
      out.push(lease.name)
      yield* pool.release(lease, undefined)
    }
    return out
  })

describe("key pool strategies", () => {
  it.effect("round-robin is exact", () =>
    Effect.gen(function*() {
      const pool = KeyPool.make([key("a"), key("b"), key("c")], options("round-robin"))
      assert.deepStrictEqual(yield* names(pool, 7), ["a", "b", "c", "a", "b", "c", "a"])
    }))

  it.effect("weighted converges to the weights, smoothly interleaved", () =>
    Effect.gen(function*() {
      const pool = KeyPool.make([key("a", { weight: 3 }), key("b", { weight: 1 })], options("weighted"))
      const picks = yield* names(pool, 400)
      assert.strictEqual(picks.filter((n) => n === "a").length, 300)
      assert.deepStrictEqual(picks.slice(0, 4).sort(), ["a", "a", "a", "b"], "every window of 4 holds the 3:1 share")
    }))

  it.effect("least-loaded picks the key with the fewest calls in flight", () =>
    Effect.gen(function*() {
      const pool = KeyPool.make([key("a"), key("b"), key("c")], options("least-loaded"))
      const first = yield* pool.acquire({ model: "m" })
      const second = yield* pool.acquire({ model: "m" })
      yield* pool.release(first, undefined)
      const third = yield* pool.acquire({ model: "m" })
      assert.notStrictEqual(third.name, second.name)
      const loads = (yield* pool.stats).map((s) => s.inFlight)
      assert.isAtMost(Math.max(...loads), 1)
    }))

  it.effect("sticky keeps a session on one key and spreads sessions over keys", () =>
    Effect.gen(function*() {
      const pool = KeyPool.make([key("a"), key("b"), key("c")], options("sticky"))
      const s1 = yield* names(pool, 5, { model: "m", sessionId: "session-1" })
      assert.strictEqual(new Set(s1).size, 1)
      const spread = new Set<string>()
      for (let i = 0; i < 30; i++) spread.add((yield* names(pool, 1, { model: "m", sessionId: `s-${i}` }))[0]!)
      assert.strictEqual(spread.size, 3)
    }))

  it.effect("sticky moves a session only when its key becomes unusable", () =>
    Effect.gen(function*() {
      const pool = KeyPool.make([key("a"), key("b"), key("c")], options("sticky"))
      const [home] = yield* names(pool, 1, { model: "m", sessionId: "s" })
      const lease = yield* pool.acquire({ model: "m", sessionId: "s" })
      yield* pool.release(lease, new LlmError.Unauthorized({ detail: "revoked" }))
      const [moved] = yield* names(pool, 1, { model: "m", sessionId: "s" })
      assert.notStrictEqual(moved, home)
    }))

  it.effect("a model allow-list keeps a key to its models; a pin picks by name", () =>
    Effect.gen(function*() {
      const pool = KeyPool.make([key("small", { models: ["mini"] }), key("big")], options("round-robin"))
      assert.deepStrictEqual(yield* names(pool, 3, { model: "large" }), ["big", "big", "big"])
      assert.deepStrictEqual(yield* names(pool, 2, { model: "mini", pinned: "small" }), ["small", "small"])
    }))

  it.effect("per-key concurrency: a full key is skipped", () =>
    Effect.gen(function*() {
      const pool = KeyPool.make([key("a", { maxConcurrent: 1 }), key("b")], options("round-robin"))
      const a = yield* pool.acquire({ model: "m" })
      assert.strictEqual(a.name, "a")
      assert.deepStrictEqual([(yield* pool.acquire({ model: "m" })).name, (yield* pool.acquire({ model: "m" })).name], ["b", "b"])
    }))
})

describe("key pool reactions", () => {
  it.effect("a rate limit cools the key for its Retry-After, then it returns", () =>
    Effect.gen(function*() {
      const pool = KeyPool.make([key("a"), key("b")], options("round-robin"))
      const a = yield* pool.acquire({ model: "m" })
      yield* pool.release(a, new LlmError.RateLimited({ retryAfter: Duration.seconds(10) }))
      assert.deepStrictEqual(yield* names(pool, 3), ["b", "b", "b"])
      const [state] = yield* pool.stats
      assert.strictEqual(state!.state, "cooling")
      assert.strictEqual(state!.coolingForMs, 10_000)
      yield* TestClock.adjust("10 seconds")
      assert.deepStrictEqual((yield* names(pool, 2)).sort(), ["a", "b"])
    }))

  it.effect("a rate limit without a wait cools for a doubling delay", () =>
    Effect.gen(function*() {
      const pool = KeyPool.make([key("a"), key("b")], options("round-robin"))
      for (const expected of [1000, 2000, 4000]) {
        const lease = yield* pool.acquire({ model: "m", pinned: "a" })
        yield* pool.release(lease, new LlmError.RateLimited({}))
        assert.strictEqual((yield* pool.stats)[0]!.coolingForMs, expected)
        yield* TestClock.adjust(Duration.millis(expected))
      }
    }))

  it.effect("an exhausted quota cools the key for long", () =>
    Effect.gen(function*() {
      const pool = KeyPool.make([key("a"), key("b")], options("round-robin"))
      const a = yield* pool.acquire({ model: "m" })
      yield* pool.release(a, new LlmError.QuotaExhausted({}))
      yield* TestClock.adjust("59 minutes")
      assert.deepStrictEqual(yield* names(pool, 2), ["b", "b"])
      yield* TestClock.adjust("1 minute")
      assert.include(yield* names(pool, 2), "a")
    }))

  it.effect("401/403 ejects the key with its reason for ejectCooldown, then it comes back", () =>
    Effect.gen(function*() {
      const pool = KeyPool.make([key("a"), key("b")], { ...options("round-robin"), ejectCooldown: Duration.minutes(10) })
      const a = yield* pool.acquire({ model: "m" })
      yield* pool.release(a, new LlmError.Unauthorized({ detail: "Incorrect API key" }))
      yield* TestClock.adjust("9 minutes")
      assert.deepStrictEqual(yield* names(pool, 4), ["b", "b", "b", "b"])
      const [stats] = yield* pool.stats
      assert.deepStrictEqual([stats!.state, stats!.reason, stats!.ejections], ["ejected", "Unauthorized: Incorrect API key", 1])
      yield* TestClock.adjust("1 minute")
      assert.include(yield* names(pool, 2), "a")
      assert.strictEqual((yield* pool.stats)[0]!.state, "active")
    }))

  it.effect("restoreEjected brings an ejected key back at once", () =>
    Effect.gen(function*() {
      const pool = KeyPool.make([key("a")], options("round-robin"))
      const a = yield* pool.acquire({ model: "m" })
      yield* pool.release(a, new LlmError.Unauthorized({}))
      assert.strictEqual((yield* Effect.flip(pool.acquire({ model: "m" })))._tag, "Unauthorized")
      pool.restoreEjected()
      assert.deepStrictEqual(yield* names(pool, 1), ["a"])
    }))

  it.effect("a rate limit cools the key for that model only; a quota cools the whole key", () =>
    Effect.gen(function*() {
      const pool = KeyPool.make([key("a")], options("round-robin"))
      const limited = yield* pool.acquire({ model: "gpt-4o" })
      yield* pool.release(limited, new LlmError.RateLimited({ retryAfter: Duration.seconds(30) }))
      assert.deepStrictEqual(yield* names(pool, 1, { model: "gpt-4o-mini" }), ["a"], "another model is not held")
      assert.strictEqual((yield* Effect.flip(pool.acquire({ model: "gpt-4o" }, {
        restore: (e) => e,
        fits: () => false,
        bound: () => 0
      })))._tag, "RateLimited")
      const spent = yield* pool.acquire({ model: "gpt-4o-mini" })
      yield* pool.release(spent, new LlmError.QuotaExhausted({}))
      assert.strictEqual((yield* Effect.flip(pool.acquire({ model: "other" })))._tag, "QuotaExhausted")
    }))

  it.effect("one call's retries do not double the cooldown; another call's limit does", () =>
    Effect.gen(function*() {
      const pool = KeyPool.make([key("a")], options("round-robin"))
      const limit = (requestId: string) =>
        Effect.gen(function*() {
          const lease = yield* pool.acquire({ model: "m", requestId, waited: true })
          yield* pool.release(lease, new LlmError.RateLimited({}), requestId)
          const cooling = (yield* pool.stats)[0]!.coolingForMs!
          yield* TestClock.adjust(Duration.millis(cooling))
          return cooling
        })
      const own = [yield* limit("call-1"), yield* limit("call-1"), yield* limit("call-1")]
      assert.deepStrictEqual(own, [1000, 1000, 1000])
      assert.deepStrictEqual([yield* limit("call-2"), yield* limit("call-3")], [2000, 4000])
    }))

  it.effect("when every key is cooling, a call waits for the soonest", () =>
    Effect.gen(function*() {
      const pool = KeyPool.make([key("a"), key("b")], options("round-robin"))
      const a = yield* pool.acquire({ model: "m" })
      const b = yield* pool.acquire({ model: "m" })
      yield* pool.release(a, new LlmError.RateLimited({ retryAfter: Duration.seconds(8) }))
      yield* pool.release(b, new LlmError.RateLimited({ retryAfter: Duration.seconds(3) }))
      const waiting = yield* Effect.forkChild(pool.acquire({ model: "m" }))
      yield* TestClock.adjust("2 seconds")
      assert.isUndefined(waiting.pollUnsafe())
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* Fiber.join(waiting)).name, "b")
    }))

  it.effect("when the soonest key is further away than maxWait, the call fails with RateLimited and the wait", () =>
    Effect.gen(function*() {
      const pool = KeyPool.make([key("a")], options("round-robin"))
      const a = yield* pool.acquire({ model: "m" })
      yield* pool.release(a, new LlmError.RateLimited({ retryAfter: Duration.minutes(5) }))
      const error = yield* Effect.flip(pool.acquire({ model: "m" }))
      assert.strictEqual(error._tag, "RateLimited")
      assert.deepStrictEqual(error._tag === "RateLimited" ? error.retryAfter : undefined, Duration.minutes(5))
    }))

  it.effect("when every key is ejected, the error lists each key's name and reason, never a value", () =>
    Effect.gen(function*() {
      const pool = KeyPool.make([key("alpha"), key("beta")], options("round-robin"))
      for (const name of ["alpha", "beta"]) {
        const lease = yield* pool.acquire({ model: "m", pinned: name })
        yield* pool.release(lease, new LlmError.Unauthorized({ detail: `bad ${name}` }))
      }
      const error = yield* Effect.flip(pool.acquire({ model: "m" }))
      assert.strictEqual(error._tag, "Unauthorized")
      assert.include(error.detail, "alpha ejected (Unauthorized: bad alpha)")
      assert.include(error.detail, "beta ejected (Unauthorized: bad beta)")
      assert.notInclude(error.detail, "secret-value")
      assert.isFalse(pool.hasAlternative("alpha", "m"))
    }))
})
