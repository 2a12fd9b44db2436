/**
 * Each Lua script on its own, through the Redis store, against a real
 * `redis-server` (one per file, one prefix per test): buckets take and
 * refill on Redis time, all or nothing across buckets; cooldowns per (key,
 * model) with doubling per distinct limited call; ejections with their TTL;
 * the breaker's trip, probe lease and lease expiry. Concurrent callers lose no
 * update: every change is one script.
 */
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect } from "effect"
import { afterAll, beforeAll } from "vitest"
import type * as SharedState from "../../src/pipeline/SharedState.ts"
import * as RedisServer from "./support/RedisServer.ts"
import * as Scoped from "./support/Scoped.ts"

let redis: RedisServer.RedisServer
const store = () => Effect.map(Scoped.store(redis.url), (s) => s.store)
const rule: SharedState.BreakerRule = { failureThreshold: 3, resetMs: 300, maxResetMs: 500, leaseMs: 400 }

describe.skipIf(RedisServer.skipReason !== undefined)(`Redis scripts${RedisServer.skipReason === undefined ? "" : ` (skipped: ${RedisServer.skipReason})`}`, () => {
  beforeAll(async () => {
    redis = await RedisServer.start()
  }, 20_000)
  afterAll(async () => {
    await redis?.stop()
  })

  describe("rate-limit buckets", () => {
    it.live("takes until empty, then says how long until one request fits", () =>
      Effect.gen(function*() {
        const s = yield* store()
        const bucket = { id: "b", requestsPerMinute: 3 }
        for (let i = 0; i < 3; i++) assert.deepStrictEqual(yield* s.take([bucket], 0), { waitMs: 0, held: false })
        const wait = yield* s.take([bucket], 0)
        // One request refills in 20 s; a few millis have passed since the first take.
        assert.isFalse(wait.held)
        assert.isAbove(wait.waitMs, 19_000)
        assert.isAtMost(wait.waitMs, 20_000)
      }))

    it.live("refills from Redis TIME, whatever this process's clock says", () =>
      Effect.gen(function*() {
        const s = yield* store()
        // 60,000 tokens a minute: one a milli, so the refill is visible in a short real sleep.
        const bucket = { id: "b", tokensPerMinute: 60_000 }
        assert.strictEqual((yield* s.take([bucket], 60_000)).waitMs, 0)
        const first = yield* s.take([bucket], 1_000)
        assert.isAbove(first.waitMs, 700)
        yield* Scoped.sleep(300)
        // A clock a day ahead changes nothing: the script reads Redis's own time.
        const ahead = yield* Effect.clockWith((clock) => {
          const skewed = Object.create(clock) as { -readonly [K in keyof Clock.Clock]: Clock.Clock[K] }
          skewed.currentTimeMillisUnsafe = () => clock.currentTimeMillisUnsafe() + 86_400_000
          skewed.currentTimeMillis = Effect.sync(() => clock.currentTimeMillisUnsafe() + 86_400_000)
          return Effect.provideService(s.take([bucket], 1_000), Clock.Clock, skewed)
        })
        assert.isAtMost(ahead.waitMs, first.waitMs - 250)
        assert.isAbove(ahead.waitMs, 0)
      }))

    it.live("takes from every bucket or from none", () =>
      Effect.gen(function*() {
        const s = yield* store()
        const backend = { id: "backend", requestsPerMinute: 10 }
        const key = { id: "key", requestsPerMinute: 1 }
        assert.strictEqual((yield* s.take([backend, key], 0)).waitMs, 0)
        for (let i = 0; i < 3; i++) assert.isAbove((yield* s.take([backend, key], 0)).waitMs, 0)
        // The refused takes left the backend's bucket alone: 9 more fit there.
        for (let i = 0; i < 9; i++) assert.strictEqual((yield* s.take([backend], 0)).waitMs, 0)
        assert.isAbove((yield* s.take([backend], 0)).waitMs, 0)
      }))

    it.live("a correction gives tokens back or takes more; a bucket never exceeds its size", () =>
      Effect.gen(function*() {
        const s = yield* store()
        const bucket = { id: "b", tokensPerMinute: 1_000 }
        assert.strictEqual((yield* s.take([bucket], 1_000)).waitMs, 0)
        yield* s.correct([bucket], -600)
        assert.strictEqual((yield* s.take([bucket], 500)).waitMs, 0)
        assert.isAbove((yield* s.take([bucket], 500)).waitMs, 0)
        yield* s.correct([bucket], -5_000)
        assert.strictEqual((yield* s.take([bucket], 1_000)).waitMs, 0)
        assert.isAbove((yield* s.take([bucket], 1)).waitMs, 0)
      }))

    it.live("the provider's remaining count lowers the bucket and its reset holds it", () =>
      Effect.gen(function*() {
        const s = yield* store()
        const bucket = { id: "b", requestsPerMinute: 100 }
        yield* s.observe(bucket, { requests: 1, tokens: undefined }, 0)
        assert.strictEqual((yield* s.take([bucket], 0)).waitMs, 0)
        assert.isAbove((yield* s.take([bucket], 0)).waitMs, 0)
        const other = { id: "c", requestsPerMinute: 100 }
        yield* s.observe(other, { requests: undefined, tokens: undefined }, 2_000)
        const held = yield* s.take([other], 0)
        assert.isTrue(held.held)
        assert.isAbove(held.waitMs, 1_500)
        assert.isAtMost(held.waitMs, 2_000)
      }))

    it.live("100 concurrent takes from a bucket of 5: exactly 5 get through (no lost update)", () =>
      Effect.gen(function*() {
        const [a, b] = [yield* Scoped.store(redis.url, "shared-bucket"), yield* Scoped.store(redis.url, "shared-bucket")]
        const bucket = { id: "b", requestsPerMinute: 5 }
        const waits = yield* Effect.forEach(Array.from({ length: 100 }, (_, i) => i), (i) => (i % 2 === 0 ? a : b).store.take([bucket], 0), {
          concurrency: "unbounded"
        })
        assert.strictEqual(waits.filter((w) => w.waitMs === 0).length, 5)
      }))
  })

  describe("keys", () => {
    const limited = (requestId: string | undefined, retryAfterMs?: number): SharedState.KeyReaction => ({
      _tag: "RateLimited",
      model: "a",
      requestId,
      retryAfterMs,
      baseMs: 1_000,
      maxMs: 3_000,
      reason: "rate limited for a"
    })

    it.live("a 429 cools the key for its model only, with the Retry-After, the reason and the call", () =>
      Effect.gen(function*() {
        const s = yield* store()
        yield* s.keyReact("k", limited("req-1", 5_000))
        const [forA] = yield* s.keyStates(["k"], "a")
        assert.isAbove(forA!.model!.ms, 4_500)
        assert.isAtMost(forA!.model!.ms, 5_000)
        assert.strictEqual(forA!.model!.reason, "rate limited for a")
        assert.strictEqual(forA!.model!.setBy, "req-1")
        assert.isUndefined(forA!.key)
        assert.isUndefined(forA!.ejected)
        const [forB] = yield* s.keyStates(["k"], "b")
        assert.deepStrictEqual(forB, { model: undefined, key: undefined, ejected: undefined })
      }))

    it.live("without Retry-After the cooldown doubles per distinct limited call, up to the max; a success resets it", () =>
      Effect.gen(function*() {
        const { store: s, base } = yield* Scoped.store(redis.url)
        const raw = yield* Scoped.client(redis.url)
        const cooldown = Effect.map(s.keyStates(["k"], "a"), ([state]) => state!.model!.ms)
        yield* s.keyReact("k", limited("r1"))
        assert.isAtMost(yield* cooldown, 1_000)
        // The same call retrying is one signal.
        yield* s.keyReact("k", limited("r1"))
        assert.isAtMost(yield* cooldown, 1_000)
        yield* s.keyReact("k", limited("r2"))
        assert.isAbove(yield* cooldown, 1_000)
        assert.isAtMost(yield* cooldown, 2_000)
        yield* s.keyReact("k", limited("r3"))
        yield* s.keyReact("k", limited("r4"))
        assert.isAbove(yield* cooldown, 2_000)
        assert.isAtMost(yield* cooldown, 3_000)
        const limits = `${base}key:k:limits`
        assert.strictEqual(yield* Effect.promise(() => raw.hGet(limits, "a")), "4")
        yield* s.keyReact("k", { _tag: "Success" })
        assert.strictEqual(yield* Effect.promise(() => raw.exists(limits)), 0)
        yield* s.keyReact("k", limited("r5"))
        // The count starts again (a longer cooldown already set is kept).
        assert.strictEqual(yield* Effect.promise(() => raw.hGet(limits, "a")), "1")
      }))

    it.live("a quota cooldown covers the whole key, every model", () =>
      Effect.gen(function*() {
        const s = yield* store()
        yield* s.keyReact("k", { _tag: "Quota", ms: 3_000, requestId: "q1" })
        for (const model of ["a", "b", ""]) {
          const [state] = yield* s.keyStates(["k"], model)
          assert.isAbove(state!.key!.ms, 2_500)
          assert.strictEqual(state!.key!.setBy, "q1")
          assert.isUndefined(state!.model)
        }
      }))

    it.live("an ejection lasts its TTL; restoreKeys ends it at once", () =>
      Effect.gen(function*() {
        const s = yield* store()
        yield* s.keyReact("k", { _tag: "Ejected", ms: 300, reason: "Unauthorized" })
        const [ejected] = yield* s.keyStates(["k"], "a")
        assert.strictEqual(ejected!.ejected!.reason, "Unauthorized")
        assert.isAtMost(ejected!.ejected!.ms, 300)
        yield* Scoped.sleep(400)
        assert.isUndefined((yield* s.keyStates(["k"], "a"))[0]!.ejected)
        yield* s.keyReact("k", { _tag: "Ejected", ms: 60_000, reason: "Unauthorized" })
        yield* s.keyReact("j", { _tag: "Ejected", ms: 60_000, reason: "Unauthorized" })
        yield* s.restoreKeys(["k", "j"])
        const states = yield* s.keyStates(["k", "j"], "a")
        assert.deepStrictEqual(states.map((state) => state.ejected), [undefined, undefined])
      }))
  })

  describe("circuit breaker", () => {
    it.live("consecutive failures trip it; open, then one probe with a lease; a healthy probe closes it", () =>
      Effect.gen(function*() {
        const s = yield* store()
        assert.isUndefined(yield* s.record(rule, undefined, "unhealthy"))
        assert.isUndefined(yield* s.record(rule, undefined, "unhealthy"))
        assert.deepStrictEqual(yield* s.breaker, { _tag: "Closed", failures: 2 })
        assert.deepStrictEqual(yield* s.record(rule, undefined, "unhealthy"), ["closed", "open"])
        const open = yield* s.admit(rule)
        assert.strictEqual(open._tag, "Open")
        assert.isAtMost((open as { retryMs: number }).retryMs, 300)
        yield* Scoped.sleep(350)
        const probe = yield* s.admit(rule)
        assert.strictEqual(probe._tag, "Probe")
        assert.isTrue((probe as { wasOpen: boolean }).wasOpen)
        assert.strictEqual((yield* s.admit(rule))._tag, "Probing")
        assert.deepStrictEqual(yield* s.breaker, { _tag: "HalfOpen", probing: true, failedProbes: 0 })
        assert.deepStrictEqual(yield* s.record(rule, (probe as { token: string }).token, "success"), ["half_open", "closed"])
        assert.strictEqual((yield* s.admit(rule))._tag, "Closed")
      }))

    it.live("a success between failures starts the count again", () =>
      Effect.gen(function*() {
        const s = yield* store()
        yield* s.record(rule, undefined, "unhealthy")
        yield* s.record(rule, undefined, "unhealthy")
        yield* s.record(rule, undefined, "success")
        yield* s.record(rule, undefined, "unhealthy")
        assert.deepStrictEqual(yield* s.breaker, { _tag: "Closed", failures: 1 })
      }))

    it.live("a probe whose lease ended changes nothing; the next prober gets the lease; a failed probe doubles the open time", () =>
      Effect.gen(function*() {
        const s = yield* store()
        for (let i = 0; i < 3; i++) yield* s.record(rule, undefined, "unhealthy")
        yield* Scoped.sleep(350)
        const crashed = (yield* s.admit(rule)) as { _tag: string; token: string }
        assert.strictEqual(crashed._tag, "Probe")
        yield* Scoped.sleep(450)
        const next = (yield* s.admit(rule)) as { _tag: string; token: string; wasOpen: boolean }
        assert.strictEqual(next._tag, "Probe")
        // Half open was announced once already.
        assert.isFalse(next.wasOpen)
        assert.isUndefined(yield* s.record(rule, crashed.token, "success"))
        assert.deepStrictEqual(yield* s.record(rule, next.token, "unhealthy"), ["half_open", "open"])
        const view = yield* s.breaker
        assert.strictEqual(view._tag, "Open")
        // 300 ms doubled is 600, capped at 500.
        assert.isAbove((view as { ms: number }).ms, 300)
        assert.isAtMost((view as { ms: number }).ms, 500)
        assert.strictEqual((view as { failedProbes: number }).failedProbes, 1)
      }))

    it.live("concurrent callers: 200 failures count 200; 50 admissions at half open make exactly one probe", () =>
      Effect.gen(function*() {
        const [a, b] = [yield* Scoped.store(redis.url, "shared-breaker"), yield* Scoped.store(redis.url, "shared-breaker")]
        const many = { ...rule, failureThreshold: 1_000 }
        yield* Effect.forEach(Array.from({ length: 200 }, (_, i) => i), (i) => (i % 2 === 0 ? a : b).store.record(many, undefined, "unhealthy"), {
          concurrency: "unbounded"
        })
        assert.deepStrictEqual(yield* a.store.breaker, { _tag: "Closed", failures: 200 })
        for (let i = 0; i < 3; i++) yield* a.store.record(rule, undefined, "unhealthy")
        yield* Scoped.sleep(350)
        const admissions = yield* Effect.forEach(Array.from({ length: 50 }, (_, i) => i), (i) => (i % 2 === 0 ? a : b).store.admit(rule), {
          concurrency: "unbounded"
        })
        assert.strictEqual(admissions.filter((x) => x._tag === "Probe").length, 1)
        assert.strictEqual(admissions.filter((x) => x._tag === "Probing").length, 49)
      }))
  })
})
