/**
 * Multipart uploads and presigned URLs against s3rver: bodies larger than the
 * part size, streamed bodies cut into parts, progress, and presigned GET and
 * PUT URLs used with a plain `fetch`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import type * as ObjectStore from "../../src/storage/ObjectStore.ts"
import * as S3rver from "./support/S3rver.ts"

const BUCKET = "kit"
const PART = 64 * 1024

const setup = Effect.gen(function*() {
  const server = yield* S3rver.start([BUCKET])
  const store = yield* S3rver.store(server.url, { partSize: PART, uploadConcurrency: 2 })
  return { server, store }
})

const operations = (store: ObjectStore.Service) => Effect.map(store.monitor.recent, (calls) => calls.map((c) => c.operation))

const chunked = (body: Uint8Array, size: number) => {
  const out: Array<Uint8Array> = []
  for (let i = 0; i < body.length; i += size) out.push(body.slice(i, i + size))
  return Stream.fromIterable(out)
}

describe("multipart uploads against s3rver", () => {
  it.live("a body larger than the part size goes up in parts, with progress, and reads back whole", () =>
    Effect.scoped(Effect.gen(function*() {
      const { server, store } = yield* setup
      const body = S3rver.bytes(4 * PART - 1000)
      const seen: Array<ObjectStore.Progress> = []
      const result = yield* store.put({
        bucket: BUCKET,
        key: "big/file.bin",
        body,
        contentType: "application/x-test",
        metadata: { kind: "big" },
        onProgress: (p) => Effect.sync(() => seen.push(p))
      })
      assert.strictEqual(result.multipart, true)
      assert.strictEqual(result.parts, 4)
      assert.strictEqual(result.size, body.length)
      assert.deepStrictEqual(seen.map((p) => p.parts), [1, 2, 3, 4])
      assert.strictEqual(seen.at(-1)?.loaded, body.length)
      assert.isTrue(seen.every((p, i) => p.total === body.length && (i === 0 || p.loaded > seen[i - 1]!.loaded)))
      const ops = yield* operations(store)
      assert.deepStrictEqual(ops, ["s3.createMultipart", ...Array(4).fill("s3.uploadPart"), "s3.completeMultipart"])
      const got = yield* store.get({ bucket: BUCKET, key: "big/file.bin" })
      assert.deepStrictEqual(got.body, body)
      assert.strictEqual(got.contentType, "application/x-test")
      assert.deepStrictEqual(got.metadata, { kind: "big" })
      assert.strictEqual(S3rver.completedObjects(server, BUCKET).length, 1)
    })))

  it.live("a stream of odd-sized chunks is cut into exact parts", () =>
    Effect.scoped(Effect.gen(function*() {
      const { store } = yield* setup
      const body = S3rver.bytes(2 * PART + 12_345, 7)
      const result = yield* store.put({ bucket: BUCKET, key: "streamed", body: chunked(body, 7_777) })
      assert.strictEqual(result.multipart, true)
      assert.strictEqual(result.parts, 3)
      assert.deepStrictEqual((yield* store.get({ bucket: BUCKET, key: "streamed" })).body, body)
    })))

  it.live("a stream that ends under the threshold is one PUT", () =>
    Effect.scoped(Effect.gen(function*() {
      const { store } = yield* setup
      const body = S3rver.bytes(PART - 1, 3)
      const result = yield* store.put({ bucket: BUCKET, key: "small", body: chunked(body, 1000) })
      assert.strictEqual(result.multipart, false)
      assert.deepStrictEqual(yield* operations(store), ["s3.put"])
      assert.deepStrictEqual((yield* store.get({ bucket: BUCKET, key: "small" })).body, body)
      const exact = yield* store.put({ bucket: BUCKET, key: "exact", body: S3rver.bytes(PART) })
      assert.strictEqual(exact.multipart, false)
      const empty = yield* store.put({ bucket: BUCKET, key: "empty", body: Stream.empty })
      assert.strictEqual(empty.size, 0)
      assert.strictEqual((yield* store.head({ bucket: BUCKET, key: "empty" })).size, 0)
    })))

  it.live("a failing body stream fails the put with its own error and aborts the upload", () =>
    Effect.scoped(Effect.gen(function*() {
      const { server, store } = yield* setup
      const body = Stream.concat(chunked(S3rver.bytes(2 * PART), 4096), Stream.fail("disk gone" as const))
      const error = yield* Effect.flip(store.put({ bucket: BUCKET, key: "broken", body }))
      assert.strictEqual(error, "disk gone")
      const ops = yield* operations(store)
      assert.strictEqual(ops[0], "s3.createMultipart")
      assert.strictEqual(ops.at(-1), "s3.abortMultipart")
      assert.notInclude(ops, "s3.completeMultipart")
      assert.deepStrictEqual(S3rver.completedObjects(server, BUCKET), [])
    })))
})

describe("presigned URLs against s3rver", () => {
  it.live("a presigned GET works with a plain fetch and carries no secret", () =>
    Effect.scoped(Effect.gen(function*() {
      const { store } = yield* setup
      yield* store.put({ bucket: BUCKET, key: "share me.txt", body: "shared" })
      const presigned = yield* store.presign({ bucket: BUCKET, key: "share me.txt", method: "GET", expiresIn: "15 minutes" })
      assert.notInclude(presigned.url, S3rver.SECRET)
      const url = new URL(presigned.url)
      assert.strictEqual(url.searchParams.get("X-Amz-Expires"), "900")
      assert.match(url.searchParams.get("X-Amz-Credential") ?? "", /^S3RVER\/\d{8}\/us-east-1\/s3\/aws4_request$/)
      assert.deepStrictEqual([...url.searchParams.keys()].sort(), [
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-Signature",
        "X-Amz-SignedHeaders"
      ])
      const response = yield* Effect.promise(() => fetch(presigned.url))
      assert.strictEqual(response.status, 200)
      assert.strictEqual(yield* Effect.promise(() => response.text()), "shared")
    })))

  it.live("a presigned PUT with a content type uploads with a plain fetch", () =>
    Effect.scoped(Effect.gen(function*() {
      const { store } = yield* setup
      const presigned = yield* store.presign({
        bucket: BUCKET,
        key: "uploads/ünï code+1.json",
        method: "PUT",
        expiresIn: "60 seconds",
        contentType: "application/json"
      })
      assert.deepStrictEqual(presigned.headers, { "content-type": "application/json" })
      assert.strictEqual(new URL(presigned.url).searchParams.get("X-Amz-SignedHeaders"), "content-type;host")
      const response = yield* Effect.promise(() =>
        fetch(presigned.url, { method: "PUT", headers: presigned.headers, body: "{\"ok\":true}" })
      )
      assert.strictEqual(response.status, 200)
      const got = yield* store.get({ bucket: BUCKET, key: "uploads/ünï code+1.json" })
      assert.strictEqual(new TextDecoder().decode(got.body), "{\"ok\":true}")
      assert.strictEqual(got.contentType, "application/json")
    })))

  it.live("an expiry outside 1 second to 7 days is refused, naming expiresIn", () =>
    Effect.scoped(Effect.gen(function*() {
      const { store } = yield* setup
      for (const expiresIn of [0, "8 days", 1.5] as const) {
        const error = yield* Effect.flip(store.presign({ bucket: BUCKET, key: "k", method: "GET", expiresIn }))
        assert.strictEqual(error.reason._tag === "InvalidRequest" ? error.reason.field : undefined, "expiresIn", String(expiresIn))
      }
    })))
})
