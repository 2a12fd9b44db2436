/**
 * TEI's routes beyond embeddings and reranking: sparse embeddings
 * (`POST /embed_sparse`, SPLADE-style models), `tokenize`, `info` and
 * `health`. Each request goes through the backend's pipeline; input lists
 * beyond the server's batch limit are split like `embed`'s.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TeiApi } from "effect-llm-backends"
 *
 * const program = Effect.gen(function*() {
 *   const tei = yield* TeiApi.TeiApi
 *   const [tokens] = yield* tei.tokenize("Hello world")
 *   return tokens?.length
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Schema } from "effect"
import type { CallOptions } from "../../domain/CallOptions.ts"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import type * as LlmError from "../../LlmError.ts"
import type { CallContext } from "../../transport/ProviderHttp.ts"
import * as Batches from "./Batches.ts"
import * as Calls from "./Calls.ts"
import type * as Info from "./Info.ts"

/** @since 0.1.0 */
export { Info } from "./Info.ts"

/**
 * One non-zero entry of a sparse vector.
 *
 * @since 0.1.0
 */
export class SparseValue extends Schema.Class<SparseValue>("effect-llm-backends/TeiSparseValue")({
  index: Schema.Number,
  value: Schema.Number
}) {}

/**
 * One token of a tokenized input; `start`/`stop` are character offsets.
 *
 * @since 0.1.0
 */
export class Token extends Schema.Class<Token>("effect-llm-backends/TeiToken")({
  id: Schema.Number,
  text: Schema.String,
  special: Schema.Boolean,
  start: Schema.optionalKey(Schema.Number),
  stop: Schema.optionalKey(Schema.Number)
}) {}

/**
 * Options of `tokenize`.
 *
 * @since 0.1.0
 */
export interface TokenizeOptions {
  readonly addSpecialTokens?: boolean | undefined
  readonly promptName?: string | undefined
}

/**
 * The extra routes.
 *
 * @since 0.1.0
 */
export interface Service {
  /** Sparse vectors, one per input, in input order. */
  readonly embedSparse: (
    input: string | ReadonlyArray<string>,
    options?: CallOptions
  ) => Effect.Effect<ReadonlyArray<ReadonlyArray<SparseValue>>, LlmError.LlmError>
  /** Each input's tokens, in input order. */
  readonly tokenize: (
    input: string | ReadonlyArray<string>,
    tokenize?: TokenizeOptions,
    options?: CallOptions
  ) => Effect.Effect<ReadonlyArray<ReadonlyArray<Token>>, LlmError.LlmError>
  /** Reads `/info` again (refreshing the batch limit the backend uses). */
  readonly info: (options?: CallOptions) => Effect.Effect<Info.Info, LlmError.LlmError>
  /** `true` when the server can serve, `false` when it answers that it cannot (503). */
  readonly health: (options?: CallOptions) => Effect.Effect<boolean, LlmError.LlmError>
}

/**
 * The extra routes in context (`Tei.layer` provides them with the backend).
 *
 * @since 0.1.0
 */
export class TeiApi extends Context.Service<TeiApi, Service>()("effect-llm-backends/TeiApi") {}

/**
 * Builds the extra routes.
 *
 * @since 0.1.0
 */
export const make = (calls: Calls.Calls): Service => {
  const batched = <B>(
    input: string | ReadonlyArray<string>,
    options: CallOptions | undefined,
    name: string,
    send: (batch: ReadonlyArray<string>, call: CallContext) => Effect.Effect<ReadonlyArray<B>, LlmError.LlmError>
  ) =>
    Effect.flatMap(Calls.texts(calls.provider, "input", input), (texts) =>
      Calls.operation(calls, options, (pinned) =>
        Effect.flatMap(Calls.limit(calls), (size) =>
          Batches.run(calls.provider, texts, size, calls.concurrency, (batch) =>
            calls.extras.effect({ name, model: calls.model }, (call) => send(batch, call), pinned)))))

  return {
    embedSparse: (input, options) =>
      batched(input, options, "embed_sparse", (batch, call) =>
        Effect.map(calls.routes.sparse(batch, call), (vectors) => vectors.map((vector) => vector.map((entry) => new SparseValue(entry))))),
    tokenize: (input, tokenize = {}, options) =>
      batched(input, options, "tokenize", (batch, call) =>
        Effect.map(calls.routes.tokenize(batch, tokenize, call), (lists) =>
          lists.map((tokens) =>
            tokens.map((token) =>
              new Token({
                id: token.id,
                text: token.text,
                special: token.special,
                ...omitUndefined({ start: token.start ?? undefined, stop: token.stop ?? undefined })
              })
            )
          ))),
    info: (options) =>
      Effect.tap(calls.extras.effect({ name: "info", model: calls.model }, calls.routes.info, options), calls.info.set),
    health: (options) => calls.extras.effect({ name: "health", model: calls.model }, calls.routes.health, options)
  }
}
