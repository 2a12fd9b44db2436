/** Cutting byte streams into parts, and what a put refuses before any request. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import * as fc from "fast-check"
import * as Multipart from "../../src/storage/Multipart.ts"
import * as TestObjectStore from "../../src/storage/TestObjectStore.ts"

describe("Multipart.parts", () => {
  it.effect("re-cuts any chunking into exact parts, the last one shorter, bytes unchanged", () =>
    Effect.gen(function*() {
      const samples = fc.sample(
        fc.record({
          chunks: fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 30 }),
          size: fc.integer({ min: 1, max: 200 })
        }),
        { numRuns: 200, seed: 3 }
      )
      for (const { chunks, size } of samples) {
        const parts = yield* Stream.runCollect(Multipart.parts(Stream.fromIterable(chunks), size))
        const all = chunks.flatMap((c) => [...c])
        assert.deepStrictEqual(parts.flatMap((p) => [...p]), all)
        assert.isTrue(parts.slice(0, -1).every((p) => p.length === size))
        assert.isTrue(parts.every((p) => p.length > 0 && p.length <= size))
        assert.strictEqual(parts.length, Math.ceil(all.length / size))
      }
    }))
})

describe("put input checks", () => {
  it.effect("metadata must be ASCII and keys well-formed, refused before any call", () =>
    Effect.gen(function*() {
      const memory = yield* TestObjectStore.make({ buckets: ["bkt"] })
      const field = (e: { readonly reason: { readonly _tag: string } & { readonly field?: string } }) => e.reason.field
      const unicode = yield* Effect.flip(memory.store.put({ bucket: "bkt", key: "k", body: "x", metadata: { name: "naïve" } }))
      assert.strictEqual(field(unicode), "metadata.name")
      const header = yield* Effect.flip(memory.store.put({ bucket: "bkt", key: "k", body: "x", metadata: { "bad name": "v" } }))
      assert.strictEqual(field(header), "metadata.bad name")
      const surrogate = yield* Effect.flip(memory.store.put({ bucket: "bkt", key: "bad\ud800", body: "x" }))
      assert.strictEqual(field(surrogate), "key")
      const long = yield* Effect.flip(memory.store.put({ bucket: "bkt", key: "é".repeat(513), body: "x" }))
      assert.strictEqual(field(long), "key")
      const bucket = yield* Effect.flip(memory.store.put({ bucket: "Upper_Case", key: "k", body: "x" }))
      assert.strictEqual(field(bucket), "bucket")
      assert.deepStrictEqual(memory.calls(), [])
    }))
})
