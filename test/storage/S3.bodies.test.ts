/**
 * S3's own transport bounds what it reads where S3's semantics allow: an
 * error body (a redirect's included) is read only as far as classifying it
 * needs, so an endless one cannot hold the call; an XML reply (a list page)
 * is capped by the policy's `maxResponseBytes`. An object's bytes are not
 * capped: their size is what the caller asked for.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Stream } from "effect"
import * as FakeServer from "../support/FakeServer.ts"
import * as S3rver from "./support/S3rver.ts"

const BUCKET = "kit"

const listPage = (keys: number) =>
  `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>${BUCKET}</Name><KeyCount>${keys}</KeyCount>` +
  `<IsTruncated>false</IsTruncated>` +
  Array.from({ length: keys }, (_, i) =>
    `<Contents><Key>object-${i}</Key><Size>1</Size><ETag>"e${i}"</ETag><LastModified>2025-01-01T00:00:00.000Z</LastModified></Contents>`).join("") +
  `</ListBucketResult>`

const xml = (body: string, status = 200): FakeServer.Action => ({ kind: "text", status, headers: { "content-type": "application/xml" }, body })

// Far under the attempt timeout, far over what a capped read takes.
const bounded = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.timeoutOrElse(effect, { duration: Duration.seconds(5), orElse: () => Effect.die("the whole endless body was read") })

describe("S3 bodies are bounded", () => {
  it.live("a list page over maxResponseBytes is InvalidResponse naming the cap; under it, it lists", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(() => xml(listPage(40)))
      const capped = yield* S3rver.store(server.url, { policy: { maxRetries: 0, maxResponseBytes: 2048 } })
      const error = yield* Effect.flip(Stream.runCollect(capped.list({ bucket: BUCKET })))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      assert.include(error.message, "maxResponseBytes")
      const roomy = yield* S3rver.store(server.url, { policy: { maxRetries: 0 } })
      const keys = yield* Stream.runCollect(roomy.list({ bucket: BUCKET }))
      assert.strictEqual(keys.length, 40)
      assert.strictEqual(server.requests.length, 2)
    }))

  it.live("an endless error body is read only as far as classifying needs", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(() => ({
        kind: "chunks",
        status: 403,
        headers: { "content-type": "application/xml" },
        chunks: [
          "<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>",
          ...Array.from({ length: 200 }, () => "x".repeat(1024))
        ],
        delayMs: 5,
        end: "hang"
      }))
      const store = yield* S3rver.store(server.url, { policy: { maxRetries: 0, circuitBreaker: false } })
      const error = yield* bounded(Effect.flip(store.get({ bucket: BUCKET, key: "k" })))
      assert.strictEqual(error.reason._tag, "Unauthorized")
      assert.strictEqual(error.status, 403)
      assert.strictEqual(server.requests.length, 1)
    }))

  it.live("a redirect is reported, not followed, and its endless body does not hold the call", () =>
    Effect.gen(function*() {
      const other = yield* FakeServer.make(() => xml(listPage(1)))
      const server = yield* FakeServer.make(() => ({
        kind: "chunks",
        status: 301,
        headers: { "content-type": "application/xml", location: `${other.url}/elsewhere`, "x-amz-bucket-region": "eu-west-1" },
        chunks: ["<?xml version=\"1.0\"?><Error><Code>PermanentRedirect</Code>", ...Array.from({ length: 200 }, () => " ".repeat(1024))],
        delayMs: 5,
        end: "hang"
      }))
      const store = yield* S3rver.store(server.url, { policy: { maxRetries: 2, circuitBreaker: false } })
      const error = yield* bounded(Effect.flip(Stream.runCollect(store.list({ bucket: BUCKET }))))
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      assert.include(error.message, "eu-west-1")
      assert.strictEqual(other.requests.length, 0, "the other origin saw nothing")
      assert.strictEqual(server.requests.length, 1, "not retried")
    }))
})
