import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import * as OpenAi from "../../src/providers/openai/OpenAi.ts"
import * as FakeServer from "./FakeServer.ts"

/** A key shaped like a real one, so the scrubbing patterns are exercised too. */
export const KEY = "sk-test-SECRET-0123456789abcdefXYZ"

/** A fake server plus an OpenAI backend pointed at it. */
export const setup = (handler: FakeServer.Handler, options?: Partial<OpenAi.Options>) =>
  Effect.gen(function*() {
    const server = yield* FakeServer.make(handler)
    const backend = yield* OpenAi.make({
      apiKey: Redacted.make(KEY),
      baseUrl: `${server.url}/v1`,
      model: "gpt-4o-mini",
      embeddingModel: "text-embedding-3-small",
      ...options
    }).pipe(Effect.provide(FetchHttpClient.layer))
    return { server, backend }
  })
