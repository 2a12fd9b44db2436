/**
 * A fake TEI server plus the backend, reranker and extras pointed at it,
 * with no retries and no breaker unless a suite asks.
 */
import { Effect } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Tei from "../../../src/providers/tei/Tei.ts"
import * as FakeServer from "../../support/FakeServer.ts"

export const KEY = "hf_teiTestToken0000000000000000000000"

export const setup = (handler: FakeServer.Handler, options: Tei.Options = {}) =>
  Effect.gen(function*() {
    const server = yield* FakeServer.make(handler)
    const built = yield* Tei.build({
      baseUrl: server.url,
      policy: { maxRetries: 0, circuitBreaker: false },
      ...options
    }).pipe(Effect.provide(FetchHttpClient.layer))
    return { server, ...built }
  })

export const bodyOf = (server: FakeServer.FakeServer, i = 0) => server.requests[i]!.json as Record<string, unknown>

/** The requests the server saw on `path`. */
export const on = (server: FakeServer.FakeServer, path: string) => server.requests.filter((r) => r.url === path)
