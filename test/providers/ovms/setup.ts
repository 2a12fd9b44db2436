/**
 * A fake server plus an OVMS deployment's three services pointed at it, with
 * no retries and no breaker unless a suite asks (the pipeline's own suites
 * test those).
 */
import { Effect } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Ovms from "../../../src/providers/ovms/Ovms.ts"
import * as FakeServer from "../../support/FakeServer.ts"
import * as Fixtures from "./fixtures.ts"

export const setup = (handler: FakeServer.Handler, options: Ovms.Options = {}) =>
  Effect.gen(function*() {
    const server = yield* FakeServer.make(handler)
    const services = yield* Ovms.build({
      baseUrl: server.url,
      model: "llama3",
      embeddingModel: "gte-large",
      rerankModel: "bge-reranker",
      policy: { maxRetries: 0, circuitBreaker: false },
      ...options
    }).pipe(Effect.provide(FetchHttpClient.layer))
    return { server, ...services }
  })

/** The JSON body of the `i`-th request. */
export const bodyOf = (server: FakeServer.FakeServer, i = 0) => server.requests[i]!.json as Record<string, unknown>

/** Answers every OVMS route with a plausible reply (streams when asked to). */
export const route: FakeServer.Handler = (request) => {
  const body = request.json as { stream?: boolean; input?: unknown; documents?: ReadonlyArray<string> } | undefined
  const path = request.url
  if (path === "/v3/chat/completions") {
    return body?.stream === true
      ? { kind: "chunks", chunks: FakeServer.sse(Fixtures.streamFrames(["Hel", "lo!"])) }
      : { kind: "json", body: Fixtures.completion() }
  }
  if (path === "/v3/embeddings") {
    const n = Array.isArray(body?.input) ? body.input.length : 1
    return { kind: "json", body: Fixtures.embeddings(Array.from({ length: n }, (_, i) => [i, 0.5])) }
  }
  if (path === "/v3/rerank") return { kind: "json", body: Fixtures.rerank((body?.documents ?? []).map((_, i) => 0.1 * (i + 1))) }
  if (path === "/v1/config") return { kind: "json", body: Fixtures.configStatus }
  if (path.endsWith("/infer")) return Fixtures.echoInfer(request)
  if (path.endsWith("/ready") || path === "/v2/health/live") return { kind: "text", body: "" }
  if (path.startsWith("/v2/models/")) return { kind: "json", body: Fixtures.metadata }
  return Fixtures.kserveError(404, `no route ${path}`)
}
