/**
 * The Hugging Face TEI backend (text-embeddings-inference): embeddings
 * (native `/embed` with its options, or the OpenAI-compatible
 * `/v1/embeddings`) and models from `/info` as an `LlmBackend`; reranking
 * over `/rerank` as the provider-neutral `Reranker`; sparse embeddings,
 * tokenize, info and health as `TeiApi`. All three share one pipeline.
 * Chat and streaming are `Unsupported`.
 *
 * Input lists longer than the server's `max_client_batch_size` (read from
 * `/info` once, cached; `TeiApi.info` refreshes it) are split into batches,
 * each its own pipeline call, sent with bounded concurrency and put back in
 * order; one failing batch fails the call.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { LlmBackend, Reranker, Tei } from "effect-llm-backends"
 *
 * const TeiLive = Tei.layer({ baseUrl: "http://localhost:8080" }).pipe(Layer.provide(FetchHttpClient.layer))
 * const program = Effect.gen(function*() {
 *   const vectors = yield* LlmBackend.embed(["a", "b"])
 *   const ranked = yield* Reranker.Reranker.use((r) => r.rerank({ query: "a?", documents: ["a", "b"] }))
 *   return [vectors.embeddings.length, ranked.results[0]?.index]
 * }).pipe(Effect.provide(TeiLive))
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Option, Ref, type Config } from "effect"
import type { HttpClient } from "effect/http"
import * as BackendConfig from "../../BackendConfigError.ts"
import { ModelInfo } from "../../domain/Model.ts"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import { LlmBackend, type Service } from "../../LlmBackend.ts"
import type { Provider } from "../../pipeline/Provider.ts"
import * as Reranker from "../../Reranker.ts"
import * as Backend from "../Backend.ts"
import type * as Calls from "./Calls.ts"
import * as Embed from "./Embed.ts"
import * as Info from "./Info.ts"
import * as Rerank from "./Rerank.ts"
import * as Routes from "./Routes.ts"
import * as TeiApi from "./TeiApi.ts"
import * as TeiError from "./TeiError.ts"
import type * as ToWire from "./toWire.ts"

const PROVIDER = "tei"

/**
 * Where a local TEI container is usually published.
 *
 * @since 0.1.0
 */
export const DEFAULT_BASE_URL = "http://localhost:8080"

/**
 * @since 0.1.0
 */
export interface Options extends Backend.CommonOptions {
  /** `native` (`/embed`, the default) or `openai` (`/v1/embeddings`). */
  readonly embedRoute?: Routes.EmbedRoute | undefined
  /** `/embed`'s `normalize` (server default: true). Native route only. */
  readonly normalize?: boolean | undefined
  /** Truncate inputs longer than the model's limit instead of failing (embed, sparse, rerank). */
  readonly truncate?: boolean | undefined
  /** Which end truncation cuts. Native routes only. */
  readonly truncationDirection?: "left" | "right" | undefined
  /** A prompt from the model's sentence-transformers config, e.g. `query`. Native routes only. */
  readonly promptName?: string | undefined
  /** Rerank with raw scores instead of sigmoid-normalized ones. */
  readonly rawScores?: boolean | undefined
  /** Use this batch limit instead of reading `max_client_batch_size` from `/info`. */
  readonly maxBatchSize?: number | undefined
  /** Batches of one call in flight at once (default 4; the pipeline's concurrency still applies). */
  readonly batchConcurrency?: number | undefined
}

/**
 * The backend, its reranker and its extra routes, sharing one pipeline.
 *
 * @since 0.1.0
 */
export interface Built {
  readonly backend: Service
  readonly reranker: Reranker.Service
  readonly api: TeiApi.Service
}

const configError = (setting: string, detail: string) =>
  new BackendConfig.BackendConfigError({ provider: PROVIDER, setting, detail })

const positiveInt = (setting: string, value: number | undefined) =>
  value === undefined || (Number.isInteger(value) && value > 0)
    ? Effect.succeed(value)
    : Effect.fail(configError(setting, "must be a positive integer"))

