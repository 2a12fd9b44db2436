/**
 * Fakes of OPEA's services written from GenAIComps `api_protocol.py` and the
 * gateway's streaming code (no recorded OPEA bodies exist), and an OPEA
 * deployment pointed at them: by default every service on one fake, with no
 * retries and no breaker (the pipeline suite turns those on).
 */
import { Effect } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Opea from "../../../src/providers/opea/Opea.ts"
import * as FakeServer from "../../support/FakeServer.ts"

export const KEY = "opea-test-SECRET-0123456789abcdef"

export const completion = (content: string, extra: Record<string, unknown> = {}) => ({
  id: "chatcmpl-opea1",
  object: "chat.completion",
  created: 1733000000,
  model: "Intel/neural-chat-7b-v3-3",
  choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
  usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
  ...extra
})

/** A chat-completion stream chunk as OPEA's text-generation service sends it. */
export const chunk = (content: string | undefined, finish: string | null = null) => ({
  id: "chatcmpl-opea1",
  object: "chat.completion.chunk",
  created: 1733000000,
  model: "Intel/neural-chat-7b-v3-3",
  choices: [{ index: 0, delta: content === undefined ? {} : { role: "assistant", content }, finish_reason: finish }]
})

export const textStream = (pieces: ReadonlyArray<string>, options?: { readonly done?: boolean }): FakeServer.Action => ({
  kind: "chunks",
  chunks: FakeServer.sse([...pieces.map((p) => chunk(p)), chunk(undefined, "stop")], options)
})

/** ChatQnA's non-stream answer: model "chatqna", a default all-zero `UsageInfo()`. */
export const chatqnaReply = (content: string) => ({
  id: "chatcmpl-XyZ",
  object: "chat.completion",
  created: 1733000000,
  model: "chatqna",
  choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop", metadata: null }],
  usage: { prompt_tokens: 0, total_tokens: 0, completion_tokens: 0 }
})

/** The gateway's legacy framing: `data: b'...'` per token, then `[DONE]`. */
export const bytesStream = (literals: ReadonlyArray<string>, done = true): FakeServer.Action => ({
  kind: "chunks",
  chunks: [...literals.map((l) => `data: ${l}\n\n`), ...(done ? ["data: [DONE]\n\n"] : [])]
})

export const embeddings = (vectors: ReadonlyArray<ReadonlyArray<number>>) => ({
  object: "list",
  model: "BAAI/bge-base-en-v1.5",
  data: vectors.map((embedding, index) => ({ index, object: "embedding", embedding })),
  usage: { prompt_tokens: 4, total_tokens: 4, completion_tokens: 0 }
})

export const reranked = (docs: ReadonlyArray<readonly [string, number]>) => ({
  reranked_docs: docs.map(([text, score]) => ({ text, score }))
})

export const health = { "Service Title": "opea_service@chatqna", "Service Description": "OPEA Microservice Infrastructure", "Version": "1.0" }

/** OPEA's own error body. */
export const errorBody = (code: number, message: string) => ({ object: "error", message, code })

/** Answers every OPEA route plausibly (streams when asked to). */
export const route: FakeServer.Handler = (request) => {
  const body = request.json as { stream?: boolean; input?: unknown; retrieved_docs?: ReadonlyArray<{ text: string }> } | undefined
  switch (request.url) {
    case "/v1/health_check":
      return { kind: "json", body: health }
    case "/v1/embeddings": {
      const n = Array.isArray(body?.input) ? body.input.length : 1
      return { kind: "json", body: embeddings(Array.from({ length: n }, (_, i) => [i, 0.5])) }
    }
    case "/v1/reranking": {
      const docs = body?.retrieved_docs ?? []
      return { kind: "json", body: reranked(docs.map((d, i) => [d.text, 1 / (i + 1)] as const).reverse()) }
    }
    case "/v1/chatqna":
      return body?.stream === true ? bytesStream(["b'OPEA'", "b' is'", "b' open.'"]) : { kind: "json", body: chatqnaReply("OPEA is open.") }
    default:
      return body?.stream === true ? textStream(["Hello", " there"]) : { kind: "json", body: completion("Hello there") }
  }
}

export const setup = (handler: FakeServer.Handler = route, options: Opea.Options = {}) =>
  Effect.gen(function*() {
    const server = yield* FakeServer.make(handler)
    const services = yield* Opea.build({
      baseUrl: server.url,
      model: "Intel/neural-chat-7b-v3-3",
      embeddingModel: "BAAI/bge-base-en-v1.5",
      policy: { maxRetries: 0, circuitBreaker: false },
      ...options
    }).pipe(Effect.provide(FetchHttpClient.layer))
    return { server, ...services }
  })

/** The JSON body of the `i`-th request. */
export const bodyOf = (server: FakeServer.FakeServer, i = 0) => server.requests[i]!.json as Record<string, unknown>
