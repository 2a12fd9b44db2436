/**
 * A fake generic model server (routes as in PROVIDERS.md, answers written
 * from that contract) and an `Llvm` deployment pointed at it, with no
 * retries and no breaker unless a test asks for them.
 */
import { Effect } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Llvm from "../../../src/providers/llvm/Llvm.ts"
import * as FakeServer from "../../support/FakeServer.ts"

export const KEY = "llvm-test-SECRET-0123456789abcdef"

const completion = (text: string) => ({
  id: "cmpl-1",
  object: "text_completion",
  model: "tiny",
  choices: [{ index: 0, text, finish_reason: "stop" }],
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 }
})

const chatCompletion = (content: string) => ({
  id: "chatcmpl-1",
  model: "tiny",
  choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 }
})

/** Echoes what it got: infer answers `{result: {echo: input}}`, batches one result per input. */
export const route: FakeServer.Handler = (request) => {
  const body = request.json as { input?: unknown; inputs?: ReadonlyArray<unknown>; stream?: boolean } | undefined
  const path = request.url
  if (request.method === "GET" && path === "/models") {
    return { kind: "json", body: { models: [{ id: "tiny", owned_by: "lab" }, "small", { name: "named" }] } }
  }
  if (request.method === "GET" && path.startsWith("/models/")) {
    return { kind: "json", body: { id: decodeURIComponent(path.slice("/models/".length)), inputs: ["text"] } }
  }
  if (path.endsWith("/batch_infer")) {
    return { kind: "json", body: { results: (body?.inputs ?? []).map((input) => ({ echo: input })) } }
  }
  if (path.endsWith("/infer")) return { kind: "json", body: { result: { echo: body?.input } } }
  if (path === "/v1/completions") {
    return body?.stream === true
      ? {
        kind: "chunks",
        chunks: FakeServer.sse([
          { id: "cmpl-1", choices: [{ index: 0, text: "Hel", finish_reason: null }] },
          { id: "cmpl-1", choices: [{ index: 0, text: "lo", finish_reason: "stop" }] }
        ])
      }
      : { kind: "json", body: completion("Hello") }
  }
  if (path === "/v1/chat/completions") {
    return body?.stream === true
      ? {
        kind: "chunks",
        chunks: FakeServer.sse([
          { id: "c", choices: [{ index: 0, delta: { content: "Hi" }, finish_reason: null }] },
          { id: "c", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }
        ])
      }
      : { kind: "json", body: chatCompletion("Hi") }
  }
  return { kind: "json", status: 404, body: { detail: `no route ${path}` } }
}

export const setup = (handler: FakeServer.Handler = route, options: Llvm.Options = {}) =>
  Effect.gen(function*() {
    const server = yield* FakeServer.make(handler)
    const services = yield* Llvm.build({
      baseUrl: server.url,
      model: "tiny",
      policy: { maxRetries: 0, circuitBreaker: false },
      ...options
    }).pipe(Effect.provide(FetchHttpClient.layer))
    return { server, ...services }
  })

export const bodyOf = (server: FakeServer.FakeServer, i = 0) => server.requests[i]!.json as Record<string, unknown>
