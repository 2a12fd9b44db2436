/**
 * The deadline rule over real sockets, with wide slack: a server that always
 * answers 503 ends the call inside its deadline as `Overloaded`, with the
 * server's request count matching the attempts the pipeline reports.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { Message, OpenAi } from "../../src/index.ts"
import * as FakeServer from "../support/FakeServer.ts"
import * as Fixtures from "../support/OpenAiFixtures.ts"

describe("deadline over a real socket", () => {
  it.live("a persistent 503 with a 2 s deadline ends before it as Overloaded, not Timeout(total)", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(() => ({
        kind: "json",
        status: 503,
        body: Fixtures.errorBody("overloaded", "server_error")
      }))
      const backend = yield* OpenAi.make({
        apiKey: Redacted.make("sk-deadline-live-000000"),
        baseUrl: `${server.url}/v1`,
        model: "m",
        policy: { initialRetryDelay: 300, jitter: false, minAttemptTime: 500, circuitBreaker: false }
      }).pipe(Effect.provide(FetchHttpClient.layer))
      const started = Date.now()
      const error = yield* Effect.flip(backend.chat({ messages: [Message.user("Hi")] }, { timeout: "2 seconds" }))
      const elapsed = Date.now() - started
      assert.strictEqual(error.reason._tag, "Overloaded")
      assert.strictEqual(error.endedByDeadline, true)
      // Attempts near 0, 0.3 and 0.9 s; the next backoff (1.2 s) plus 0.5 s would end past 2 s.
      assert.isBelow(elapsed, 2000, "ended inside the deadline, with time left to act")
      const s = yield* backend.monitor.stats
      assert.strictEqual(s.total_requests, 1)
      assert.strictEqual(server.requests.length, s.attempts_started)
      assert.strictEqual(s.attempts_answered, server.requests.length)
      assert.isAtLeast(server.requests.length, 2)
    }))
})
