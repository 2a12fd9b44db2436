/**
 * Three keys against a local server that enforces per-key limits: "limited"
 * may make 2 requests a second (then 429 with Retry-After), "invalid" is
 * rejected with 401, "good" always works.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { Message, OpenAi } from "../../src/index.ts"
import * as FakeServer from "../support/FakeServer.ts"
import * as Fixtures from "../support/OpenAiFixtures.ts"

const hi = { messages: [Message.user("Hi")] }

describe("key pool against a server with per-key limits", () => {
  it.live("no 429 storm, every call completes, and the invalid key is never tried after ejection", () =>
    Effect.gen(function*() {
      const windowStart = new Map<string, { start: number; count: number }>()
      const seen: Record<string, number> = {}
      let statuses429 = 0
      const server = yield* FakeServer.make((request) => {
        const key = request.headers["authorization"]?.replace("Bearer ", "") ?? ""
        seen[key] = (seen[key] ?? 0) + 1
        if (key === "sk-invalid-000") return { kind: "json", status: 401, body: Fixtures.errorBody("Incorrect API key", "invalid_request_error", "invalid_api_key") }
        if (key === "sk-limited-000") {
          const now = Date.now()
          const w = windowStart.get(key)
          if (w === undefined || now - w.start >= 1000) windowStart.set(key, { start: now, count: 1 })
          else if (++w.count > 2) {
            statuses429++
            return { kind: "json", status: 429, headers: { "retry-after": "1" }, body: Fixtures.errorBody("Rate limit reached", "requests", "rate_limit_exceeded") }
          }
        }
        return { kind: "chunks", headers: { "content-type": "application/json" }, chunks: [JSON.stringify(Fixtures.completion({}))], firstDelayMs: 10 }
      })
      const backend = yield* OpenAi.make({
        baseUrl: `${server.url}/v1`,
        model: "m",
        apiKeys: [
          { name: "limited", value: Redacted.make("sk-limited-000") },
          { name: "invalid", value: Redacted.make("sk-invalid-000") },
          { name: "good", value: Redacted.make("sk-good-000000") }
        ],
        policy: { maxConcurrentRequests: 4, initialRetryDelay: 20, maxRetryDelay: 100 }
      }).pipe(Effect.provide(FetchHttpClient.layer))

      // Two calls alone first, so the invalid key meets its 401 before the burst.
      for (let i = 0; i < 2; i++) assert.strictEqual((yield* backend.chat(hi)).text, "Hello there.")
      const results = yield* Effect.forEach(
        Array.from({ length: 30 }),
        () => Effect.exit(backend.chat(hi)),
        { concurrency: "unbounded" }
      ).pipe(Effect.timeout("20 seconds"))

      assert.isTrue(results.every((exit) => exit._tag === "Success"), "every call completed")
      assert.strictEqual(seen["sk-invalid-000"], 1, "the invalid key was tried once, then ejected")
      assert.isAtMost(statuses429, 2, `no 429 storm (the server returned ${statuses429})`)
      const stats = yield* backend.monitor.stats
      assert.strictEqual(stats.total_requests, 32)
      assert.strictEqual(stats.total_requests, stats.successful_requests + stats.failed_requests + stats.interrupted_requests)
      const byName = Object.fromEntries(stats.keys.map((k) => [k.name, k]))
      assert.strictEqual(byName["invalid"]?.state, "ejected")
      assert.strictEqual(byName["limited"]?.failures["RateLimited"] ?? 0, statuses429)
      const report = yield* backend.monitor.report("text")
      assert.include(report, "keys.invalid")
      assert.notInclude(report, "sk-")
    }), 30_000)
})
