import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Anthropic from "../../../src/providers/anthropic/Anthropic.ts"
import * as FakeServer from "../../support/FakeServer.ts"

/** A key shaped like a real one, so the scrubbing patterns are exercised too. */
export const KEY = "sk-ant-api03-SECRET-0123456789abcdefXYZ"

export const MODEL = "claude-sonnet-4-6"

/** A fake server plus a Claude backend pointed at it (no retries, no breaker). */
export const setup = (handler: FakeServer.Handler, options?: Partial<Anthropic.Options>) =>
  Effect.gen(function*() {
    const server = yield* FakeServer.make(handler)
    const backend = yield* Anthropic.make({
      apiKey: Redacted.make(KEY),
      baseUrl: `${server.url}/v1`,
      model: MODEL,
      // Wire suites pin the translation; the pipeline's own suites test retry and the breaker.
      policy: { maxRetries: 0, circuitBreaker: false },
      ...options
    }).pipe(Effect.provide(FetchHttpClient.layer))
    return { server, backend }
  })
