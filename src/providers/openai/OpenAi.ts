/**
 * The OpenAI backend: chat, streaming, tools, JSON output, images,
 * embeddings and models over `https://api.openai.com/v1` (or any URL speaking
 * the same API).
 *
 * @example
 * ```ts
 * import { Effect, Layer, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { LlmBackend, Message, OpenAi } from "effect-llm-backends"
 *
 * const OpenAiLive = OpenAi.layer({ apiKey: Redacted.make("sk-..."), model: "gpt-4o-mini" }).pipe(
 *   Layer.provide(FetchHttpClient.layer)
 * )
 * const program = LlmBackend.chat({ messages: [Message.user("Hi")] }).pipe(Effect.provide(OpenAiLive))
 * ```
 *
 * @since 0.1.0
 */
import { Config, Effect, Layer, Option, Redacted } from "effect"
import type { HttpClient } from "effect/http"
import * as BackendConfig from "../../BackendConfigError.ts"
import { LlmBackend, type Service } from "../../LlmBackend.ts"
import * as Pipeline from "../../pipeline/Pipeline.ts"
import * as Policy from "../../pipeline/Policy.ts"
import * as ProviderHttp from "../../transport/ProviderHttp.ts"
import * as Dialect from "../openai-compat/Dialect.ts"
import * as OpenAiCompat from "../openai-compat/OpenAiCompat.ts"

const PROVIDER = "openai"

/**
 * OpenAI's production endpoint.
 *
 * @since 0.1.0
 */
export const DEFAULT_BASE_URL = "https://api.openai.com/v1"

/**
 * @since 0.1.0
 */
export interface Options {
  readonly apiKey: Redacted.Redacted<string>
  /** Default `https://api.openai.com/v1`; point it at any compatible server. */
  readonly baseUrl?: string | undefined
  /** Sent as `OpenAI-Organization`. */
  readonly organization?: string | undefined
  /** Sent as `OpenAI-Project`. */
  readonly project?: string | undefined
  /** Model for chat requests that name none. */
  readonly model?: string | undefined
  /** Model for embedding requests that name none. */
  readonly embeddingModel?: string | undefined
  /** Queue, retry, breaker and timeout settings over the defaults. */
  readonly policy?: Policy.Input | undefined
}

/**
 * Builds an OpenAI backend. Many can coexist (e.g. two organizations).
 *
 * @since 0.1.0
 */
export const make = Effect.fnUntraced(function*(options: Options) {
  const baseUrl = yield* BackendConfig.baseUrl(PROVIDER, "baseUrl", options.baseUrl ?? DEFAULT_BASE_URL)
  if (Redacted.value(options.apiKey).trim().length === 0) {
    return yield* new BackendConfig.BackendConfigError({ provider: PROVIDER, setting: "apiKey", detail: "must not be empty" })
  }
  const organization = yield* BackendConfig.nonEmpty(PROVIDER, "organization", options.organization)
  const project = yield* BackendConfig.nonEmpty(PROVIDER, "project", options.project)
  const model = yield* BackendConfig.nonEmpty(PROVIDER, "model", options.model)
  const embeddingModel = yield* BackendConfig.nonEmpty(PROVIDER, "embeddingModel", options.embeddingModel)

  const headers: Record<string, string> = {}
  if (organization !== undefined) headers["openai-organization"] = organization
  if (project !== undefined) headers["openai-project"] = project

  const http = yield* ProviderHttp.make({
    provider: PROVIDER,
    baseUrl,
    headers,
    // OpenAI accepts a caller-chosen id here and echoes it in its logs.
    requestIdHeader: "x-client-request-id",
    providerRequestIdHeaders: ["x-request-id"],
    secrets: [options.apiKey]
  })
  const policy = yield* Policy.make(PROVIDER, options.policy)
  const provider = OpenAiCompat.make(http, Dialect.openai)
  return yield* Pipeline.make(provider, { model, embeddingModel, policy, keys: [{ name: "default", value: options.apiKey }] })
}) satisfies (options: Options) => Effect.Effect<Service, BackendConfig.BackendConfigError, HttpClient.HttpClient>

/**
 * The backend as a layer. Needs an `HttpClient` (e.g. `FetchHttpClient.layer`).
 *
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<LlmBackend, BackendConfig.BackendConfigError, HttpClient.HttpClient> =>
  Layer.effect(LlmBackend, make(options))

/**
 * Reads the options from the environment: `OPENAI_API_KEY` (required),
 * `OPENAI_BASE_URL`, `OPENAI_ORG_ID` (or `OPENAI_ORGANIZATION`),
 * `OPENAI_PROJECT_ID`, `OPENAI_MODEL`, `OPENAI_EMBEDDING_MODEL`; the policy
 * from `LLM_BACKENDS_CONFIG` (a JSON file) and `OPENAI_MAX_RETRIES`, ... (see
 * `Policy.fromEnvironment`).
 *
 * @since 0.1.0
 */
export const config: Config.Config<Options> = Config.all({
  apiKey: Config.Redacted("OPENAI_API_KEY"),
  baseUrl: Config.option(Config.String("OPENAI_BASE_URL")),
  organization: Config.option(Config.String("OPENAI_ORG_ID").pipe(Config.orElse(() => Config.String("OPENAI_ORGANIZATION")))),
  project: Config.option(Config.String("OPENAI_PROJECT_ID")),
  model: Config.option(Config.String("OPENAI_MODEL")),
  embeddingModel: Config.option(Config.String("OPENAI_EMBEDDING_MODEL"))
}).pipe(
  Config.map(({ apiKey, ...rest }) => ({
    apiKey,
    baseUrl: Option.getOrUndefined(rest.baseUrl),
    organization: Option.getOrUndefined(rest.organization),
    project: Option.getOrUndefined(rest.project),
    model: Option.getOrUndefined(rest.model),
    embeddingModel: Option.getOrUndefined(rest.embeddingModel)
  }))
)

/**
 * The backend configured from the environment (see {@link config}); `overrides`
 * win over the environment.
 *
 * @since 0.1.0
 */
export const layerConfig = (
  overrides?: Partial<Options>
): Layer.Layer<LlmBackend, BackendConfig.BackendConfigError | Config.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(
    LlmBackend,
    Effect.gen(function*() {
      const fromEnv = yield* config
      const policy = yield* Policy.fromEnvironment(PROVIDER, "OPENAI", overrides?.policy)
      return yield* make({ ...fromEnv, ...overrides, policy })
    })
  )
