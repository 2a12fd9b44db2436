/**
 * The Claude backend through the whole pipeline (retries on, small delays):
 * Anthropic's own overload signals are retried before any content and never
 * after it.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Redacted, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import { ChatChunk, Message } from "../../../src/index.ts"
import type * as LlmError from "../../../src/LlmError.ts"
import * as Anthropic from "../../../src/providers/anthropic/Anthropic.ts"
import * as FakeServer from "../../support/FakeServer.ts"
import * as Fixtures from "../../support/AnthropicFixtures.ts"

const hi = { messages: [Message.user("Hi")] }

const setup = (handler: FakeServer.Handler) =>
  Effect.gen(function*() {
    const server = yield* FakeServer.make(handler)
    const backend = yield* Anthropic.make({
      apiKey: Redacted.make("sk-ant-pipeline-0000000000"),
      baseUrl: `${server.url}/v1`,
      model: "claude-haiku-4-5",
      policy: { maxRetries: 2, initialRetryDelay: 20, maxRetryDelay: 100, attemptTimeout: 2000, jitter: false }
    }).pipe(Effect.provide(FetchHttpClient.layer))
    return { server, backend }
  })

const overloaded: FakeServer.Action = { kind: "json", status: 529, body: Fixtures.errorBody("overloaded_error", "Overloaded") }

/** The call's typed failure reason, or "success"; bounded so a hang fails the test. */
const outcome = <A>(effect: Effect.Effect<A, LlmError.LlmError>) =>
  effect.pipe(
    Effect.timeout("5 seconds"),
    Effect.exit,
    Effect.map((exit) => {
      if (Exit.isSuccess(exit)) return "success"
      const fail = exit.cause.reasons.find((r) => r._tag === "Fail")
      return fail?._tag === "Fail" ? (fail.error as LlmError.LlmError).reason._tag : `hung or died: ${exit.cause}`
    })
  )

describe("Claude through the pipeline", () => {
  it.live("a 529 overloaded_error is retried, and the next attempt's answer is returned", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup((_, i) => i === 0 ? overloaded : { kind: "json", body: Fixtures.message() })
      assert.strictEqual(yield* outcome(backend.chat(hi)), "success")
      assert.strictEqual(server.requests.length, 2)
      const stats = yield* backend.monitor.stats
      assert.strictEqual(stats.retried_requests, 1)
      assert.strictEqual(stats.successful_requests, 1)
    }))

  it.live("an overloaded error event before any content is retried like a 529", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup((_, i) =>
        i === 0
          ? { kind: "chunks", chunks: [Fixtures.messageStart(12), Fixtures.errorEvent("overloaded_error", "Overloaded")] }
          : { kind: "chunks", chunks: Fixtures.textStream(["fine"]) }
      )
      const reply = yield* ChatChunk.collect(backend.stream(hi)).pipe(Effect.timeout("5 seconds"))
      assert.strictEqual(reply.text, "fine")
      assert.strictEqual(server.requests.length, 2)
    }))

  it.live("an overloaded error event after content fails the stream and is not retried", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(() => ({
        kind: "chunks",
        chunks: [
          Fixtures.messageStart(12),
          Fixtures.blockStart(0, Fixtures.text("")),
          Fixtures.textDelta(0, "Half an"),
          Fixtures.errorEvent("overloaded_error", "Overloaded")
        ]
      }))
      const seen: Array<string> = []
      const result = yield* outcome(
        Stream.runForEach(backend.stream(hi), (c) => Effect.sync(() => c._tag === "TextDelta" && seen.push(c.text)))
      )
      assert.strictEqual(result, "Overloaded")
      assert.deepStrictEqual(seen, ["Half an"], "the caller saw the content once")
      assert.strictEqual(server.requests.length, 1)
      const stats = yield* backend.monitor.stats
      assert.strictEqual(stats.failed_requests, 1)
      assert.strictEqual(stats.retried_requests, 0)
    }))
})
