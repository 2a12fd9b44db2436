/**
 * The OPEA backend (Open Platform for Enterprise AI): chat with streaming
 * and embeddings on the OpenAI-style routes of OPEA's microservices, a
 * `Reranker` over `/v1/reranking`, and the `OpeaApi` extras (the ChatQnA
 * megaservice, health checks). All of them share one pipeline: one queue,
 * breaker, key pool and stats for the deployment.
 *
 * Each microservice may live at its own base URL (`chatUrl`,
 * `embeddingsUrl`, `rerankUrl`, `chatqnaUrl`); each defaults to `baseUrl`
 * (a gateway that routes `/v1/...` to all of them). Auth is optional:
 * Bearer when a key is configured.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { LlmBackend, Message, Opea } from "effect-llm-backends"
 *
 * const OpeaLive = Opea.layer({
 *   baseUrl: "http://gateway:8888",
 *   chatUrl: "http://llm:9000",
 *   model: "Intel/neural-chat-7b-v3-3"
 * }).pipe(Layer.provide(FetchHttpClient.layer))
 * const program = LlmBackend.chat({ messages: [Message.user("Hi")] }).pipe(Effect.provide(OpeaLive))
 * ```
 *
 * @since 0.1.0
 */
import { Config, Context, Effect, Option } from "effect"
import type { HttpClient } from "effect/http"
import * as BackendConfig from "../../BackendConfigError.ts"
import { LlmBackend, type Service as BackendService } from "../../LlmBackend.ts"
import type { Provider } from "../../pipeline/Provider.ts"
import * as Reranker from "../../Reranker.ts"
import type * as ProviderHttp from "../../transport/ProviderHttp.ts"
import * as Backend from "../Backend.ts"
import * as Dialect from "../openai-compat/Dialect.ts"
import * as OpenAiCompat from "../openai-compat/OpenAiCompat.ts"
import * as ErrorCode from "./ErrorCode.ts"
import * as OpeaApi from "./OpeaApi.ts"
import * as Reranking from "./Reranking.ts"

const PROVIDER = "opea"

/**
 * Where a local ChatQnA gateway listens.
 *
 * @since 0.1.0
 */
export const DEFAULT_BASE_URL = "http://localhost:8888"

/**
 * @since 0.1.0
 */
export interface Options extends Backend.CommonOptions {
  /** Root of the text-generation microservice (`/v1/chat/completions`). Default `baseUrl`. */
  readonly chatUrl?: string | undefined
  /** Root of the embedding microservice (`/v1/embeddings`). Default `baseUrl`. */
  readonly embeddingsUrl?: string | undefined
  /** Root of the reranking microservice (`/v1/reranking`). Default `baseUrl`. */
  readonly rerankUrl?: string | undefined
  /** Root of the ChatQnA megaservice (`/v1/chatqna`). Default `baseUrl`. */
  readonly chatqnaUrl?: string | undefined
}

/**
 * The three services of one OPEA deployment, behind one pipeline.
 *
 * @since 0.1.0
 */
export interface Services {
  readonly backend: BackendService
  readonly reranker: Reranker.Service
  readonly api: OpeaApi.Service
}

const URL_SETTINGS: ReadonlyArray<readonly [OpeaApi.Microservice, "chatUrl" | "embeddingsUrl" | "rerankUrl" | "chatqnaUrl"]> = [
  ["chat", "chatUrl"],
  ["embeddings", "embeddingsUrl"],
  ["rerank", "rerankUrl"],
  ["chatqna", "chatqnaUrl"]
]

// Each microservice's validated base URL (its own setting, or `baseUrl`).
const serviceUrls = Effect.fnUntraced(function*(options: Options, base: string) {
  const out: Partial<Record<OpeaApi.Microservice, string>> = {}
  for (const [service, setting] of URL_SETTINGS) {
    const given = options[setting]
    out[service] = given === undefined ? base : yield* BackendConfig.baseUrl(PROVIDER, setting, given)
  }
  return out as Readonly<Record<OpeaApi.Microservice, string>>
})

// One transport per distinct base URL, built by `Backend` with the same
// trimmed keys to scrub, caps, malformedEvents policy and client as any
// backend's (transports built here once lacked all four).
const byService = (
  urls: Readonly<Record<OpeaApi.Microservice, string>>,
  transports: ReadonlyMap<string, ProviderHttp.ProviderHttp>
): Readonly<Record<OpeaApi.Microservice, ProviderHttp.ProviderHttp>> => {
  const at = (url: string) => transports.get(url)!
  return { chat: at(urls.chat), embeddings: at(urls.embeddings), rerank: at(urls.rerank), chatqna: at(urls.chatqna) }
}

