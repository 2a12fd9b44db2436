/**
 * The `Reranker` over TEI's `POST /rerank`. Documents beyond the server's
 * batch limit are scored in batches (each its own pipeline call) against
 * the same query; scores are comparable across batches (sigmoid unless
 * `rawScores`), so the results are merged and sorted by score, best first,
 * then cut to `topN`.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { RerankRequest, type RerankRequestInput, RerankResponse, RerankResult } from "../../domain/Rerank.ts"
import * as Usage from "../../domain/Usage.ts"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import * as LlmError from "../../LlmError.ts"
import * as RateLimiter from "../../pipeline/RateLimiter.ts"
import * as Validate from "../../pipeline/Validate.ts"
import type * as Reranker from "../../Reranker.ts"
import * as Batches from "./Batches.ts"
import * as Calls from "./Calls.ts"

type Scored = Effect.Success<ReturnType<Calls.Calls["routes"]["rerank"]>>

const decode = Schema.decodeUnknownEffect(RerankRequest)

const validate = (provider: string, input: RerankRequestInput) =>
  input instanceof RerankRequest ? Effect.succeed(input) : Effect.mapError(decode(input), (error) => Validate.invalid(provider, undefined, error))

/**
 * The reranker.
 *
 * @since 0.1.0
 */
export const make = (calls: Calls.Calls): Reranker.Service => ({
  provider: calls.provider,
  rerank: (input, options) =>
    Effect.gen(function*() {
      const request = yield* validate(calls.provider, input)
      const model = request.model ?? calls.model
      const returnText = request.returnDocuments === true
      return yield* Calls.operation(calls, options, (pinned) =>
        Effect.gen(function*() {
          const size = yield* Calls.limit(calls)
          let inputTokens = 0
          let counted = true
          let providerRequestId: string | undefined
          const scored = yield* Batches.run(calls.provider, request.documents, size, calls.concurrency, (batch, offset) =>
            calls.extras.effect(
              {
                name: "rerank",
                model,
                cost: RateLimiter.estimate(batch.reduce((n, text) => n + text.length, request.query.length * batch.length), 0),
                usage: (r: Scored) => r.usage
              },
              (call) =>
                Effect.flatMap(calls.routes.rerank(request.query, batch, returnText, call), (reply) => {
                  const seen = new Set<number>()
                  for (const rank of reply.ranks) {
                    if (rank.index < 0 || rank.index >= batch.length || seen.has(rank.index)) {
                      return Effect.fail(LlmError.make(calls.provider, new LlmError.InvalidResponse({
                        detail: `rerank result index ${rank.index} does not match one of the ${batch.length} texts sent`
                      }), { requestId: call.requestId, providerRequestId: reply.providerRequestId }))
                    }
                    seen.add(rank.index)
                  }
                  return Effect.succeed(reply)
                }),
              pinned
            ).pipe(Effect.map((reply) => {
              if (reply.usage === undefined) counted = false
              else inputTokens += reply.usage.inputTokens
              providerRequestId ??= reply.providerRequestId
              // One result per text sent, in text order, so the batch runner can check the count.
              return [...reply.ranks].sort((a, b) => a.index - b.index).map((rank) => ({ ...rank, index: rank.index + offset }))
            })))
          const results = scored
            .sort((a, b) => b.score - a.score || a.index - b.index)
            .slice(0, request.topN ?? scored.length)
            .map((rank) =>
              new RerankResult({
                index: rank.index,
                score: rank.score,
                ...omitUndefined({ document: returnText ? rank.text ?? request.documents[rank.index] : undefined })
              })
            )
          return new RerankResponse({
            provider: calls.provider,
            results,
            ...omitUndefined({
              model,
              usage: counted ? Usage.make({ inputTokens, outputTokens: 0 }) : undefined,
              requestId: pinned.requestId,
              providerRequestId
            })
          })
        }))
    })
})
