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
import { Config, Effect, Layer, Option } from "effect"
import type { HttpClient } from "effect/http"
import * as BackendConfig from "../../BackendConfigError.ts"
import { LlmBackend, type Service } from "../../LlmBackend.ts"
import * as Backend from "../Backend.ts"
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
export interface Options extends Backend.CommonOptions {
  /** Sent as `OpenAI-Organization`. */
  readonly organization?: string | undefined
  /** Sent as `OpenAI-Project`. */
  readonly project?: string | undefined
}

/**
 * Builds an OpenAI backend. Many can coexist (e.g. two organizations).
 *
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<Service, BackendConfig.BackendConfigError, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const organization = yield* BackendConfig.nonEmpty(PROVIDER, "organization", options.organization)
    const project = yield* BackendConfig.nonEmpty(PROVIDER, "project", options.project)
    const headers: Record<string, string> = {}
    if (organization !== undefined) headers["openai-organization"] = organization
    if (project !== undefined) headers["openai-project"] = project
    return yield* Backend.make({
      provider: PROVIDER,
      defaultBaseUrl: DEFAULT_BASE_URL,
      requiresKey: true,
      headerSettings: { "openai-organization": "organization", "openai-project": "project" },
      http: {
        headers,
        // OpenAI accepts a caller-chosen id here and echoes it in its logs.
        requestIdHeader: "x-client-request-id",
        providerRequestIdHeaders: ["x-request-id"]
      },
      translate: (http) => OpenAiCompat.make(http, Dialect.openai)
    }, options)
  })

/**
 * The backend as a layer. Needs an `HttpClient` (e.g. `FetchHttpClient.layer`).
 *
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<LlmBackend, BackendConfig.BackendConfigError, HttpClient.HttpClient> =>
  Layer.effect(LlmBackend, make(options))

/**
 * The environment variables `layerConfig` reads.
 *
 * @since 0.1.0
 */
export const envNames: Backend.EnvNames = {
  apiKey: ["OPENAI_API_KEY"],
  baseUrl: ["OPENAI_BASE_URL"],
  model: ["OPENAI_MODEL"],
  embeddingModel: ["OPENAI_EMBEDDING_MODEL"],
  policyPrefix: "OPENAI"
}

/**
 * The backend configured from the environment: `OPENAI_API_KEY` (required),
 * `OPENAI_BASE_URL`, `OPENAI_ORG_ID` (or `OPENAI_ORGANIZATION`),
 * `OPENAI_PROJECT_ID`, `OPENAI_MODEL`, `OPENAI_EMBEDDING_MODEL`, and the
 * policy from `LLM_BACKENDS_CONFIG` and `OPENAI_MAX_RETRIES`, ... `overrides`
 * from code win.
 *
 * @since 0.1.0
 */
export const makeConfig = (
  overrides: Partial<Options> = {}
): Effect.Effect<Service, BackendConfig.BackendConfigError | Config.ConfigError, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const common = yield* Backend.fromEnvironment(PROVIDER, envNames, overrides, true)
    const organization = yield* Config.option(
      Config.orElse(Config.String("OPENAI_ORG_ID"), () => Config.String("OPENAI_ORGANIZATION"))
    )
    const project = yield* Config.option(Config.String("OPENAI_PROJECT_ID"))
    return yield* make({
      ...overrides,
      ...common,
      organization: overrides.organization ?? Option.getOrUndefined(organization),
      project: overrides.project ?? Option.getOrUndefined(project)
    })
  })

/**
 * {@link makeConfig} as a layer.
 *
 * @since 0.1.0
 */
export const layerConfig = (
  overrides: Partial<Options> = {}
): Layer.Layer<LlmBackend, BackendConfig.BackendConfigError | Config.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(LlmBackend, makeConfig(overrides))
