/**
 * The llama-server classification cases end to end, through a real backend
 * over a local server with retries and the breaker on: a context overflow
 * reaches the caller as a fallbackable `ContextLengthExceeded` after one
 * request, and an embedding input over the server's batch size (a 500 saying
 * the input is too large) is an `InvalidRequest` that is neither retried nor
 * counted by the breaker, so chat keeps working.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { Message, OpenAi } from "../../src/index.ts"
import * as FakeServer from "../support/FakeServer.ts"
import * as OpenAiFixtures from "../support/OpenAiFixtures.ts"

const policy = { maxRetries: 5, initialRetryDelay: 10, jitter: false, circuitBreaker: true, failureThreshold: 2 }

const backendAt = (url: string) =>
  OpenAi.make({ apiKey: Redacted.make("sk-llama-0123456789abcdef"), baseUrl: `${url}/v1`, model: "m", policy }).pipe(
    Effect.provide(FetchHttpClient.layer)
  )

describe("llama-server errors through a backend", () => {
  it.live("a 400 exceed_context_size_error is ContextLengthExceeded (fallbackable) after one request", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(() => ({
        kind: "json",
        status: 400,
        body: {
          error: {
            code: 400,
            message: "request (1811 tokens) exceeds the available context size (1024 tokens), try increasing it",
            type: "exceed_context_size_error"
          }
        }
      }))
      const backend = yield* backendAt(server.url)
      const error = yield* Effect.flip(backend.chat({ messages: [Message.user("a long prompt")] }))
      assert.strictEqual(error.reason._tag, "ContextLengthExceeded")
      assert.isTrue(error.fallbackable)
      assert.strictEqual(server.requests.length, 1)
    }))

  it.live("a 500 'input is too large' embedding is InvalidRequest: one request each, the breaker stays closed, chat still works", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make((request) =>
        request.url.endsWith("/embeddings")
          ? {
            kind: "json",
            status: 500,
            body: { error: { code: 500, message: "input (602 tokens) is too large to process. increase the physical batch size", type: "server_error" } }
          }
          : { kind: "json", body: OpenAiFixtures.completion({}) }
      )
      const backend = yield* backendAt(server.url)
      for (let i = 0; i < 3; i++) {
        const error = yield* Effect.flip(backend.embed({ input: ["x ".repeat(602)] }))
        assert.strictEqual(error.reason._tag, "InvalidRequest")
      }
      assert.strictEqual(server.requests.length, 3, "never retried")
      assert.strictEqual(yield* backend.monitor.breaker, "closed")
      yield* backend.chat({ messages: [Message.user("Hi")] })
      assert.strictEqual(server.requests.length, 4)
    }))
})
