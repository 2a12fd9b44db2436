/**
 * The Ollama backend through the whole pipeline (the only Ollama suite with
 * retries on): what its translation hands the pipeline must retry when
 * Ollama failed cleanly, and must not when an answer was already streaming.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import * as Message from "../../../src/domain/Message.ts"
import type * as LlmError from "../../../src/LlmError.ts"
import * as Fixtures from "../../support/OllamaFixtures.ts"
import { setup } from "./setup.ts"

const hi = { messages: [Message.user("Hi")] }
const policy = { maxRetries: 2, initialRetryDelay: 20, maxRetryDelay: 100, attemptTimeout: 2000, idleTimeout: 2000 } as const

describe("Ollama through the pipeline", () => {
  it.live("a 500 {error} then a reply: retried once, succeeds, accounted once", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(
        (_, i) =>
          i === 0
            ? { kind: "json", status: 500, body: Fixtures.errorBody("the model failed to generate a response") }
            : { kind: "json", body: Fixtures.chatReply({ content: "fine" }) },
        { policy }
      )
      const reply = yield* backend.chat(hi).pipe(Effect.timeout("5 seconds"))
      assert.strictEqual(reply.text, "fine")
      assert.strictEqual(server.requests.length, 2)
      const stats = yield* backend.monitor.stats
      assert.strictEqual(stats.total_requests, 1)
      assert.strictEqual(stats.successful_requests, 1)
      assert.strictEqual(stats.retried_requests, 1)
    }))

  it.live("a stream cut after content is StreamTruncated and is not retried", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(
        () => Fixtures.stream([Fixtures.chatLine("Half an "), Fixtures.chatLine("answer")], { end: "close" }),
        { policy }
      )
      const seen: Array<string> = []
      const error = yield* Effect.flip(
        Stream.runForEach(backend.stream(hi), (c) => Effect.sync(() => c._tag === "TextDelta" && seen.push(c.text))).pipe(
          Effect.timeout("5 seconds")
        )
      )
      assert.strictEqual((error as LlmError.LlmError).reason._tag, "StreamTruncated")
      assert.deepStrictEqual(seen, ["Half an ", "answer"])
      assert.strictEqual(server.requests.length, 1, "content was delivered: a retry would repeat it")
      const stats = yield* backend.monitor.stats
      assert.strictEqual(stats.total_requests, 1)
      assert.strictEqual(stats.failed_requests, 1)
      assert.deepStrictEqual(stats.errors_by_type, { StreamTruncated: 1 })
    }))
})
