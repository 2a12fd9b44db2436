/**
 * What a TEI server says about itself (`GET /info`), and the one cached copy
 * a backend keeps of it: read once, on first need, shared by every caller
 * (one request even when many wait), refreshed on demand. A failed read is
 * not cached: the next caller asks again.
 *
 * @since 0.1.0
 */
import { Effect, Option, Ref, Schema, Semaphore } from "effect"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import type { LlmError } from "../../LlmError.ts"
import type * as Wire from "./Wire.ts"

/**
 * @since 0.1.0
 */
export class Info extends Schema.Class<Info>("effect-llm-backends/TeiInfo")({
  modelId: Schema.String,
  servedModelName: Schema.optionalKey(Schema.String),
  modelSha: Schema.optionalKey(Schema.String),
  modelDtype: Schema.optionalKey(Schema.String),
  /** `embedding`, `reranker` or `classifier`. */
  modelType: Schema.optionalKey(Schema.String),
  maxConcurrentRequests: Schema.optionalKey(Schema.Number),
  /** Longest input, in tokens. */
  maxInputLength: Schema.optionalKey(Schema.Number),
  maxBatchTokens: Schema.optionalKey(Schema.Number),
  /** Most inputs one request may carry (larger lists are split client-side). */
  maxClientBatchSize: Schema.Number,
  autoTruncate: Schema.optionalKey(Schema.Boolean),
  version: Schema.optionalKey(Schema.String)
}) {}

const modelType = (value: unknown): string | undefined =>
  typeof value === "object" && value !== null ? Object.keys(value)[0] : undefined

/**
 * Maps the wire body.
 *
 * @since 0.1.0
 */
export const fromWire = (wire: Wire.Info): Info =>
  new Info({
    modelId: wire.model_id,
    maxClientBatchSize: wire.max_client_batch_size,
    ...omitUndefined({
      servedModelName: wire.served_model_name ?? undefined,
      modelSha: wire.model_sha ?? undefined,
      modelDtype: wire.model_dtype ?? undefined,
      modelType: modelType(wire.model_type),
      maxConcurrentRequests: wire.max_concurrent_requests ?? undefined,
      maxInputLength: wire.max_input_length ?? undefined,
      maxBatchTokens: wire.max_batch_tokens ?? undefined,
      autoTruncate: wire.auto_truncate ?? undefined,
      version: wire.version ?? undefined
    })
  })

/**
 * The cached `/info`.
 *
 * @since 0.1.0
 */
export interface Cache {
  /** The cached info, read from the server the first time. */
  readonly get: Effect.Effect<Info, LlmError>
  /** Reads the server again and caches the answer. */
  readonly refresh: Effect.Effect<Info, LlmError>
  /** The cached info, if any, without reading the server. */
  readonly peek: Effect.Effect<Info | undefined>
  /** Caches an answer read elsewhere (e.g. by `models`). */
  readonly set: (info: Info) => Effect.Effect<void>
}

/**
 * Where the cached info lives (shared with the backend's `models`, which
 * reads the same route).
 *
 * @since 0.1.0
 */
export type Store = Ref.Ref<Option.Option<Info>>

/**
 * An empty store.
 *
 * @since 0.1.0
 */
export const store: Effect.Effect<Store> = Ref.make(Option.none<Info>())

/**
 * A cache in `ref` over `read`.
 *
 * @since 0.1.0
 */
export const cache = (ref: Store, read: Effect.Effect<Info, LlmError>): Effect.Effect<Cache> =>
  Effect.gen(function*() {
    const lock = yield* Semaphore.make(1)
    const refresh = Effect.tap(read, (info) => Ref.set(ref, Option.some(info)))
    // One reader at a time: callers that arrive while a read is under way get its answer.
    const get = lock.withPermits(1)(
      Effect.flatMap(Ref.get(ref), (cached) => Option.isSome(cached) ? Effect.succeed(cached.value) : refresh)
    )
    const peek = Effect.map(Ref.get(ref), Option.getOrUndefined)
    return { get, refresh, peek, set: (info) => Ref.set(ref, Option.some(info)) }
  })
