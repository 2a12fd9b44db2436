/**
 * The provider-neutral reranking service (TEI, OVMS, OPEA implement it),
 * next to `LlmBackend`: its calls go through the backend's pipeline and fail
 * with `LlmError` reasons.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Reranker } from "effect-llm-backends"
 *
 * const best = Effect.gen(function*() {
 *   const reranker = yield* Reranker.Reranker
 *   const ranked = yield* reranker.rerank({ query: "capital of France", documents: ["Paris", "Berlin"] })
 *   return ranked.results[0]?.index
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Context } from "effect"
import type { Effect } from "effect"
import type { CallOptions } from "./domain/CallOptions.ts"
import type { RerankRequestInput, RerankResponse } from "./domain/Rerank.ts"
import type { LlmError } from "./LlmError.ts"

/**
 * @since 0.1.0
 */
export interface Service {
  /** Which provider this is, e.g. `"tei"`. */
  readonly provider: string
  /** Scores `documents` against `query`; results sorted by score, highest first. */
  readonly rerank: (request: RerankRequestInput, options?: CallOptions) => Effect.Effect<RerankResponse, LlmError>
}

/**
 * The reranker in context.
 *
 * @since 0.1.0
 */
export class Reranker extends Context.Service<Reranker, Service>()("effect-llm-backends/Reranker") {}
