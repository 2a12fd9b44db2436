/**
 * The Groq backend: Groq's OpenAI-compatible API at
 * `https://api.groq.com/openai/v1` (chat, streaming, tools, JSON output,
 * models). Groq has no embeddings endpoint: `embed` fails with `Unsupported`.
 * Models are listed from the API; any model name is passed through as is.
 *
 * @since 0.1.0
 */
import { Effect, Layer, type Config } from "effect"
import type { HttpClient } from "effect/http"
import type * as BackendConfig from "../../BackendConfigError.ts"
import { LlmBackend, type Service } from "../../LlmBackend.ts"
import * as Backend from "../Backend.ts"
import * as Dialect from "../openai-compat/Dialect.ts"
import * as OpenAiCompat from "../openai-compat/OpenAiCompat.ts"

const PROVIDER = "groq"

/**
 * Groq's OpenAI-compatible endpoint.
 *
 * @since 0.1.0
 */
export const DEFAULT_BASE_URL = "https://api.groq.com/openai/v1"

/**
 * @since 0.1.0
 */
export interface Options extends Backend.CommonOptions {
}

const spec: Backend.Spec = {
  provider: PROVIDER,
  defaultBaseUrl: DEFAULT_BASE_URL,
  requiresKey: true,
  http: { providerRequestIdHeaders: ["x-request-id"] },
  translate: (http) => OpenAiCompat.make(http, Dialect.groq)
}

/**
 * Builds a Groq backend.
 *
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<Service, BackendConfig.BackendConfigError, HttpClient.HttpClient> =>
  Backend.make(spec, options)

/**
 * The backend as a layer. Needs an `HttpClient`.
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
  apiKey: ["GROQ_API_KEY"],
  baseUrl: ["GROQ_BASE_URL"],
  model: ["GROQ_MODEL"],
  policyPrefix: "GROQ"
}

/**
 * The backend configured from the environment: `GROQ_API_KEY` (required),
 * `GROQ_BASE_URL`, `GROQ_MODEL`, and the policy from `LLM_BACKENDS_CONFIG`
 * and `GROQ_MAX_RETRIES`, ... `overrides` from code win.
 *
 * @since 0.1.0
 */
export const makeConfig = (
  overrides: Partial<Options> = {}
): Effect.Effect<Service, BackendConfig.BackendConfigError | Config.ConfigError, HttpClient.HttpClient> =>
  Effect.flatMap(Backend.fromEnvironment(PROVIDER, envNames, overrides, true), (common) => make({ ...overrides, ...common }))

/**
 * {@link makeConfig} as a layer.
 *
 * @since 0.1.0
 */
export const layerConfig = (
  overrides: Partial<Options> = {}
): Layer.Layer<LlmBackend, BackendConfig.BackendConfigError | Config.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(LlmBackend, makeConfig(overrides))
