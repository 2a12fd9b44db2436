import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Gemini from "../../../src/providers/gemini/Gemini.ts"
import * as FakeServer from "../../support/FakeServer.ts"
import { KEY } from "../../support/GeminiFixtures.ts"

/** A fake server plus a Gemini backend pointed at `<server>/v1beta` (no retries, no breaker). */
export const setup = (handler: FakeServer.Handler, options?: Partial<Gemini.Options>) =>
  Effect.gen(function*() {
    const server = yield* FakeServer.make(handler)
    const backend = yield* Gemini.make({
      apiKey: Redacted.make(KEY),
      baseUrl: `${server.url}/v1beta`,
      model: "gemini-2.0-flash",
      embeddingModel: "text-embedding-004",
      // Wire suites pin the translation; the pipeline's own suites test retry and the breaker.
      policy: { maxRetries: 0, circuitBreaker: false },
      ...options
    }).pipe(Effect.provide(FetchHttpClient.layer))
    return { server, backend }
  })

/** The reason tag of a failure that escaped as `unknown` (streams). */
export const reasonOf = (error: unknown): string => (error as { reason: { _tag: string } }).reason._tag
