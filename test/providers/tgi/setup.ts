/**
 * A fake TGI server plus a backend and its native routes pointed at it
 * (self-hosted unless told otherwise), with no retries and no breaker
 * unless a suite asks (the pipeline's own suites test those).
 */
import { Effect } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Tgi from "../../../src/providers/tgi/Tgi.ts"
import * as FakeServer from "../../support/FakeServer.ts"

export const KEY = "hf_tgiTestToken0000000000000000000000"

export const setup = (handler: FakeServer.Handler, options: Tgi.Options = {}) =>
  Effect.gen(function*() {
    const server = yield* FakeServer.make(handler)
    const built = yield* Tgi.build({
      baseUrl: server.url,
      policy: { maxRetries: 0, circuitBreaker: false },
      ...options
    }).pipe(Effect.provide(FetchHttpClient.layer))
    return { server, backend: built.backend, api: built.api }
  })

/** The JSON body of the `i`-th request. */
export const bodyOf = (server: FakeServer.FakeServer, i = 0) => server.requests[i]!.json as Record<string, unknown>
