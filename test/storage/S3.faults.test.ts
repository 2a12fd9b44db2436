/**
 * Faults through the pipeline, injected by a proxy in front of s3rver: each
 * test asserts the outcome and the accounting (requests the proxy saw, the
 * typed reason, what s3rver's data folder holds).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Logger, Redacted } from "effect"
import * as LlmError from "../../src/LlmError.ts"
import type * as ObjectStore from "../../src/storage/ObjectStore.ts"
import type * as S3 from "../../src/storage/S3.ts"
import * as FaultProxy from "./support/FaultProxy.ts"
import * as S3rver from "./support/S3rver.ts"

const BUCKET = "kit"
const PART = 16 * 1024

const setup = (rule: FaultProxy.Rule, options: S3.Options = {}) =>
  Effect.gen(function*() {
    const server = yield* S3rver.start([BUCKET])
    const proxy = yield* FaultProxy.make(server.url, rule)
    const store = yield* S3rver.store(proxy.url, { partSize: PART, uploadConcurrency: 1, ...options })
    return { server, proxy, store }
  })

const captureLogs = () => {
  const lines: Array<string> = []
  const logger = Logger.make((options) => {
    lines.push(String(options.message))
  })
  return { lines, layer: Logger.layer([logger]) }
}

const fieldOf = (error: LlmError.LlmError) => error.reason._tag === "InvalidRequest" ? error.reason.field : undefined
const recentOf = (store: ObjectStore.Service, name: string) =>
  Effect.map(store.monitor.recent, (calls) => calls.filter((c) => c.operation === name))

describe("S3 faults through the pipeline", () => {
  it.live("a part that keeps failing aborts the upload: abort sent, its 405 reported, no object", () =>
    Effect.scoped(Effect.gen(function*() {
      const { proxy, server, store } = yield* setup(
        (request) => FaultProxy.isPart(request, 2) ? { kind: "reset" } : FaultProxy.forward,
        { policy: { maxRetries: 1 } }
      )
      const logs = captureLogs()
      const error = yield* Effect.flip(store.put({ bucket: BUCKET, key: "doomed", body: S3rver.bytes(3 * PART) })).pipe(
        Effect.provide(logs.layer)
      )
      // The part's own failure surfaces, not the abort's.
      assert.strictEqual(error.reason._tag, "Network")
      assert.strictEqual(error.attempts, 2)
      assert.strictEqual(proxy.seen.filter((r) => FaultProxy.isPart(r, 2)).length, 2, "part 2 retried on its own")
      assert.strictEqual(proxy.seen.filter((r) => FaultProxy.isPart(r, 1)).length, 1, "part 1 sent once")
      assert.isFalse(proxy.seen.some((r) => r.method === "POST" && r.query.has("uploadId")), "never completed")
      const aborts = proxy.seen.filter(FaultProxy.isAbort)
      assert.strictEqual(aborts.length, 1)
      const part = proxy.seen.find((r) => FaultProxy.isPart(r, 1))
      assert.strictEqual(aborts[0]!.query.get("uploadId"), part?.query.get("uploadId"), "the upload's own id")
      const [abort] = yield* recentOf(store, "s3.abortMultipart")
      assert.strictEqual(abort?.outcome, "failure")
      assert.strictEqual(abort?.reason, "Unsupported")
      assert.isTrue(logs.lines.some((line) => line.includes("could not abort multipart upload") && line.includes("405")))
      const get = yield* Effect.flip(store.get({ bucket: BUCKET, key: "doomed" }))
      assert.strictEqual(get.reason._tag, "NotFound")
      assert.deepStrictEqual(S3rver.completedObjects(server, BUCKET), [])
    })))

  it.live("a reset in the middle of a part's body never leaves a completed object", () =>
    Effect.scoped(Effect.gen(function*() {
      const { proxy, server, store } = yield* setup(
        (request) =>
          FaultProxy.isPart(request, 3) || (request.method === "PUT" && request.path === "/kit/cut-single")
            ? { kind: "resetMidBody", after: 1024 }
            : FaultProxy.forward,
        { policy: { maxRetries: 0 } }
      )
      const error = yield* Effect.flip(store.put({ bucket: BUCKET, key: "cut", body: S3rver.bytes(4 * PART) }))
      assert.strictEqual(error.reason._tag, "Network")
      assert.strictEqual(proxy.seen.filter(FaultProxy.isAbort).length, 1)
      assert.deepStrictEqual(S3rver.completedObjects(server, BUCKET), [])
      // A single-shot PUT cut mid-body leaves nothing either.
      const single = yield* Effect.flip(store.put({ bucket: BUCKET, key: "cut-single", body: S3rver.bytes(PART / 2) }))
      assert.strictEqual(single.reason._tag, "Network")
      assert.deepStrictEqual(S3rver.completedObjects(server, BUCKET), [])
      assert.strictEqual((yield* Effect.flip(store.head({ bucket: BUCKET, key: "cut-single" }))).reason._tag, "NotFound")
    })))

  it.live("a part reset once is retried alone and the object is whole", () =>
    Effect.scoped(Effect.gen(function*() {
      let failed = false
      const { proxy, store } = yield* setup((request) => {
        if (FaultProxy.isPart(request, 2) && !failed) {
          failed = true
          return { kind: "resetMidBody", after: 100 }
        }
        return FaultProxy.forward
      })
      const body = S3rver.bytes(3 * PART + 5, 9)
      const result = yield* store.put({ bucket: BUCKET, key: "healed", body })
      assert.strictEqual(result.parts, 4)
      assert.strictEqual(proxy.seen.filter((r) => FaultProxy.isPart(r, 2)).length, 2)
      assert.strictEqual(proxy.seen.filter((r) => FaultProxy.isPart(r)).length, 5)
      assert.deepStrictEqual((yield* store.get({ bucket: BUCKET, key: "healed" })).body, body)
    })))

  it.live("SlowDown is retried with backoff and never counts against a credential pair", () =>
    Effect.scoped(Effect.gen(function*() {
      let slow = 0
      const { proxy, store } = yield* setup(
        (request) => request.method === "PUT" && slow++ < 2 ? FaultProxy.s3Error(503, "SlowDown", "Please reduce your request rate.") : FaultProxy.forward,
        {
          credentials: [
            { name: "a", accessKeyId: S3rver.ACCESS_KEY_ID, secretAccessKey: Redacted.make(S3rver.SECRET) },
            { name: "b", accessKeyId: S3rver.ACCESS_KEY_ID, secretAccessKey: Redacted.make(`${S3rver.SECRET}-b`) }
          ]
        }
      )
      yield* store.put({ bucket: BUCKET, key: "k", body: "v" })
      assert.strictEqual(proxy.seen.filter((r) => r.method === "PUT").length, 3)
      const stats = yield* store.monitor.stats
      assert.strictEqual(stats.total_retries, 2)
      assert.strictEqual(stats.backoff.count, 2)
      assert.deepStrictEqual(stats.errors_by_type, {})
      for (const key of stats.keys) {
        assert.strictEqual(key.state, "active", key.name)
        assert.strictEqual(key.cooldowns, 0, key.name)
        assert.strictEqual(key.ejections, 0, key.name)
      }
    })))

  it.live("AccessDenied is not retried; with a second pair the call moves to it", () =>
    Effect.scoped(Effect.gen(function*() {
      const deny = FaultProxy.s3Error(403, "AccessDenied", "Access Denied")
      const { proxy, store } = yield* setup(() => deny)
      const error = yield* Effect.flip(store.put({ bucket: BUCKET, key: "k", body: "v" }))
      assert.strictEqual(error.reason._tag, "Unauthorized")
      assert.isTrue(LlmError.isKeyFault(error.reason))
      assert.strictEqual(error.providerRequestId, "proxy-AccessDenied")
      assert.strictEqual(proxy.seen.length, 1)

      const two = yield* setup((request) => request.accessKeyId === "AKIAREVOKED" ? deny : FaultProxy.forward, {
        credentials: [
          { name: "revoked", accessKeyId: "AKIAREVOKED", secretAccessKey: Redacted.make("revoked-secret-123") },
          { name: "good", accessKeyId: S3rver.ACCESS_KEY_ID, secretAccessKey: Redacted.make(S3rver.SECRET) }
        ]
      })
      yield* two.store.put({ bucket: BUCKET, key: "k", body: "v" })
      yield* two.store.put({ bucket: BUCKET, key: "k2", body: "v" })
      assert.deepStrictEqual(two.proxy.seen.map((r) => r.accessKeyId), ["AKIAREVOKED", "S3RVER", "S3RVER"])
      const revoked = (yield* two.store.monitor.stats).keys.find((k) => k.name === "revoked")
      assert.strictEqual(revoked?.state, "ejected")
    })))

  it.live("404s never trip the breaker; 500s do", () =>
    Effect.scoped(Effect.gen(function*() {
      let broken = false
      const { proxy, store } = yield* setup(
        () => broken ? FaultProxy.s3Error(500, "InternalError", "We encountered an internal error.") : FaultProxy.forward,
        { policy: { failureThreshold: 2, maxRetries: 0 } }
      )
      for (let i = 0; i < 5; i++) {
        const error = yield* Effect.flip(store.get({ bucket: BUCKET, key: `missing-${i}` }))
        assert.strictEqual(error.reason._tag, "NotFound")
      }
      assert.strictEqual(yield* store.monitor.breaker, "closed")
      yield* store.put({ bucket: BUCKET, key: "fine", body: "ok" })
      broken = true
      for (let i = 0; i < 2; i++) assert.strictEqual((yield* Effect.flip(store.head({ bucket: BUCKET, key: "fine" }))).reason._tag, "ServerError")
      const sent = proxy.seen.length
      const open = yield* Effect.flip(store.head({ bucket: BUCKET, key: "fine" }))
      assert.strictEqual(open.reason._tag, "CircuitOpen")
      assert.strictEqual(proxy.seen.length, sent, "an open breaker sends nothing")
    })))

  it.live("a region redirect is reported with the bucket's region, not followed or retried", () =>
    Effect.scoped(Effect.gen(function*() {
      const { proxy, store } = yield* setup((request) =>
        request.path.startsWith("/followed")
          ? FaultProxy.forward
          : request.path.includes("permanent")
          ? FaultProxy.s3Error(301, "PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint.", {
            "x-amz-bucket-region": "eu-west-1"
          })
          : FaultProxy.s3Error(307, "TemporaryRedirect", "Please re-send this request to the specified temporary endpoint.", {
            "x-amz-bucket-region": "ap-south-1",
            location: "/followed/elsewhere"
          })
      )
      const permanent = yield* Effect.flip(store.get({ bucket: BUCKET, key: "permanent" }))
      assert.strictEqual(fieldOf(permanent), "region")
      assert.include(permanent.message, "eu-west-1")
      assert.include(permanent.message, "S3_REGION=eu-west-1")
      assert.strictEqual(permanent.status, 301)
      const temporary = yield* Effect.flip(store.put({ bucket: BUCKET, key: "temporary", body: "x" }))
      assert.strictEqual(fieldOf(temporary), "region")
      assert.include(temporary.message, "ap-south-1")
      assert.deepStrictEqual(proxy.seen.map((r) => r.path), ["/kit/permanent", "/kit/temporary"])
    })))

  it.live("RequestTimeout (a 400) is retried like a timeout", () =>
    Effect.scoped(Effect.gen(function*() {
      let first = true
      const { proxy, store } = yield* setup((request) => {
        if (request.method === "PUT" && first) {
          first = false
          return FaultProxy.s3Error(400, "RequestTimeout", "Your socket connection to the server was not read from or written to within the timeout period.")
        }
        return FaultProxy.forward
      })
      yield* store.put({ bucket: BUCKET, key: "slow", body: "body" })
      assert.strictEqual(proxy.seen.length, 2)
      const [call] = yield* store.monitor.recent
      assert.strictEqual(call?.attempts, 2)
    })))

  it.live("interrupting an upload aborts it", () =>
    Effect.scoped(Effect.gen(function*() {
      const { proxy, server, store } = yield* setup((request) => FaultProxy.isPart(request, 2) ? { kind: "hang" } : FaultProxy.forward)
      const fiber = yield* Effect.forkChild(store.put({ bucket: BUCKET, key: "interrupted", body: S3rver.bytes(3 * PART) }))
      while (!proxy.seen.some((r) => FaultProxy.isPart(r, 2))) yield* Effect.sleep("5 millis")
      yield* Fiber.interrupt(fiber)
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(Exit.hasInterrupts(exit))
      assert.strictEqual(proxy.seen.filter(FaultProxy.isAbort).length, 1)
      const [abort] = yield* recentOf(store, "s3.abortMultipart")
      assert.strictEqual(abort?.reason, "Unsupported")
      assert.deepStrictEqual(S3rver.completedObjects(server, BUCKET), [])
      const stats = yield* store.monitor.stats
      assert.strictEqual(stats.in_flight, 0)
    })))
})
