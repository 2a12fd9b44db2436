/**
 * A generic REST model server ("LLVM" in the predecessor; no public product
 * has that name). `LlvmApi` lists and describes models and runs them on
 * JSON input (`infer`, `batchInfer`); `LlmBackend` offers `models`, and chat
 * and stream when the server has an OpenAI-style chat route (`routes.chat`)
 * or completions route (`routes.completions`). Both share one pipeline.
 *
 * Defaults: base `http://localhost:8090`; `GET /models`,
 * `GET /models/{model}`, `POST /models/{model}/infer`,
 * `POST /models/{model}/batch_infer`; every route overridable. A key, when
 * configured, is sent as `Authorization: Bearer`.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { Llvm, LlvmApi } from "effect-llm-backends"
 *
 * const Live = Llvm.layer({ routes: { infer: "/v2/{model}/predict" } }).pipe(Layer.provide(FetchHttpClient.layer))
 * const program = LlvmApi.LlvmApi.use((server) => server.infer("tagger", { text: "hi" })).pipe(Effect.provide(Live))
 * ```
 *
 * @since 0.1.0
 */
import { Config, Context, Effect, Option } from "effect"
import type { HttpClient } from "effect/http"
import type * as BackendConfig from "../../BackendConfigError.ts"
import { LlmBackend, type Service as BackendService } from "../../LlmBackend.ts"
import type { Provider } from "../../pipeline/Provider.ts"
import type { ProviderHttp } from "../../transport/ProviderHttp.ts"
import * as Backend from "../Backend.ts"
import type { Dialect } from "../openai-compat/Dialect.ts"
import * as OpenAiCompat from "../openai-compat/OpenAiCompat.ts"
import * as Completion from "./Completion.ts"
import * as LlvmApi from "./LlvmApi.ts"
import * as Models from "./Models.ts"
import * as Routes from "./Routes.ts"

const PROVIDER = "llvm"

/**
 * The predecessor's default address.
 *
 * @since 0.1.0
 */
export const DEFAULT_BASE_URL = "http://localhost:8090"

/**
 * @since 0.1.0
 */
export interface Options extends Backend.CommonOptions {
  /** Route overrides over `Routes.defaults`. */
  readonly routes?: Partial<Routes.Routes> | undefined
}

/**
 * The two services of one server, behind one pipeline.
 *
 * @since 0.1.0
 */
export interface Services {
  readonly backend: BackendService
  readonly api: LlvmApi.Service
}

// A generic OpenAI-style server: the most widely accepted field names, no
// extensions it may reject (stream_options, top_k).
const dialect = (chat: string, models: string): Dialect => ({
  maxTokensField: "max_tokens",
  systemRole: "system",
  streamUsage: false,
  topK: false,
  embeddingEncodingFormat: false,
  paths: { chat, embeddings: undefined, models }
})

const translate = (http: ProviderHttp, routes: Routes.Routes): Provider => {
  const models: Provider["models"] = (call) =>
    Effect.map(http.json({ method: "GET", path: routes.models }, call, Models.Wire), (reply) => Models.fromWire(PROVIDER, reply.body))
  if (routes.chat !== undefined) {
    const chat = OpenAiCompat.make(http, dialect(routes.chat, routes.models))
    return { provider: PROVIDER, chat: chat.chat, stream: chat.stream, models }
  }
  if (routes.completions !== undefined) {
    const completion = Completion.make(http, routes.completions)
    return { provider: PROVIDER, chat: completion.chat, stream: completion.stream, models }
  }
  return { provider: PROVIDER, models }
}

/**
 * Builds the backend and the `LlvmApi` on one pipeline.
 *
 * @since 0.1.0
 */
export const build = (options: Options = {}): Effect.Effect<Services, BackendConfig.BackendConfigError, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const routes = yield* Routes.make(PROVIDER, options.routes)
    const built = yield* Backend.build({
      provider: PROVIDER,
      defaultBaseUrl: DEFAULT_BASE_URL,
      requiresKey: false,
      translate: (http) => translate(http, routes)
    }, options)
    return { backend: built.service, api: LlvmApi.make(built.http, built.extras, routes, built.service.models) }
  })

/**
 * The environment variables `buildConfig` reads for the common settings.
 *
 * @since 0.1.0
 */
export const envNames: Backend.EnvNames = {
  apiKey: ["LLVM_API_KEY"],
  baseUrl: ["LLVM_BASE_URL"],
  model: ["LLVM_MODEL"],
  policyPrefix: "LLVM"
}

// The options from the environment; `overrides` from code win (route by route).
const optionsConfig = (overrides: Partial<Options>): Effect.Effect<Options, BackendConfig.BackendConfigError | Config.ConfigError> =>
  Effect.gen(function*() {
    const common = yield* Backend.fromEnvironment(PROVIDER, envNames, overrides, false)
    const chat = Option.getOrUndefined(yield* Config.option(Config.String("LLVM_CHAT_ROUTE")))
    const completions = Option.getOrUndefined(yield* Config.option(Config.String("LLVM_COMPLETIONS_ROUTE")))
    const fromEnv: Partial<Routes.Routes> = {
      ...(chat === undefined ? {} : { chat }),
      ...(completions === undefined ? {} : { completions })
    }
    return { ...overrides, ...common, routes: { ...fromEnv, ...overrides.routes } }
  })

const entry = Backend.withExtras({
  build,
  fromEnvironment: optionsConfig,
  context: (services: Services) => Context.make(LlmBackend, services.backend).pipe(Context.add(LlvmApi.LlvmApi, services.api))
})

/**
 * Builds from the environment: `LLVM_BASE_URL`, `LLVM_API_KEY` /
 * `LLVM_API_KEYS` (optional), `LLVM_MODEL`, `LLVM_CHAT_ROUTE`,
 * `LLVM_COMPLETIONS_ROUTE`, and the policy from `LLM_BACKENDS_CONFIG` and
 * `LLVM_MAX_RETRIES`, ... `overrides` from code win.
 *
 * @since 0.1.0
 */
export const buildConfig = entry.buildConfig

/**
 * The `LlmBackend` alone (its extras share a pipeline only when built together: see `build`).
 *
 * @since 0.1.0
 */
export const make = entry.make

/**
 * The `LlmBackend` alone, configured from the environment (see `buildConfig`).
 *
 * @since 0.1.0
 */
export const makeConfig = entry.makeConfig

/**
 * `LlmBackend` and `LlvmApi` as one layer. Needs an `HttpClient`.
 *
 * @since 0.1.0
 */
export const layer = entry.layer

/**
 * The layer configured from the environment (see `buildConfig`).
 *
 * @since 0.1.0
 */
export const layerConfig = entry.layerConfig
