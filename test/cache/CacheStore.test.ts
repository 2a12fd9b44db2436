import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Option } from "effect"
import { TestClock } from "effect/testing"
import * as CacheStore from "../../src/cache/CacheStore.ts"

const value = (store: CacheStore.CacheStore, key: string) => Effect.map(store.get(key), Option.getOrUndefined)

describe("CacheStore.memory", () => {
  it.effect("an entry lives for its time to live, then reads as absent", () =>
    Effect.gen(function*() {
      const store = yield* CacheStore.memory()
      yield* store.put("a", "1", Duration.seconds(10))
      yield* store.put("b", "2", undefined)
      yield* TestClock.adjust("9999 millis")
      assert.strictEqual(yield* value(store, "a"), "1")
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(yield* value(store, "a"), undefined)
      yield* TestClock.adjust("1000 days")
      assert.strictEqual(yield* value(store, "b"), "2")
      assert.strictEqual((yield* store.size).entries, 1)
    }))

  it.effect("past maxEntries the least recently used entry goes, and a read counts as a use", () =>
    Effect.gen(function*() {
      const store = yield* CacheStore.memory({ maxEntries: 2 })
      yield* store.put("a", "1", undefined)
      yield* store.put("b", "2", undefined)
      yield* store.get("a")
      const dropped = yield* store.put("c", "3", undefined)
      assert.deepStrictEqual(dropped, { evicted: ["b"], expired: [] })
      assert.deepStrictEqual([yield* value(store, "a"), yield* value(store, "b"), yield* value(store, "c")], ["1", undefined, "3"])
    }))

  it.effect("past maxBytes (UTF-8) as many old entries go as needed", () =>
    Effect.gen(function*() {
      const store = yield* CacheStore.memory({ maxBytes: 10 })
      yield* store.put("a", "1234", undefined)
      yield* store.put("b", "5678", undefined)
      // "é" is two bytes: 6 bytes must push out both older entries.
      const dropped = yield* store.put("c", "ééé", undefined)
      assert.deepStrictEqual(dropped.evicted, ["a"])
      assert.deepStrictEqual(yield* store.size, { entries: 2, bytes: 10 })
      const next = yield* store.put("d", "xxxxxxx", undefined)
      assert.deepStrictEqual(next.evicted, ["b", "c"])
      // A value larger than the whole budget is not stored and evicts nothing.
      assert.deepStrictEqual(yield* store.put("e", "x".repeat(11), undefined), { evicted: [], expired: [] })
      assert.deepStrictEqual(yield* store.size, { entries: 1, bytes: 7 })
    }))

  it.effect("when room is needed, expired entries go first and are reported apart", () =>
    Effect.gen(function*() {
      const store = yield* CacheStore.memory({ maxEntries: 2 })
      yield* store.put("old", "1", undefined)
      yield* store.put("short", "2", Duration.seconds(1))
      yield* TestClock.adjust("2 seconds")
      const dropped = yield* store.put("new", "3", undefined)
      assert.deepStrictEqual(dropped, { evicted: [], expired: ["short"] })
      assert.strictEqual(yield* value(store, "old"), "1")
    }))

  it.effect("replacing a key keeps one entry and its bytes right", () =>
    Effect.gen(function*() {
      const store = yield* CacheStore.memory()
      yield* store.put("a", "1234", undefined)
      yield* store.put("a", "12", undefined)
      assert.deepStrictEqual(yield* store.size, { entries: 1, bytes: 2 })
      yield* store.remove("a")
      assert.deepStrictEqual(yield* store.size, { entries: 0, bytes: 0 })
    }))

  it.effect("bad bounds fail at build, naming the setting", () =>
    Effect.gen(function*() {
      const entries = yield* Effect.flip(CacheStore.memory({ maxEntries: 0 }))
      assert.strictEqual(entries.setting, "maxEntries")
      const bytes = yield* Effect.flip(CacheStore.memory({ maxBytes: -1 }))
      assert.strictEqual(bytes.setting, "maxBytes")
    }))
})
