/**
 * Gemini's native API (Google's Generative Language API, v1beta) as a
 * `Provider`: `:generateContent`, `:streamGenerateContent?alt=sse`,
 * `:embedContent` / `:batchEmbedContents` and the paginated `GET /models`.
 *
 * @since 0.1.0
 */
import { Effect, Result, Stream } from "effect"
import type { ChatRequest } from "../../domain/Chat.ts"
import { EmbedResponse } from "../../domain/Embedding.ts"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import * as LlmError from "../../LlmError.ts"
import type { Provider } from "../../pipeline/Provider.ts"
import type { CallContext, ProviderHttp } from "../../transport/ProviderHttp.ts"
import * as FromWire from "./fromWire.ts"
import * as StreamDecoder from "./StreamDecoder.ts"
import * as ToWire from "./toWire.ts"
import * as Wire from "./Wire.ts"

/**
 * The header carrying the key. Gemini also accepts `?key=` in the URL; we
 * never use it (URLs end up in logs, proxies and traces).
 *
 * @since 0.1.0
 */
export const KEY_HEADER = "x-goog-api-key"

/** `:batchEmbedContents` takes at most this many requests per call. */
const BATCH_LIMIT = 100
/** A bound on `GET /models` pages, so a server repeating tokens cannot loop us. */
const MAX_PAGES = 50

/**
 * Builds the raw operations over a configured transport.
 *
 * @since 0.1.0
 */
export const make = (http: ProviderHttp): Provider => {
  const provider = http.provider

  const mapped = <A>(call: CallContext, result: Result.Result<A, LlmError.Reason>) =>
    Effect.mapError(Effect.fromResult(result), (reason) => http.fail(call, reason))

  const prepare = (request: ChatRequest, call: CallContext) =>
    Effect.all({
      resource: mapped(call, ToWire.modelResource(call.model ?? "")),
      body: mapped(call, ToWire.generateBody(request))
    })

  const context = (call: CallContext, model: string, providerRequestId: string | undefined) => ({
    provider,
    model,
    requestId: call.requestId,
    providerRequestId
  })

  return {
    provider,

    chat: (request, call) =>
      Effect.gen(function*() {
        const { body, resource } = yield* prepare(request, call)
        const reply = yield* http.json({ method: "POST", path: `/${resource}:generateContent`, body }, call, Wire.GenerateContentResponse)
        const response = FromWire.chatResponse(reply.body, context(call, call.model ?? "", reply.providerRequestId))
        return yield* Effect.mapError(Effect.fromResult(response), (reason) => http.fail(call, reason, reply))
      }),

    stream: (request, call) =>
      Stream.unwrap(Effect.gen(function*() {
        const { body, resource } = yield* prepare(request, call)
        const reply = yield* http.sse({
          method: "POST",
          path: `/${resource}:streamGenerateContent`,
          urlParams: { alt: "sse" },
          body
        }, call)
        return StreamDecoder.decode(reply.body, http, call, reply.providerRequestId)
      })),

    embed: (request, call) =>
      Effect.gen(function*() {
        const resource = yield* mapped(call, ToWire.modelResource(call.model ?? ""))
        const vectors: Array<ReadonlyArray<number>> = []
        let providerRequestId: string | undefined
        if (request.input.length === 1) {
          const reply = yield* http.json(
            { method: "POST", path: `/${resource}:embedContent`, body: ToWire.embedBody(request.input[0]!, request.dimensions) },
            call,
            Wire.EmbedContentResponse
          )
          vectors.push(reply.body.embedding.values)
          providerRequestId = reply.providerRequestId
        } else {
          // Larger inputs are sent in batches of Gemini's limit, in order.
          for (let start = 0; start < request.input.length; start += BATCH_LIMIT) {
            const texts = request.input.slice(start, start + BATCH_LIMIT)
            const reply = yield* http.json(
              { method: "POST", path: `/${resource}:batchEmbedContents`, body: ToWire.batchEmbedBody(texts, resource, request) },
              call,
              Wire.BatchEmbedContentsResponse
            )
            if (reply.body.embeddings.length !== texts.length) {
              return yield* Effect.fail(http.fail(
                call,
                new LlmError.InvalidResponse({ detail: `asked for ${texts.length} embeddings, got ${reply.body.embeddings.length}` }),
                reply
              ))
            }
            vectors.push(...reply.body.embeddings.map((embedding) => embedding.values))
            providerRequestId = reply.providerRequestId
          }
        }
        return new EmbedResponse({
          provider,
          model: call.model ?? "",
          embeddings: vectors,
          requestId: call.requestId,
          ...omitUndefined({ providerRequestId })
        })
      }),

    models: (call) =>
      Effect.gen(function*() {
        const pages: Array<Wire.ListModelsResponse> = []
        const seen = new Set<string>()
        let token: string | undefined
        do {
          const reply = yield* http.json(
            { method: "GET", path: "/models", urlParams: { pageSize: "1000", ...omitUndefined({ pageToken: token }) } },
            call,
            Wire.ListModelsResponse
          )
          pages.push(reply.body)
          const next = reply.body.nextPageToken ?? undefined
          token = next !== undefined && next.length > 0 ? next : undefined
          if (token !== undefined && (seen.has(token) || pages.length >= MAX_PAGES)) {
            return yield* Effect.fail(http.fail(call, new LlmError.InvalidResponse({ detail: "model list pagination does not end" }), reply))
          }
          if (token !== undefined) seen.add(token)
        } while (token !== undefined)
        return FromWire.models(pages, provider)
      })
  }
}
