/**
 * Every operation end to end against a real S3-compatible server (s3rver on
 * 127.0.0.1), counting requests from outside through the pipeline's recent
 * calls.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import type * as ObjectStore from "../../src/storage/ObjectStore.ts"
import * as S3rver from "./support/S3rver.ts"

const BUCKET = "kit"
const text = (body: Uint8Array) => new TextDecoder().decode(body)

const setup = (options?: Parameters<typeof S3rver.store>[1], paging = false) =>
  Effect.gen(function*() {
    const server = yield* (paging ? S3rver.startPaging : S3rver.start)([BUCKET, "other"])
    const store = yield* S3rver.store(server.url, options)
    return { server, store }
  })

const operations = (store: ObjectStore.Service) => Effect.map(store.monitor.recent, (calls) => calls.map((c) => c.operation))

describe("S3 against s3rver", () => {
  it.live("put, head, get and delete an object with its content type and metadata", () =>
    Effect.scoped(Effect.gen(function*() {
      const { store } = yield* setup()
      const put = yield* store.put({
        bucket: BUCKET,
        key: "notes/a.txt",
        body: "hello, S3",
        contentType: "text/plain; charset=utf-8",
        metadata: { Owner: "team-a" }
      })
      assert.strictEqual(put.multipart, false)
      assert.strictEqual(put.size, 9)
      const info = yield* store.head({ bucket: BUCKET, key: "notes/a.txt" })
      assert.strictEqual(info.size, 9)
      assert.strictEqual(info.contentType, "text/plain; charset=utf-8")
      assert.deepStrictEqual(info.metadata, { owner: "team-a" })
      assert.strictEqual(info.etag, put.etag)
      const got = yield* store.get({ bucket: BUCKET, key: "notes/a.txt" })
      assert.strictEqual(text(got.body), "hello, S3")
      yield* store.delete({ bucket: BUCKET, key: "notes/a.txt" })
      const missing = yield* Effect.flip(store.get({ bucket: BUCKET, key: "notes/a.txt" }))
      assert.strictEqual(missing.reason._tag, "NotFound")
      assert.strictEqual(missing.status, 404)
      assert.strictEqual(missing.model, BUCKET)
      assert.deepStrictEqual(yield* operations(store), ["s3.put", "s3.head", "s3.get", "s3.delete", "s3.get"])
    })))

  it.live("a missing object's HEAD and a missing bucket are NotFound, tried once", () =>
    Effect.scoped(Effect.gen(function*() {
      const { store } = yield* setup()
      const head = yield* Effect.flip(store.head({ bucket: BUCKET, key: "nope" }))
      assert.strictEqual(head.reason._tag, "NotFound")
      const bucket = yield* Effect.flip(store.get({ bucket: "no-such-bucket", key: "k" }))
      assert.strictEqual(bucket.reason._tag, "NotFound")
      assert.include(bucket.message, "NoSuchBucket")
      const calls = yield* store.monitor.recent
      assert.deepStrictEqual(calls.map((c) => c.attempts), [1, 1])
    })))

  it.live("byte ranges, whole and streamed", () =>
    Effect.scoped(Effect.gen(function*() {
      const { store } = yield* setup()
      const body = S3rver.bytes(100_000)
      yield* store.put({ bucket: BUCKET, key: "blob", body })
      const middle = yield* store.get({ bucket: BUCKET, key: "blob", range: { start: 10, end: 19 } })
      assert.deepStrictEqual(middle.body, body.slice(10, 20))
      assert.strictEqual(middle.size, 100_000)
      const tail = yield* store.get({ bucket: BUCKET, key: "blob", range: { start: 99_990 } })
      assert.deepStrictEqual(tail.body, body.slice(99_990))
      const streamed = yield* Stream.mkUint8Array(store.getStream({ bucket: BUCKET, key: "blob" }))
      assert.deepStrictEqual(streamed, body)
      const ranged = yield* Stream.mkUint8Array(store.getStream({ bucket: BUCKET, key: "blob", range: { start: 5, end: 5 } }))
      assert.deepStrictEqual(ranged, body.slice(5, 6))
      const bad = yield* Effect.flip(store.get({ bucket: BUCKET, key: "blob", range: { start: 9, end: 3 } }))
      assert.strictEqual(bad.reason._tag === "InvalidRequest" ? bad.reason.field : undefined, "range.end")
    })))

  it.live("keys with spaces, unicode, +, /, ?, #, % and friends round-trip exactly", () =>
    Effect.scoped(Effect.gen(function*() {
      const { store } = yield* setup()
      const keys = [
        "with space.txt",
        "ünïcødé/日本語/файл",
        "plus+sign",
        "deep/er/path/x",
        "question?mark",
        "hash#tag",
        "percent%20literal",
        "tilde~and!(star)*'quote'",
        "emoji 🎉.bin",
        "amp&eq=semi;colon"
      ]
      for (const [i, key] of keys.entries()) {
        yield* store.put({ bucket: BUCKET, key, body: `body ${i}` })
        const got = yield* store.get({ bucket: BUCKET, key })
        assert.strictEqual(text(got.body), `body ${i}`, key)
        assert.strictEqual((yield* store.head({ bucket: BUCKET, key })).size, `body ${i}`.length, key)
      }
      const listed = yield* Stream.runCollect(store.list({ bucket: BUCKET }))
      assert.deepStrictEqual(listed.map((e) => e._tag === "Object" ? e.key : e.prefix).sort(), [...keys].sort())
      const prefixed = yield* Stream.runCollect(store.list({ bucket: BUCKET, prefix: "ünïcødé/日本語/" }))
      assert.deepStrictEqual(prefixed.map((e) => e._tag === "Object" ? e.key : ""), ["ünïcødé/日本語/файл"])
      const dots = yield* Effect.flip(store.put({ bucket: BUCKET, key: "a/../b", body: "x" }))
      assert.strictEqual(dots.reason._tag === "InvalidRequest" ? dots.reason.field : undefined, "key")
    })))

  it.live("list pages through every key, one pipeline call per page, and groups by delimiter", () =>
    Effect.scoped(Effect.gen(function*() {
      const { store } = yield* setup({}, true)
      const keys = Array.from({ length: 25 }, (_, i) => `logs/${String(i).padStart(2, "0")}.log`)
      yield* Effect.forEach(keys, (key) => store.put({ bucket: BUCKET, key, body: key }), { concurrency: 4 })
      yield* store.put({ bucket: BUCKET, key: "top.txt", body: "t" })
      yield* store.put({ bucket: BUCKET, key: "img/a.png", body: "a" })
      yield* store.monitor.reset
      const listed = yield* Stream.runCollect(store.list({ bucket: BUCKET, prefix: "logs/", pageSize: 10 }))
      assert.deepStrictEqual(listed.map((e) => e._tag === "Object" ? e.key : ""), keys)
      const first = listed[0]
      assert.strictEqual(first?._tag === "Object" ? first.size : -1, keys[0]!.length)
      assert.deepStrictEqual(yield* operations(store), ["s3.list", "s3.list", "s3.list"])
      // Pages are requested as the stream is read: taking 3 entries asks for one page.
      yield* store.monitor.reset
      const three = yield* Stream.runCollect(Stream.take(store.list({ bucket: BUCKET, prefix: "logs/", pageSize: 10 }), 3))
      assert.strictEqual(three.length, 3)
      assert.deepStrictEqual(yield* operations(store), ["s3.list"])
      const grouped = yield* Stream.runCollect(store.list({ bucket: BUCKET, delimiter: "/" }))
      assert.deepStrictEqual(grouped.map((e) => e._tag === "Object" ? `object ${e.key}` : `prefix ${e.prefix}`).sort(), [
        "object top.txt",
        "prefix img/",
        "prefix logs/"
      ])
    })))

  it.live("copy keeps or replaces metadata; deleteMany removes a batch", () =>
    Effect.scoped(Effect.gen(function*() {
      const { store } = yield* setup()
      yield* store.put({ bucket: BUCKET, key: "src", body: "copy me", contentType: "text/plain", metadata: { a: "1" } })
      yield* store.copy({ source: { bucket: BUCKET, key: "src" }, target: { bucket: "other", key: "dst with space" } })
      const kept = yield* store.get({ bucket: "other", key: "dst with space" })
      assert.strictEqual(text(kept.body), "copy me")
      assert.deepStrictEqual(kept.metadata, { a: "1" })
      yield* store.copy({ source: { bucket: BUCKET, key: "src" }, target: { bucket: BUCKET, key: "dst2" }, metadata: { b: "2" } })
      assert.deepStrictEqual((yield* store.head({ bucket: BUCKET, key: "dst2" })).metadata, { b: "2" })
      const result = yield* store.deleteMany(BUCKET, ["src", "dst2", "never-existed"])
      assert.deepStrictEqual([...result.deleted].sort(), ["dst2", "never-existed", "src"])
      assert.deepStrictEqual(result.errors, [])
      assert.deepStrictEqual(yield* Stream.runCollect(store.list({ bucket: BUCKET })), [])
      const missing = yield* Effect.flip(store.copy({ source: { bucket: BUCKET, key: "gone" }, target: { bucket: BUCKET, key: "x" } }))
      assert.strictEqual(missing.reason._tag, "NotFound")
    })))
})
