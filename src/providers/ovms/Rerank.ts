/**
 * The `Reranker` over OVMS's Cohere-style `POST /v3/rerank`: `{model, query,
 * documents, top_n, return_documents}` → `{results[{index, relevance_score,
 * document?}]}`. Results are returned best first; an index outside the
 * request's documents is an `InvalidResponse`.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { RerankRequest, type RerankRequestInput, RerankResponse, RerankResult } from "../../domain/Rerank.ts"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import * as LlmError from "../../LlmError.ts"
import type { Extras } from "../../pipeline/Pipeline.ts"
import * as Validate from "../../pipeline/Validate.ts"
import type * as Reranker from "../../Reranker.ts"
import type { ProviderHttp } from "../../transport/ProviderHttp.ts"
import * as Wire from "./Wire.ts"

const decodeRequest = Schema.decodeUnknownEffect(RerankRequest)

const validate = (provider: string, input: RerankRequestInput) =>
  input instanceof RerankRequest
    ? Effect.succeed(input)
    : Effect.mapError(decodeRequest(input), (error) => Validate.invalid(provider, undefined, error))

/**
 * The body of `POST /v3/rerank`.
 *
 * @since 0.1.0
 */
export const body = (request: RerankRequest, model: string): Record<string, unknown> =>
  omitUndefined({
    model,
    query: request.query,
    documents: request.documents,
    top_n: request.topN,
    return_documents: request.returnDocuments
  })

const documentText = (document: Wire.RerankReply["results"][number]["document"]) =>
  document === undefined || document === null ? undefined : typeof document === "string" ? document : document.text

/**
 * Builds the reranker; `model` is used when a request names none.
 *
 * @since 0.1.0
 */
export const make = (http: ProviderHttp, extras: Extras, model: string | undefined): Reranker.Service => {
  const provider = http.provider
  return {
    provider,
    rerank: (input, options) =>
      Effect.gen(function*() {
        const request = yield* validate(provider, input)
        const chosen = yield* Validate.model(provider, request.model, model)
        const sent = body(request, chosen)
        return yield* extras.effect(
          { name: "rerank", model: chosen },
          (call) =>
            Effect.flatMap(http.json({ method: "POST", path: "/v3/rerank", body: sent }, call, Wire.RerankReply), (reply) => {
              const count = request.documents.length
              const stray = reply.body.results.find((r) => !Number.isInteger(r.index) || r.index < 0 || r.index >= count)
              if (stray !== undefined) {
                return Effect.fail(http.fail(
                  call,
                  new LlmError.InvalidResponse({ detail: `result index ${stray.index} is not one of the ${count} documents` }),
                  reply
                ))
              }
              const results = reply.body.results
                .map((r) => new RerankResult(omitUndefined({ index: r.index, score: r.relevance_score, document: documentText(r.document) })))
                .sort((a, b) => b.score - a.score)
              return Effect.succeed(new RerankResponse(omitUndefined({
                provider,
                model: chosen,
                results,
                requestId: call.requestId,
                providerRequestId: reply.providerRequestId
              })))
            }),
          options
        )
      })
  }
}
