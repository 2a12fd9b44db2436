/**
 * Bodies are read within their caps and the connection is closed at the cap,
 * measured from the server: with a 1 MiB cap against a 16 MiB body the server
 * manages to write the cap plus a chunk or two, never the body.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import { Message, Ollama, OpenAi } from "../../src/index.ts"
import * as Flood from "../support/FloodServer.ts"

const hi = { messages: [Message.user("Hi")] }
const MiB = 1024 * 1024
const CHUNK = 64 * 1024
// The cap plus the pieces in flight when the client let go (socket buffers on loopback).
const SLACK = 8 * CHUNK

const openAi = (url: string, policy: OpenAi.Options["policy"]) =>
  OpenAi.make({ apiKey: Redacted.make("sk-caps-0123456789"), baseUrl: `${url}/v1`, model: "m", policy: { maxRetries: 2, ...policy } }).pipe(
    Effect.provide(FetchHttpClient.layer)
  )

const heapMiB = () => process.memoryUsage().heapUsed / MiB

describe("body caps", () => {
  it.live("a non-streaming body over maxResponseBytes fails naming the cap; the server wrote about the cap", () =>
    Effect.gen(function*() {
      const flood = yield* Flood.make({ total: 16 * MiB, chunkSize: CHUNK })
      const backend = yield* openAi(flood.url, { maxResponseBytes: MiB })
      const before = heapMiB()
      const error = yield* Effect.flip(backend.chat(hi))
      yield* flood.settled
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      assert.include(error.message, "maxResponseBytes")
      assert.isFalse(error.retryable)
      assert.isTrue(flood.cutShort(), "the connection was closed before the body ended")
      assert.isAtMost(flood.written(), MiB + SLACK)
      assert.isAtLeast(flood.written(), MiB)
      // Loose: nowhere near the 16 MiB body was held.
      assert.isBelow(heapMiB() - before, 12)
    }))

  it.live("a declared content-length over the cap fails before the body is read", () =>
    Effect.gen(function*() {
      const flood = yield* Flood.make({ total: 16 * MiB, chunkSize: CHUNK, declareLength: true })
      const backend = yield* openAi(flood.url, { maxResponseBytes: MiB })
      const error = yield* Effect.flip(backend.chat(hi))
      yield* flood.settled
      assert.include(error.message, "maxResponseBytes")
      assert.isTrue(flood.cutShort())
      assert.isAtMost(flood.written(), SLACK)
    }))

  it.live("an SSE event that never ends fails at maxEventBytes; the server wrote about the cap", () =>
    Effect.gen(function*() {
      const flood = yield* Flood.make({ total: 16 * MiB, chunkSize: CHUNK, contentType: "text/event-stream", prefix: "data: {\"x\":\"" })
      const backend = yield* openAi(flood.url, { maxEventBytes: MiB })
      const error = yield* Effect.flip(Stream.runDrain(backend.stream(hi)))
      yield* flood.settled
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      assert.include(error.message, "maxEventBytes")
      assert.isTrue(flood.cutShort())
      assert.isAtMost(flood.written(), MiB + SLACK)
    }))

  it.live("an NDJSON line that never ends fails at maxEventBytes (Ollama)", () =>
    Effect.gen(function*() {
      const flood = yield* Flood.make({ total: 16 * MiB, chunkSize: CHUNK, contentType: "application/x-ndjson", prefix: "{\"x\":\"" })
      const backend = yield* Ollama.make({ baseUrl: flood.url, model: "m", policy: { maxRetries: 0, maxEventBytes: MiB } }).pipe(
        Effect.provide(FetchHttpClient.layer)
      )
      const error = yield* Effect.flip(Stream.runDrain(backend.stream(hi)))
      yield* flood.settled
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      assert.include(error.message, "maxEventBytes")
      assert.isTrue(flood.cutShort())
      assert.isAtMost(flood.written(), MiB + SLACK)
    }))

  it.live("an error body is read only as far as classifying it needs (64 KiB)", () =>
    Effect.gen(function*() {
      const flood = yield* Flood.make({ total: 16 * MiB, chunkSize: CHUNK, status: 500 })
      const backend = yield* openAi(flood.url, { maxRetries: 0 })
      const error = yield* Effect.flip(backend.chat(hi))
      yield* flood.settled
      assert.strictEqual(error.reason._tag, "ServerError")
      assert.isTrue(flood.cutShort())
      assert.isAtMost(flood.written(), 64 * 1024 + SLACK)
    }))
})