const checked = Effect.fnUntraced(function*(options: Options) {
  const embedRoute = options.embedRoute ?? "native"
  if (embedRoute !== "native" && embedRoute !== "openai") {
    return yield* configError("embedRoute", `expected "native" or "openai", got ${JSON.stringify(embedRoute)}`)
  }
  if (embedRoute === "openai") {
    for (const setting of ["normalize", "truncationDirection", "promptName"] as const) {
      if (options[setting] !== undefined) return yield* configError(setting, "only the native /embed route takes it (embedRoute: \"native\")")
    }
  }
  const direction = options.truncationDirection
  if (direction !== undefined && direction !== "left" && direction !== "right") {
    return yield* configError("truncationDirection", "expected \"left\" or \"right\"")
  }
  const promptName = yield* BackendConfig.nonEmpty(PROVIDER, "promptName", options.promptName)
  const maxBatchSize = yield* positiveInt("maxBatchSize", options.maxBatchSize)
  const concurrency = (yield* positiveInt("batchConcurrency", options.batchConcurrency)) ?? 4
  const settings: ToWire.Settings & { readonly embedRoute: Routes.EmbedRoute } = {
    embedRoute,
    normalize: options.normalize,
    truncate: options.truncate,
    truncationDirection: direction,
    promptName,
    rawScores: options.rawScores
  }
  return { settings, maxBatchSize, concurrency }
})

const models = (info: Info.Info): ReadonlyArray<ModelInfo> => [
  new ModelInfo({
    provider: PROVIDER,
    id: info.servedModelName ?? info.modelId,
    ...omitUndefined({ contextWindow: info.maxInputLength })
  })
]

/**
 * Builds the backend, reranker and extra routes over one pipeline.
 *
 * @since 0.1.0
 */
export const build = (options: Options = {}): Effect.Effect<Built, BackendConfig.BackendConfigError, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const { concurrency, maxBatchSize, settings } = yield* checked(options)
    const store = yield* Info.store
    const translate = (http: Parameters<Backend.Spec["translate"]>[0]): Provider => {
      const routes = Routes.make(http, settings)
      return {
        provider: PROVIDER,
        // One request; `embed` on the service batches over it.
        embed: (request, call) => routes.embed(request.input, request.model ?? call.model, request.dimensions, call),
        models: (call) => Effect.map(Effect.tap(routes.info(call), (info) => Ref.set(store, Option.some(info))), models)
      }
    }
    const built = yield* Backend.build({
      provider: PROVIDER,
      defaultBaseUrl: DEFAULT_BASE_URL,
      requiresKey: false,
      http: { refine: TeiError.refine },
      translate
    }, options)
    const routes = Routes.make(built.http, settings)
    const info = yield* Info.cache(store, built.extras.effect({ name: "info", model: options.embeddingModel ?? options.model }, routes.info))
    const calls: Calls.Calls = {
      provider: PROVIDER,
      routes,
      extras: built.extras,
      info,
      model: options.embeddingModel ?? options.model,
      maxBatchSize,
      concurrency
    }
    return {
      backend: { ...built.service, embed: Embed.make(calls) },
      reranker: Rerank.make(calls),
      api: TeiApi.make(calls)
    }
  })

/**
 * The environment variables `layerConfig` reads.
 *
 * @since 0.1.0
 */
export const envNames: Backend.EnvNames = {
  apiKey: ["TEI_API_KEY", "HF_TOKEN", "HF_API_KEY"],
  baseUrl: ["TEI_BASE_URL"],
  model: ["TEI_MODEL"],
  policyPrefix: "TEI"
}

/**
 * The options from the environment: `TEI_BASE_URL` (default
 * `http://localhost:8080`), a token (`TEI_API_KEY`, `HF_TOKEN` or
 * `HF_API_KEY`, optional: sent as Bearer, e.g. to an Inference Endpoint),
 * `TEI_MODEL`, and the policy (`LLM_BACKENDS_CONFIG`, `TEI_MAX_RETRIES`,
 * ...). `overrides` win.
 *
 * @since 0.1.0
 */
export const optionsConfig = (
  overrides: Partial<Options> = {}
): Effect.Effect<Options, BackendConfig.BackendConfigError | Config.ConfigError> =>
  Effect.map(Backend.fromEnvironment(PROVIDER, envNames, overrides, false), (common) => ({ ...overrides, ...common }))

const entry = Backend.withExtras({
  build,
  fromEnvironment: optionsConfig,
  context: (built: Built) =>
    Context.make(LlmBackend, built.backend).pipe(
      Context.add(Reranker.Reranker, built.reranker),
      Context.add(TeiApi.TeiApi, built.api)
    )
})

/**
 * Builds the backend (`LlmBackend` only; see `build` for the reranker and extras too).
 *
 * @since 0.1.0
 */
export const make = entry.make

/**
 * The backend, the `Reranker` and `TeiApi` as one layer (one pipeline).
 * Needs an `HttpClient`.
 *
 * @since 0.1.0
 */
export const layer = entry.layer

/**
 * `make` configured from the environment (see `optionsConfig`).
 *
 * @since 0.1.0
 */
export const makeConfig = entry.makeConfig

/**
 * `layer` configured from the environment (see `optionsConfig`).
 *
 * @since 0.1.0
 */
export const layerConfig = entry.layerConfig
