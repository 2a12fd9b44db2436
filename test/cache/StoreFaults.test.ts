import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import * as CacheStore from "../../src/cache/CacheStore.ts"
import { LlmBackend, Message, ResponseCache } from "../../src/index.ts"
import { TestBackend } from "../../src/testing/index.ts"

const ask = { messages: [Message.user("What is 2 + 2?")], temperature: 0 }

const down: CacheStore.CacheStore = {
  get: () => Effect.fail(new CacheStore.CacheStoreError({ operation: "get", detail: "connection refused" })),
  put: () => Effect.fail(new CacheStore.CacheStoreError({ operation: "put", detail: "connection refused" })),
  remove: () => Effect.fail(new CacheStore.CacheStoreError({ operation: "remove", detail: "connection refused" })),
  size: Effect.fail(new CacheStore.CacheStoreError({ operation: "size", detail: "connection refused" }))
}

describe("ResponseCache with a faulty store", () => {
  it.effect("a store that is down never fails a call: reads miss, writes are skipped, both counted", () =>
    Effect.gen(function*() {
      const { backend, control } = yield* TestBackend.make({ script: [TestBackend.reply("4"), TestBackend.reply("4 again")] })
      const cached = yield* ResponseCache.exact(backend, { store: down })
      assert.strictEqual((yield* cached.chat(ask)).text, "4")
      assert.strictEqual((yield* cached.chat(ask)).text, "4 again")
      assert.strictEqual((yield* control.calls).length, 2)
      const stats = yield* cached.cache.stats
      assert.deepStrictEqual([stats.misses, stats.stored, stats.storeErrors, stats.entries], [2, 0, 5, 0])
    }))

  it.effect("an entry that no longer decodes is dropped and read as a miss", () =>
    Effect.gen(function*() {
      const memory = yield* CacheStore.memory()
      const { backend, control } = yield* TestBackend.make({ script: [TestBackend.reply("4"), TestBackend.reply("fresh")] })
      const cached = yield* ResponseCache.exact(backend, { store: memory })
      yield* cached.chat(ask)
      // Overwrite the one stored entry with something this version cannot read.
      const keys: Array<string> = []
      const spy: CacheStore.CacheStore = { ...memory, get: (key) => Effect.tap(memory.get(key), () => Effect.sync(() => keys.push(key))) }
      const again = yield* ResponseCache.exact(backend, { store: spy })
      yield* again.chat(ask)
      yield* memory.put(keys[0]!, "{\"storedAt\":\"yesterday\"}", undefined)
      assert.strictEqual((yield* cached.chat(ask)).text, "fresh")
      assert.isTrue(Option.isSome(yield* memory.get(keys[0]!)))
      assert.strictEqual((yield* control.calls).length, 2)
    }))
})

describe("ResponseCache layers", () => {
  it.effect("layerExact puts a cache in front of the LlmBackend it is given", () =>
    Effect.gen(function*() {
      yield* LlmBackend.chat(ask)
      const again = yield* LlmBackend.chat(ask)
      assert.strictEqual(again.cache?.kind, "exact")
      assert.strictEqual((yield* (yield* TestBackend.TestBackend).calls).length, 1)
    }).pipe(Effect.provide(
      ResponseCache.layerExact().pipe(Layer.provideMerge(TestBackend.layer({ script: [TestBackend.reply("4")] })))
    )))
})
