/**
 * A fake server plus an Ollama backend and its extras pointed at it, with no
 * retries and no breaker (the pipeline's own suites test those).
 */
import { Effect } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Ollama from "../../../src/providers/ollama/Ollama.ts"
import * as FakeServer from "../../support/FakeServer.ts"
import * as Fixtures from "../../support/OllamaFixtures.ts"

export const setup = (handler: FakeServer.Handler, options: Ollama.Options = {}) =>
  Effect.gen(function*() {
    const server = yield* FakeServer.make(handler)
    const settings: Ollama.Options = {
      baseUrl: server.url,
      model: "llama3.2",
      embeddingModel: "all-minilm",
      policy: { maxRetries: 0, circuitBreaker: false },
      ...options
    }
    const backend = yield* Ollama.make(settings).pipe(Effect.provide(FetchHttpClient.layer))
    const api = yield* Ollama.makeApi(settings).pipe(Effect.provide(FetchHttpClient.layer))
    return { server, backend, api }
  })

/** The JSON body of the `i`-th request. */
export const bodyOf = (server: FakeServer.FakeServer, i = 0) => server.requests[i]!.json as Record<string, unknown>

/** A tiny base64 image. */
export const PNG = "iVBORw0KGgo="
/** Answers every route with a plausible reply (streams when asked to). */
export const route: FakeServer.Handler = (request) => {
  const body = request.json as { stream?: boolean; input?: unknown } | undefined
  if (request.url === "/api/tags") return { kind: "json", body: Fixtures.tagsReply }
  if (request.url === "/api/show") return { kind: "json", body: Fixtures.showReply }
  if (request.url === "/api/version") return { kind: "json", body: { version: "0.12.6" } }
  if (request.url === "/api/pull") return Fixtures.stream(Fixtures.pullLines)
  if (request.url === "/api/embed") {
    const n = Array.isArray(body?.input) ? body.input.length : 1
    return { kind: "json", body: Fixtures.embedReply(Array.from({ length: n }, (_, i) => [i, 0.5])) }
  }
  if (request.url === "/api/generate") {
    return body?.stream === true
      ? Fixtures.stream([Fixtures.generateLine("Hi"), Fixtures.generateLine("!", {})])
      : { kind: "json", body: Fixtures.generateReply() }
  }
  return body?.stream === true
    ? Fixtures.stream([Fixtures.chatLine("Hi"), Fixtures.chatDone()])
    : { kind: "json", body: Fixtures.chatReply() }
}
