/**
 * The OpenVINO Model Server backend. One server, three services over one
 * pipeline (one queue, breaker, key pool and stats):
 *
 * - `LlmBackend`: chat, streaming and embeddings on the OpenAI-compatible
 *   `/v3` routes; models from `GET /v1/config` where the deployment has it.
 * - `Reranker`: `POST /v3/rerank`.
 * - `OvmsApi`: KServe v2 tensors (`/v2`): infer, metadata, readiness; and,
 *   with `tfServing: true`, the legacy TF-Serving `:predict` (`/v1`).
 *
 * The base URL is the server root (`http://localhost:8000`), not `/v3`. No
 * key is needed; one, when given, is sent as `Authorization: Bearer` (OVMS
 * started with `--api_key_file`, or behind a proxy).
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { LlmBackend, Message, Ovms, OvmsApi, OvmsTensor } from "effect-llm-backends"
 *
 * const OvmsLive = Ovms.layer({ baseUrl: "http://localhost:8000", model: "llama3" }).pipe(
 *   Layer.provide(FetchHttpClient.layer)
 * )
 * const program = Effect.gen(function*() {
 *   const reply = yield* LlmBackend.chat({ messages: [Message.user("Hi")] })
 *   const ovms = yield* OvmsApi.OvmsApi
 *   const result = yield* ovms.infer("resnet", { inputs: [OvmsTensor.make("0", "FP32", [1, 1], [0.5])] })
 *   return [reply.text, result.outputs.length] as const
 * }).pipe(Effect.provide(OvmsLive))
 * ```
 *
 * @since 0.1.0
 */
import { Config, Context, Effect, Option } from "effect"
import type { HttpClient } from "effect/http"
import * as BackendConfig from "../../BackendConfigError.ts"
import { LlmBackend, type Service } from "../../LlmBackend.ts"
import * as Reranker from "../../Reranker.ts"
import * as Backend from "../Backend.ts"
import * as OvmsApi from "./OvmsApi.ts"
import * as OvmsProvider from "./OvmsProvider.ts"
import * as Rerank from "./Rerank.ts"

const PROVIDER = "ovms"

/**
 * Where OVMS's REST API listens in its own examples (`--rest_port 8000`).
 *
 * @since 0.1.0
 */
export const DEFAULT_BASE_URL = "http://localhost:8000"

/**
 * @since 0.1.0
 */
export interface Options extends Backend.CommonOptions {
  /** Model for rerank requests that name none (default: `model`). */
  readonly rerankModel?: string | undefined
  /**
   * Whether the deployment lists its models at `GET /v1/config` (default
   * true). OVMS 2026.3 removed that route: set false there, and `models`
   * fails as `Unsupported` without a request (a 404 from the route says the
   * same).
   */
  readonly listModels?: boolean | undefined
  /**
   * Enables `OvmsApi.predict`, the legacy TF-Serving REST API (`/v1`,
   * removed in OVMS 2026.3) in row format. Default false: `predict` is
   * `Unsupported`.
   */
  readonly tfServing?: boolean | undefined
}

/**
 * The three services of one OVMS deployment, sharing one pipeline.
 *
 * @since 0.1.0
 */
export interface Services {
  readonly backend: Service
  readonly api: OvmsApi.Service
  readonly reranker: Reranker.Service
}

const spec = (options: Options): Backend.Spec => ({
  provider: PROVIDER,
  defaultBaseUrl: DEFAULT_BASE_URL,
  requiresKey: false,
  translate: (http) => OvmsProvider.make(http, { listModels: options.listModels ?? true })
})

/**
 * Builds the backend, the reranker and the tensor API over one pipeline.
 *
 * @since 0.1.0
 */
export const build = (options: Options = {}): Effect.Effect<Services, BackendConfig.BackendConfigError, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const rerankModel = yield* BackendConfig.nonEmpty(PROVIDER, "rerankModel", options.rerankModel)
    const built = yield* Backend.build(spec(options), options)
    return {
      backend: built.service,
      api: OvmsApi.make(built.http, built.extras, { tfServing: options.tfServing ?? false }),
      reranker: Rerank.make(built.http, built.extras, rerankModel ?? options.model)
    }
  })

/**
 * The environment variables `makeConfig` and `layerConfig` read.
 *
 * @since 0.1.0
 */
export const envNames: Backend.EnvNames = {
  apiKey: ["OVMS_API_KEY"],
  baseUrl: ["OVMS_API_URL"],
  model: ["OVMS_MODEL"],
  embeddingModel: ["OVMS_EMBEDDING_MODEL"],
  policyPrefix: "OVMS"
}

/**
 * The settings from the environment: `OVMS_API_URL`, `OVMS_API_KEY` (or
 * `OVMS_API_KEYS`, optional), `OVMS_MODEL`, `OVMS_EMBEDDING_MODEL`,
 * `OVMS_RERANK_MODEL`, and the policy from `LLM_BACKENDS_CONFIG` and
 * `OVMS_MAX_RETRIES`, ... `overrides` from code win.
 *
 * @since 0.1.0
 */
export const optionsFromEnvironment = (
  overrides: Partial<Options> = {}
): Effect.Effect<Options, BackendConfig.BackendConfigError | Config.ConfigError> =>
  Effect.gen(function*() {
    const common = yield* Backend.fromEnvironment(PROVIDER, envNames, overrides, false)
    const rerankModel = yield* Config.option(Config.String("OVMS_RERANK_MODEL"))
    return {
      ...common,
      rerankModel: overrides.rerankModel ?? Option.getOrUndefined(rerankModel),
      listModels: overrides.listModels,
      tfServing: overrides.tfServing
    }
  })

const entry = Backend.withExtras({
  build,
  fromEnvironment: optionsFromEnvironment,
  context: (services: Services) =>
    Context.make(LlmBackend, services.backend).pipe(
      Context.add(OvmsApi.OvmsApi, services.api),
      Context.add(Reranker.Reranker, services.reranker)
    )
})

/**
 * Builds the `LlmBackend` alone (e.g. as a router target). Use `build` or
 * `layer` for the reranker and tensor API on the same pipeline.
 *
 * @since 0.1.0
 */
export const make = entry.make

/**
 * `LlmBackend`, `Reranker` and `OvmsApi` from one build (one pipeline).
 * Needs an `HttpClient` (e.g. `FetchHttpClient.layer`).
 *
 * @since 0.1.0
 */
export const layer = entry.layer

/**
 * `make` from the environment (see `optionsFromEnvironment`).
 *
 * @since 0.1.0
 */
export const makeConfig = entry.makeConfig

/**
 * `layer` from the environment (see `optionsFromEnvironment`).
 *
 * @since 0.1.0
 */
export const layerConfig = entry.layerConfig
