/**
 * Response caches in front of any `LlmBackend`: `exact` (the same request,
 * written any way, gets the stored answer) and `semantic` (experimental: a
 * similar last question gets it, when the prompt guard agrees). Both return an
 * `LlmBackend` service, serve hits to `chat` and as replayed streams, store
 * only complete answers (never errors, never cut streams), and by default
 * cache only deterministic requests (temperature 0).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Message, ResponseCache } from "effect-llm-backends"
 * import { TestBackend } from "effect-llm-backends/testing"
 *
 * const program = Effect.gen(function*() {
 *   const { backend } = yield* TestBackend.make({ script: [TestBackend.reply("4")] })
 *   const cached = yield* ResponseCache.exact(backend, { ttl: "1 hour" })
 *   const ask = { messages: [Message.user("2 + 2?")], temperature: 0 }
 *   yield* cached.chat(ask) // the backend answers
 *   const again = yield* cached.chat(ask) // from the cache: again.cache?.kind === "exact"
 *   return again.text
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Duration, Effect, Layer } from "effect"
import { BackendConfigError } from "../BackendConfigError.ts"
import { LlmBackend, type Service } from "../LlmBackend.ts"
import * as CachedService from "./CachedService.ts"
import * as CacheStats from "./CacheStats.ts"
import * as CacheStore from "./CacheStore.ts"
import * as Exact from "./Exact.ts"
import * as Semantic from "./Semantic.ts"

/**
 * A backend with a cache in front (see `CachedService.Cached`).
 *
 * @since 0.1.0
 */
export type Cached = CachedService.Cached

/**
 * The cache's counts (see `CacheStats.Stats`).
 *
 * @since 0.1.0
 */
export type Stats = CacheStats.Stats

/**
 * Settings both caches take.
 *
 * @since 0.1.0
 */
export interface CommonOptions extends CachedService.Sampling {
  /** How long an answer is served (default: until evicted). */
  readonly ttl?: Duration.Input | undefined
  /** Most answers kept by the default in-memory store (default 1,000). */
  readonly maxEntries?: number | undefined
  /** Most bytes of answers kept by the default in-memory store (default 64 MiB). */
  readonly maxBytes?: number | undefined
  /** Where answers are kept (default `CacheStore.memory({ maxEntries, maxBytes })`). */
  readonly store?: CacheStore.CacheStore | undefined
  /** Separates caches sharing one store (default: the backend's provider name). */
  readonly namespace?: string | undefined
}

/**
 * Settings of the exact cache.
 *
 * @since 0.1.0
 */
export interface ExactOptions extends CommonOptions {}

/**
 * Settings of the semantic cache.
 *
 * @since 0.1.0
 */
export interface SemanticOptions extends CommonOptions {
  /** Any backend with `embed`; the last user turn is embedded with it. */
  readonly embedder: Service
  /** Model for the embeddings (default: the embedder's default). */
  readonly embeddingModel?: string | undefined
  /** Least cosine similarity for a hit, in (0, 1] (default 0.9; tune it for your embedder). */
  readonly threshold?: number | undefined
  /** Check numbers, units, dates, negations, entities and quotes before a hit (default true). */
  readonly guard?: boolean | undefined
}

const bad = (setting: string, detail: string) => new BackendConfigError({ provider: "cache", setting, detail })

const common = Effect.fnUntraced(function*(backend: Service, options: CommonOptions) {
  let ttl: Duration.Duration | undefined
  if (options.ttl !== undefined) {
    const parsed = Duration.fromInput(options.ttl)
    if (parsed._tag === "None" || !Duration.isGreaterThan(parsed.value, Duration.zero)) {
      return yield* Effect.fail(bad("ttl", "expected a positive duration (millis or e.g. \"10 minutes\")"))
    }
    ttl = parsed.value
  }
  const temperature = options.defaultTemperature
  if (temperature !== undefined && !(temperature >= 0 && temperature <= 2)) {
    return yield* Effect.fail(bad("defaultTemperature", "expected a number from 0 to 2"))
  }
  if (options.namespace !== undefined && options.namespace.trim().length === 0) {
    return yield* Effect.fail(bad("namespace", "must not be empty"))
  }
  const store = options.store ?? (yield* CacheStore.memory({ maxEntries: options.maxEntries, maxBytes: options.maxBytes }))
  const sampling: CachedService.Sampling = {
    defaultTemperature: temperature,
    cacheNonDeterministic: options.cacheNonDeterministic
  }
  return { ttl, store, sampling, namespace: options.namespace ?? backend.provider }
})

/**
 * An exact response cache in front of `backend`.
 *
 * @since 0.1.0
 */
export const exact = (backend: Service, options: ExactOptions = {}): Effect.Effect<Cached, BackendConfigError> =>
  Effect.map(common(backend, options), ({ ttl, store, sampling, namespace }) => {
    const recorder = new CacheStats.Recorder(backend.provider, "exact")
    return CachedService.make(backend, Exact.strategy(store, recorder, namespace, ttl), sampling, recorder)
  })

/**
 * A semantic response cache in front of `backend` (experimental).
 *
 * @since 0.1.0
 */
export const semantic = (backend: Service, options: SemanticOptions): Effect.Effect<Cached, BackendConfigError> =>
  Effect.gen(function*() {
    const threshold = options.threshold ?? 0.9
    if (!(threshold > 0 && threshold <= 1)) return yield* Effect.fail(bad("threshold", "expected a number in (0, 1]"))
    if (!options.embedder.capabilities.embed) {
      return yield* Effect.fail(bad("embedder", `${options.embedder.provider} does not offer embed`))
    }
    const maxEntries = options.maxEntries ?? 1_000
    const { ttl, store, sampling, namespace } = yield* common(backend, { ...options, maxEntries })
    const recorder = new CacheStats.Recorder(backend.provider, "semantic")
    const strategy = Semantic.strategy(store, recorder, {
      embedder: options.embedder,
      embeddingModel: options.embeddingModel,
      threshold,
      guard: options.guard ?? true,
      maxEntries,
      ttl,
      namespace
    })
    return CachedService.make(backend, strategy, sampling, recorder)
  })

/**
 * Puts an exact cache in front of the `LlmBackend` the layer is given.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { OpenAi, ResponseCache } from "effect-llm-backends"
 *
 * const Llm = ResponseCache.layerExact({ ttl: "1 hour" }).pipe(Layer.provide(OpenAi.layerConfig()))
 * ```
 *
 * @since 0.1.0
 */
export const layerExact = (options?: ExactOptions): Layer.Layer<LlmBackend, BackendConfigError, LlmBackend> =>
  Layer.effect(LlmBackend, LlmBackend.use((backend) => exact(backend, options)))

/**
 * Puts a semantic cache in front of the `LlmBackend` the layer is given.
 *
 * @since 0.1.0
 */
export const layerSemantic = (options: SemanticOptions): Layer.Layer<LlmBackend, BackendConfigError, LlmBackend> =>
  Layer.effect(LlmBackend, LlmBackend.use((backend) => semantic(backend, options)))