// Chat and embeddings speak the OpenAI format, each on its own service. OPEA
// defines no model listing: `models` is unsupported, never a made-up list.
const translate = (http: Readonly<Record<OpeaApi.Microservice, ProviderHttp.ProviderHttp>>): Provider => {
  const chat = OpenAiCompat.make(http.chat, Dialect.opea)
  const embeddings = OpenAiCompat.make(http.embeddings, Dialect.opea)
  return { provider: PROVIDER, chat: chat.chat, stream: chat.stream, embed: embeddings.embed }
}

/**
 * Builds the backend, its `Reranker` and the `OpeaApi` extras on one pipeline.
 *
 * @since 0.1.0
 */
export const build = (options: Options = {}): Effect.Effect<Services, BackendConfig.BackendConfigError, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const base = yield* BackendConfig.baseUrl(PROVIDER, "baseUrl", options.baseUrl ?? DEFAULT_BASE_URL)
    const urls = yield* serviceUrls(options, base)
    const built = yield* Backend.build({
      provider: PROVIDER,
      defaultBaseUrl: DEFAULT_BASE_URL,
      requiresKey: false,
      http: { refine: ErrorCode.refine },
      otherBaseUrls: Object.values(urls),
      translate: (_, transports) => translate(byService(urls, transports))
    }, { ...options, baseUrl: base })
    const http = byService(urls, built.transports)
    return {
      backend: built.service,
      reranker: Reranking.make(http.rerank, built.extras),
      api: OpeaApi.make(http, built.extras, { model: options.model })
    }
  })

/**
 * The environment variables `buildConfig` reads for the common settings.
 *
 * @since 0.1.0
 */
export const envNames: Backend.EnvNames = {
  apiKey: ["OPEA_API_KEY"],
  baseUrl: ["OPEA_API_ENDPOINT"],
  model: ["OPEA_MODEL"],
  embeddingModel: ["OPEA_EMBEDDING_MODEL"],
  policyPrefix: "OPEA"
}

/**
 * The per-service URL variables, overriding `OPEA_API_ENDPOINT` for one service.
 *
 * @since 0.1.0
 */
export const urlEnvNames = {
  chatUrl: "OPEA_CHAT_URL",
  embeddingsUrl: "OPEA_EMBEDDINGS_URL",
  rerankUrl: "OPEA_RERANK_URL",
  chatqnaUrl: "OPEA_CHATQNA_URL"
} as const

// The options from the environment; `overrides` from code win.
const optionsConfig = (overrides: Partial<Options>): Effect.Effect<Options, BackendConfig.BackendConfigError | Config.ConfigError> =>
  Effect.gen(function*() {
    const common = yield* Backend.fromEnvironment(PROVIDER, envNames, overrides, false)
    const urls: { -readonly [K in keyof typeof urlEnvNames]?: string } = {}
    for (const [setting, name] of Object.entries(urlEnvNames) as ReadonlyArray<[keyof typeof urlEnvNames, string]>) {
      const value = overrides[setting] ?? Option.getOrUndefined(yield* Config.option(Config.String(name)))
      if (value !== undefined) urls[setting] = value
    }
    return { ...overrides, ...common, ...urls }
  })

const entry = Backend.withExtras({
  build,
  fromEnvironment: optionsConfig,
  context: (services: Services) =>
    Context.make(LlmBackend, services.backend).pipe(
      Context.add(Reranker.Reranker, services.reranker),
      Context.add(OpeaApi.OpeaApi, services.api)
    )
})

/**
 * Builds from the environment: `OPEA_API_ENDPOINT`, `OPEA_CHAT_URL`,
 * `OPEA_EMBEDDINGS_URL`, `OPEA_RERANK_URL`, `OPEA_CHATQNA_URL`,
 * `OPEA_API_KEY` / `OPEA_API_KEYS` (optional), `OPEA_MODEL`,
 * `OPEA_EMBEDDING_MODEL`, and the policy from `LLM_BACKENDS_CONFIG` and
 * `OPEA_MAX_RETRIES`, ... `overrides` from code win.
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
 * `LlmBackend`, `Reranker` and `OpeaApi` as one layer (one pipeline). Needs an
 * `HttpClient` (e.g. `FetchHttpClient.layer`).
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
