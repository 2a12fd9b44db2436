/**
 * The header-safety rule over every provider in the shared table: a key no
 * HTTP header can carry (a line break inside it, a non-ASCII character) is a
 * `BackendConfigError` naming `apiKey` when the backend is built, never a
 * retryable `Network` error per call; nothing reaches the server and the
 * message never shows the value.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as FakeServer from "../support/FakeServer.ts"
import * as Providers from "../support/Providers.ts"

describe("header-unsafe keys, every provider", () => {
  for (const entry of Providers.all) {
    for (const [label, bad] of [["a line break inside", "\r\nx-evil: 1"], ["a non-ASCII character in", "\u00e9"]] as const) {
      it.live(`${entry.name}: ${label} the key fails at build naming apiKey; nothing is sent`, () =>
        Effect.gen(function*() {
          const server = yield* FakeServer.make(entry.answer)
          const key = `${entry.key.slice(0, 10)}${bad}${entry.key.slice(10)}`
          const exit = yield* Effect.exit(entry.build({
            apiKey: Redacted.make(key),
            baseUrl: `${server.url}${entry.basePath}`,
            model: "m",
            policy: { maxRetries: 0, circuitBreaker: false }
          }))
          assert.strictEqual(exit._tag, "Failure", "the build must fail")
          const error = exit._tag === "Failure" ? exit.cause.reasons.find((r) => r._tag === "Fail")?.error : undefined
          assert.strictEqual((error as { _tag?: string } | undefined)?._tag, "BackendConfigError")
          assert.strictEqual((error as { setting?: string }).setting, "apiKey")
          assert.notInclude(String((error as { message?: string }).message), entry.key.slice(12, 28), "the value is never shown")
          assert.strictEqual(server.requests.length, 0)
        }))
    }
  }
})
