/** The in-memory store users test against: same validation, recorded calls, scripted faults. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import * as LlmError from "../../src/LlmError.ts"
import * as ObjectStore from "../../src/storage/ObjectStore.ts"
import * as TestObjectStore from "../../src/storage/TestObjectStore.ts"

describe("TestObjectStore", () => {
  it.effect("stores, reads, lists, copies and deletes, recording every call", () =>
    Effect.gen(function*() {
      const memory = yield* TestObjectStore.make({ buckets: ["bkt", "cpy"] })
      const { store } = memory
      yield* store.put({ bucket: "bkt", key: "dir/one", body: "1", metadata: { tag: "x" } })
      yield* store.put({ bucket: "bkt", key: "dir/two", body: Stream.make(new Uint8Array([2, 2])) })
      yield* store.put({ bucket: "bkt", key: "top", body: new Uint8Array([3]) })
      assert.deepStrictEqual((yield* store.get({ bucket: "bkt", key: "dir/two", range: { start: 1 } })).body, new Uint8Array([2]))
      assert.deepStrictEqual((yield* store.head({ bucket: "bkt", key: "dir/one" })).metadata, { tag: "x" })
      const grouped = yield* Stream.runCollect(store.list({ bucket: "bkt", delimiter: "/" }))
      assert.deepStrictEqual(grouped.map((e) => e._tag === "Object" ? e.key : e.prefix), ["dir/", "top"])
      yield* store.copy({ source: { bucket: "bkt", key: "top" }, target: { bucket: "cpy", key: "copied" } })
      assert.deepStrictEqual([...memory.contents("cpy").keys()], ["copied"])
      yield* store.deleteMany("bkt", ["dir/one", "dir/two"])
      assert.deepStrictEqual([...memory.contents("bkt").keys()], ["top"])
      assert.deepStrictEqual(memory.calls().map((c) => c.operation), ["put", "put", "put", "get", "head", "list", "copy", "deleteMany"])
      assert.strictEqual((yield* store.monitor.stats).total_requests, 8)
    }))

  it.effect("missing keys and buckets are NotFound; bad input is refused before any call; presign is Unsupported", () =>
    Effect.gen(function*() {
      const memory = yield* TestObjectStore.make({ buckets: ["bkt"] })
      assert.strictEqual((yield* Effect.flip(memory.store.get({ bucket: "bkt", key: "none" }))).reason._tag, "NotFound")
      assert.strictEqual((yield* Effect.flip(memory.store.get({ bucket: "nope", key: "k" }))).reason._tag, "NotFound")
      const bad = yield* Effect.flip(memory.store.put({ bucket: "bkt", key: "", body: "x" }))
      assert.strictEqual(bad.reason._tag === "InvalidRequest" ? bad.reason.field : undefined, "key")
      const presign = yield* Effect.flip(memory.store.presign({ bucket: "bkt", key: "k", method: "GET", expiresIn: "1 minute" }))
      assert.strictEqual(presign.reason._tag, "Unsupported")
      assert.deepStrictEqual(memory.calls().map((c) => c.operation), ["get", "get", "presign"])
    }))

  it.effect("a fault function fails the calls it picks, and the layer provides the service", () =>
    Effect.gen(function*() {
      const store = yield* ObjectStore.ObjectStore.pipe(Effect.provide(TestObjectStore.layer({
        buckets: ["bkt"],
        fault: (call) => call.operation === "put" && call.key === "flaky" ? new LlmError.Overloaded({ detail: "SlowDown" }) : undefined
      })))
      const error = yield* Effect.flip(store.put({ bucket: "bkt", key: "flaky", body: "x" }))
      assert.strictEqual(error.reason._tag, "Overloaded")
      yield* store.put({ bucket: "bkt", key: "fine", body: "x" })
      assert.strictEqual((yield* store.head({ bucket: "bkt", key: "fine" })).size, 1)
    }))
})
