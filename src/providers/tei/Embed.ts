/**
 * TEI embeddings, batched: inputs beyond the server's batch limit are split,
 * each batch its own pipeline call, answers reassembled in order, usage
 * summed where TEI reports it.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { EmbedResponse } from "../../domain/Embedding.ts"
import * as Usage from "../../domain/Usage.ts"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import type { Service } from "../../LlmBackend.ts"
import * as RateLimiter from "../../pipeline/RateLimiter.ts"
import * as Validate from "../../pipeline/Validate.ts"
import * as Batches from "./Batches.ts"
import * as Calls from "./Calls.ts"

const sum = (usages: ReadonlyArray<Usage.Usage | undefined>): Usage.Usage | undefined => {
  if (usages.length === 0 || usages.some((u) => u === undefined)) return undefined
  return Usage.make({
    inputTokens: usages.reduce((n, u) => n + u!.inputTokens, 0),
    outputTokens: usages.reduce((n, u) => n + u!.outputTokens, 0)
  })
}

/**
 * The backend's `embed`.
 *
 * @since 0.1.0
 */
export const make = (calls: Calls.Calls): Service["embed"] => (input, options) =>
  Effect.gen(function*() {
    const request = yield* Validate.embedRequest(calls.provider, input)
    const model = request.model ?? calls.model
    return yield* Calls.operation(calls, options, (pinned) =>
      Effect.gen(function*() {
        const size = yield* Calls.limit(calls)
        const usages: Array<Usage.Usage | undefined> = []
        let answeredBy: string | undefined
        let requestId: string | undefined
        const vectors = yield* Batches.run(calls.provider, request.input, size, calls.concurrency, (batch) =>
          Effect.map(
            calls.extras.effect(
              {
                name: "embed",
                model,
                cost: RateLimiter.estimate(batch.reduce((n, text) => n + text.length, 0), 0),
                usage: (r: EmbedResponse) => r.usage
              },
              (call) => calls.routes.embed(batch, model, request.dimensions, call),
              pinned
            ),
            (reply) => {
              usages.push(reply.usage)
              answeredBy ??= reply.model.length > 0 ? reply.model : undefined
              requestId ??= reply.requestId
              return reply.embeddings
            }
          ))
        // Named by the reply, the configuration, or the server's info if already read (never read just for a name).
        const known = yield* calls.info.peek
        const served = answeredBy ?? model ?? known?.servedModelName ?? known?.modelId
        return new EmbedResponse({
          provider: calls.provider,
          model: served ?? "unknown",
          embeddings: vectors,
          ...omitUndefined({ usage: sum(usages), requestId: requestId ?? pinned.requestId })
        })
      }))
  })
