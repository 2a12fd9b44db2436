/**
 * The Redis `CacheStore` against a real `redis-server`: TTL from Redis,
 * least-recently-used eviction by entries and bytes reported to the cache,
 * the index kept exact by concurrent writers, bad bounds failing at build;
 * and end to end, two exact caches (two connections, two backends) sharing
 * entries, with Redis down turning into misses, never failures.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Option, Stream } from "effect"
import { afterAll, beforeAll } from "vitest"
import { Message, ResponseCache } from "../../src/index.ts"
import * as RedisCache from "../../src/redis/RedisCache.ts"
import { TestBackend } from "../../src/testing/index.ts"
import * as RedisServer from "./support/RedisServer.ts"
import * as Scoped from "./support/Scoped.ts"

const ask = { messages: [Message.user("What is 2 + 2?")], temperature: 0 }

describe.skipIf(RedisServer.skipReason !== undefined)(`RedisCache${RedisServer.skipReason === undefined ? "" : ` (skipped: ${RedisServer.skipReason})`}`, () => {
  let redis: RedisServer.RedisServer
  beforeAll(async () => {
    redis = await RedisServer.start()
  }, 20_000)
  afterAll(async () => {
    await redis?.stop()
  })
  const store = (options: Partial<RedisCache.Options> = {}) =>
    RedisCache.make({ redis: { url: redis.url }, prefix: Scoped.freshPrefix(), timeout: 1_000, ...options })

  it.live("get, put, remove, size; an entry expires after its TTL (Redis's clock)", () =>
    Effect.gen(function*() {
      const s = yield* store()
      assert.isTrue(Option.isNone(yield* s.get("a")))
      yield* s.put("a", "héllo", undefined)
      yield* s.put("b", "short", Duration.millis(200))
      assert.deepStrictEqual(yield* s.get("a"), Option.some("héllo"))
      assert.deepStrictEqual(yield* s.size, { entries: 2, bytes: 6 + 5 })
      yield* Scoped.sleep(300)
      assert.isTrue(Option.isNone(yield* s.get("b")))
      // Reading the expired key dropped it from the index.
      assert.deepStrictEqual(yield* s.size, { entries: 1, bytes: 6 })
      yield* s.remove("a")
      assert.deepStrictEqual(yield* s.size, { entries: 0, bytes: 0 })
      assert.isTrue(Option.isNone(yield* s.get("a")))
    }))

  it.live("past maxEntries the least recently used goes (a read counts as a use), and the put says which", () =>
    Effect.gen(function*() {
      const s = yield* store({ maxEntries: 2 })
      yield* s.put("a", "1", undefined)
      yield* s.put("b", "2", undefined)
      yield* s.get("a")
      const dropped = yield* s.put("c", "3", undefined)
      assert.deepStrictEqual(dropped, { evicted: ["b"], expired: [] })
      assert.isTrue(Option.isSome(yield* s.get("a")))
      assert.isTrue(Option.isNone(yield* s.get("b")))
      // Now "c" is the least recently used.
      assert.deepStrictEqual(yield* s.put("d", "4", Duration.millis(100)), { evicted: ["c"], expired: [] })
      yield* Scoped.sleep(200)
      yield* s.get("a")
      // "d" had expired but still held its place: the next put reports it as expired, not evicted.
      assert.deepStrictEqual(yield* s.put("e", "5", undefined), { evicted: [], expired: ["d"] })
      assert.deepStrictEqual(yield* s.size, { entries: 2, bytes: 2 })
    }))

  it.live("maxBytes bounds the UTF-8 bytes; a value over the whole budget is not stored", () =>
    Effect.gen(function*() {
      const s = yield* store({ maxBytes: 10 })
      yield* s.put("a", "aaaa", undefined)
      yield* s.put("b", "bbbb", undefined)
      assert.deepStrictEqual(yield* s.put("c", "éé", undefined), { evicted: ["a"], expired: [] })
      assert.deepStrictEqual(yield* s.size, { entries: 2, bytes: 8 })
      assert.deepStrictEqual(yield* s.put("big", "x".repeat(11), undefined), { evicted: [], expired: [] })
      assert.isTrue(Option.isNone(yield* s.get("big")))
      assert.deepStrictEqual(yield* s.size, { entries: 2, bytes: 8 })
    }))

  it.live("200 concurrent puts from two connections keep the bound and the byte count exact", () =>
    Effect.gen(function*() {
      const prefix = Scoped.freshPrefix()
      const a = yield* store({ prefix, maxEntries: 50 })
      const b = yield* store({ prefix, maxEntries: 50 })
      const drops = yield* Effect.forEach(Array.from({ length: 200 }, (_, i) => i), (i) =>
        (i % 2 === 0 ? a : b).put(`k${i}`, "0123456789", undefined), { concurrency: "unbounded" })
      assert.deepStrictEqual(yield* a.size, { entries: 50, bytes: 500 })
      assert.strictEqual(drops.reduce((n, d) => n + d.evicted.length, 0), 150)
    }))

  it.effect("bad bounds fail at build naming the setting", () =>
    Effect.gen(function*() {
      for (const [options, setting] of [[{ maxEntries: 0 }, "maxEntries"], [{ maxBytes: 1.5 }, "maxBytes"], [{ prefix: "a b" }, "shared.prefix"]] as const) {
        const error = yield* Effect.flip(RedisCache.make({ redis: { url: "redis://127.0.0.1:1" }, ...options }))
        assert.strictEqual(error.setting, setting)
      }
    }))

  it.live("two exact caches over two backends share entries through Redis", () =>
    Effect.gen(function*() {
      const prefix = Scoped.freshPrefix()
      const one = yield* TestBackend.make()
      const two = yield* TestBackend.make()
      yield* one.control.push(TestBackend.reply("4"))
      const first = yield* ResponseCache.exact(one.backend, { store: yield* store({ prefix }), ttl: "1 hour" })
      const second = yield* ResponseCache.exact(two.backend, { store: yield* store({ prefix }), ttl: "1 hour" })
      assert.isUndefined((yield* first.chat(ask)).cache)
      const hit = yield* second.chat(ask)
      assert.strictEqual(hit.text, "4")
      assert.strictEqual(hit.cache?.kind, "exact")
      assert.strictEqual((yield* two.control.calls).length, 0)
      assert.strictEqual((yield* one.control.calls).length, 1)
      // A replayed stream from the other cache's entry.
      const chunks = Array.from(yield* Stream.runCollect(second.stream(ask)))
      assert.strictEqual(chunks[0]?._tag, "Metadata")
      assert.deepStrictEqual([(yield* second.cache.stats).hits, (yield* second.cache.stats).entries], [2, 1])
    }))

  it.live("Redis down: the cache misses and skips the write, the call reaches the backend and succeeds", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(() => RedisServer.freePort())
      const { backend, control } = yield* TestBackend.make()
      yield* control.push(TestBackend.reply("4"), TestBackend.reply("4"))
      const cached = yield* ResponseCache.exact(backend, { store: yield* RedisCache.make({ redis: { url: `redis://127.0.0.1:${port}` } }) })
      assert.strictEqual((yield* cached.chat(ask)).text, "4")
      assert.strictEqual((yield* cached.chat(ask)).text, "4")
      assert.strictEqual((yield* control.calls).length, 2)
      assert.isAtLeast((yield* cached.cache.stats).storeErrors, 2)
    }))
})
