import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import * as OpenAi from "../../src/providers/openai/OpenAi.ts"
import * as FakeServer from "./FakeServer.ts"

/** A key shaped like a real one, so the scrubbing patterns are exercised too. */
export const KEY = "sk-test-SECRET-0123456789abcdefXYZ"

/** A fake server plus an OpenAI backend pointed at it (no retries, no breaker). */
export const setup = (handler: FakeServer.Handler, options?: Partial<OpenAi.Options>) =>
  Effect.gen(function*() {
    const server = yield* FakeServer.make(handler)
    const backend = yield* OpenAi.make({
      apiKey: Redacted.make(KEY),
      baseUrl: `${server.url}/v1`,
      model: "gpt-4o-mini",
      embeddingModel: "text-embedding-3-small",
      // Wire suites pin the translation; the pipeline's own suites test retry and the breaker.
      policy: { maxRetries: 0, circuitBreaker: false },
      ...options
    }).pipe(Effect.provide(FetchHttpClient.layer))
    return { server, backend }
  })
