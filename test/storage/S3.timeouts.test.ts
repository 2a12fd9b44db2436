/**
 * Per-operation timeouts: requests that move a body (put, whole get) run
 * under `transferTimeout`, not the policy's chat-sized `attemptTimeout`,
 * while small requests (head) keep the policy's. A server that takes 10
 * (virtual) seconds to answer, an attempt timeout of 2 s and a transfer
 * timeout of 1 minute tell the two apart; TestClock moves time.
 */
import { assert, describe, it } from "@effect/vitest"
import { type Duration, Effect, Fiber, Layer, Redacted } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import { TestClock } from "effect/testing"
import * as S3 from "../../src/storage/S3.ts"

const slowServer = (delay: Duration.Input) => {
  const seen: Array<string> = []
  const layer = Layer.succeed(HttpClient.HttpClient)(
    HttpClient.make((request, url) =>
      Effect.sync(() => seen.push(`${request.method} ${url.pathname}`)).pipe(
        Effect.andThen(Effect.sleep(delay)),
        Effect.as(HttpClientResponse.fromWeb(
          request,
          new Response(request.method === "HEAD" ? null : "body", {
            status: 200,
            headers: { etag: "\"e\"", "content-length": "4", "last-modified": "Wed, 01 Jan 2025 00:00:00 GMT" }
          })
        ))
      )
    )
  )
  return { seen, layer }
}

const build = (server: ReturnType<typeof slowServer>) =>
  S3.make({
    endpoint: "http://127.0.0.1:9000",
    accessKeyId: "AKIATEST",
    secretAccessKey: Redacted.make("timeout-secret-value"),
    policy: { attemptTimeout: "2 seconds", maxRetries: 0, maxTimeoutRetries: 0 },
    transferTimeout: "1 minute"
  }).pipe(Effect.provide(server.layer))

const ref = { bucket: "kit", key: "big/object.bin" }

describe("S3 per-operation timeouts", () => {
  it.effect("put and a whole get outlast the policy's attemptTimeout under transferTimeout", () =>
    Effect.gen(function*() {
      const server = slowServer("10 seconds")
      const store = yield* build(server)
      const put = yield* Effect.forkChild(store.put({ ...ref, body: "data" }))
      const get = yield* Effect.forkChild(store.get(ref))
      yield* TestClock.adjust("11 seconds")
      const putExit = yield* Fiber.await(put)
      const getExit = yield* Fiber.await(get)
      assert.strictEqual(putExit._tag, "Success", String(putExit))
      assert.strictEqual(getExit._tag, "Success", String(getExit))
      assert.deepStrictEqual(server.seen, ["PUT /kit/big/object.bin", "GET /kit/big/object.bin"])
    }))

  it.effect("a head keeps the policy's attemptTimeout: Timeout after 2 s, one request", () =>
    Effect.gen(function*() {
      const server = slowServer("10 seconds")
      const store = yield* build(server)
      const head = yield* Effect.forkChild(store.head(ref))
      yield* TestClock.adjust("3 seconds")
      const error = yield* Effect.flip(Fiber.join(head))
      assert.strictEqual(error.reason._tag, "Timeout")
      assert.deepStrictEqual(server.seen, ["HEAD /kit/big/object.bin"])
    }))

  it.effect("a transfer slower than transferTimeout times out too", () =>
    Effect.gen(function*() {
      const server = slowServer("2 minutes")
      const store = yield* build(server)
      const put = yield* Effect.forkChild(store.put({ ...ref, body: "data" }))
      yield* TestClock.adjust("61 seconds")
      const error = yield* Effect.flip(Fiber.join(put))
      assert.strictEqual(error.reason._tag, "Timeout")
      assert.strictEqual(server.seen.length, 1)
    }))
})
