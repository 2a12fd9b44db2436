/**
 * OPEA's reranking microservice (`POST /v1/reranking`, GenAIComps
 * `RerankingRequest` / `RerankingResponse`) as a `Reranker`.
 *
 * The wire answer names documents by their text, not their position, so the
 * positions are recovered by matching texts (equal texts take the next
 * unused position). OPEA keeps only `top_n` documents and defaults it to 1:
 * without `topN` we ask for all of them.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { RerankRequest, type RerankRequestInput, RerankResponse, RerankResult } from "../../domain/Rerank.ts"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import * as LlmError from "../../LlmError.ts"
import type * as Pipeline from "../../pipeline/Pipeline.ts"
import * as Validate from "../../pipeline/Validate.ts"
import type * as Reranker from "../../Reranker.ts"
import type { ProviderHttp } from "../../transport/ProviderHttp.ts"

/**
 * The route below the reranking microservice's root.
 *
 * @since 0.1.0
 */
export const PATH = "/v1/reranking"

/**
 * The response body.
 *
 * @since 0.1.0
 */
export const Wire = Schema.Struct({
  reranked_docs: Schema.Array(Schema.Struct({ text: Schema.String, score: Schema.Number }))
})

/** @since 0.1.0 */
export type Wire = typeof Wire.Type

const decode = Schema.decodeUnknownEffect(RerankRequest)

/**
 * Validates a rerank request, failing with `InvalidRequest` naming the field.
 *
 * @since 0.1.0
 */
export const validate = (provider: string, input: RerankRequestInput): Effect.Effect<RerankRequest, LlmError.LlmError> =>
  input instanceof RerankRequest
    ? Effect.succeed(input)
    : Effect.mapError(decode(input), (error) => Validate.invalid(provider, undefined, error))

/**
 * The request body.
 *
 * @since 0.1.0
 */
export const body = (request: RerankRequest): Record<string, unknown> => ({
  input: request.query,
  retrieved_docs: request.documents.map((text) => ({ text })),
  top_n: request.topN ?? request.documents.length
})

/**
 * Maps the answer back onto the request's documents; a text that is not one
 * of them (or more answers than documents) is a detail for `InvalidResponse`.
 *
 * @since 0.1.0
 */
export const results = (request: RerankRequest, wire: Wire): ReadonlyArray<RerankResult> | string => {
  const free = new Map<string, Array<number>>()
  request.documents.forEach((text, index) => {
    const slots = free.get(text)
    if (slots === undefined) free.set(text, [index])
    else slots.push(index)
  })
  const out: Array<RerankResult> = []
  for (const doc of wire.reranked_docs) {
    const index = free.get(doc.text)?.shift()
    if (index === undefined) return `reranked_docs names a document that was not sent (or twice): ${JSON.stringify(doc.text.slice(0, 60))}`
    out.push(new RerankResult({ index, score: doc.score, ...(request.returnDocuments === true ? { document: doc.text } : {}) }))
  }
  return out.sort((a, b) => b.score - a.score)
}

/**
 * The `Reranker` over the reranking microservice, through the backend's pipeline.
 *
 * @since 0.1.0
 */
export const make = (http: ProviderHttp, extras: Pipeline.Extras): Reranker.Service => {
  const provider = http.provider
  return {
    provider,
    rerank: (input, options) =>
      Effect.flatMap(validate(provider, input), (request) => {
        if (request.model !== undefined) {
          return Effect.fail(LlmError.make(provider, new LlmError.Unsupported({
            capability: "rerank.model",
            detail: "OPEA's /v1/reranking takes no model: the microservice serves one"
          })))
        }
        return extras.effect({ name: "rerank" }, (call) =>
          Effect.flatMap(http.json({ method: "POST", path: PATH, body: body(request) }, call, Wire), (reply) => {
            const mapped = results(request, reply.body)
            if (typeof mapped === "string") {
              return Effect.fail(http.fail(call, new LlmError.InvalidResponse({ detail: mapped }), reply))
            }
            return Effect.succeed(new RerankResponse({
              provider,
              results: mapped,
              ...omitUndefined({ requestId: call.requestId, providerRequestId: reply.providerRequestId })
            }))
          }), options)
      })
  }
}
