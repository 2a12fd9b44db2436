/**
 * The Gemini backend through the whole pipeline (retries on), against a
 * local server: Gemini's own wait hint (RetryInfo.retryDelay in the body, not
 * a header) drives the retry, and a persistent 503 ends as Overloaded.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { Message } from "../../../src/index.ts"
import type * as LlmError from "../../../src/LlmError.ts"
import * as Gemini from "../../../src/providers/gemini/Gemini.ts"
import * as FakeServer from "../../support/FakeServer.ts"
import * as Fixtures from "../../support/GeminiFixtures.ts"

const hi = { messages: [Message.user("Hi")] }

const setup = (handler: FakeServer.Handler) =>
  Effect.gen(function*() {
    const server = yield* FakeServer.make(handler)
    const backend = yield* Gemini.make({
      apiKey: Redacted.make(Fixtures.KEY),
      baseUrl: `${server.url}/v1beta`,
      model: "gemini-2.0-flash",
      policy: { maxRetries: 2, initialRetryDelay: 20, maxRetryDelay: 100, attemptTimeout: 2_000, failureThreshold: 10 }
    }).pipe(Effect.provide(FetchHttpClient.layer))
    return { server, backend }
  })

const outcome = <A>(effect: Effect.Effect<A, LlmError.LlmError>) =>
  effect.pipe(
    Effect.timeout("8 seconds"),
    Effect.exit,
    Effect.map((exit) => {
      if (Exit.isSuccess(exit)) return { tag: "success", error: undefined }
      const fail = exit.cause.reasons.find((r) => r._tag === "Fail")
      const error = fail?._tag === "Fail" ? fail.error as LlmError.LlmError : undefined
      return { tag: error?.reason?._tag ?? `hung or died: ${exit.cause}`, error }
    })
  )

describe("Gemini through the pipeline", () => {
  it.live("429 with RetryInfo retryDelay \"1s\" waits about a second (not the 20 ms backoff), then succeeds", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup((_, i) =>
        i === 0 ? { kind: "json", status: 429, body: Fixtures.rateLimited("1s") } : { kind: "json", body: Fixtures.response({ parts: [{ text: "fine" }] }) }
      )
      const started = Date.now()
      const result = yield* outcome(backend.chat(hi))
      const waited = Date.now() - started
      assert.strictEqual(result.tag, "success")
      assert.isAtLeast(waited, 950, "waited for retryDelay")
      assert.isBelow(waited, 5_000)
      assert.strictEqual(server.requests.length, 2)
      const stats = yield* backend.monitor.stats
      assert.strictEqual(stats.total_requests, 1)
      assert.strictEqual(stats.successful_requests, 1)
      assert.strictEqual(stats.retried_requests, 1)
    }), 15_000)

  it.live("503 UNAVAILABLE on every attempt fails as Overloaded after the retries", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(() => ({ kind: "json", status: 503, body: Fixtures.overloaded }))
      const result = yield* outcome(backend.chat(hi))
      assert.strictEqual(result.tag, "Overloaded")
      assert.strictEqual(result.error?.attempts, 3)
      assert.strictEqual(result.error?.status, 503)
      assert.strictEqual(server.requests.length, 3)
      const stats = yield* backend.monitor.stats
      assert.strictEqual(stats.total_requests, stats.successful_requests + stats.failed_requests + stats.interrupted_requests)
      assert.deepStrictEqual(stats.errors_by_type, { Overloaded: 1 })
    }), 15_000)
})
