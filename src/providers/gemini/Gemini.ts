/**
 * The Gemini backend: Google's native Gemini API
 * (`https://generativelanguage.googleapis.com/v1beta`) with chat, SSE
 * streaming, system instructions, function calling, JSON output with a
 * schema, inline images, embeddings (single and batch) and the model list.
 * The key travels only in the `x-goog-api-key` header, never in the URL.
 *
 * @example
 * ```ts
 * import { Effect, Layer, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { Gemini, LlmBackend, Message } from "effect-llm-backends"
 *
 * const GeminiLive = Gemini.layer({ apiKey: Redacted.make("AIza..."), model: "gemini-2.0-flash" }).pipe(
 *   Layer.provide(FetchHttpClient.layer)
 * )
 * const program = LlmBackend.chat({ messages: [Message.user("Hi")] }).pipe(Effect.provide(GeminiLive))
 * ```
 *
 * @since 0.1.0
 */
import { type Config, Effect, Layer, Redacted } from "effect"
import { HttpClientRequest, type HttpClient } from "effect/http"
import type * as BackendConfig from "../../BackendConfigError.ts"
import { LlmBackend, type Service } from "../../LlmBackend.ts"
import * as Backend from "../Backend.ts"
import * as GeminiError from "./GeminiError.ts"
import * as GenerativeLanguage from "./GenerativeLanguage.ts"

const PROVIDER = "gemini"

/**
 * Gemini's production endpoint (the API version is part of the base URL).
 *
 * @since 0.1.0
 */
export const DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com/v1beta"

/**
 * Model ids may be given bare (`gemini-2.0-flash`) or as resource names
 * (`models/gemini-2.0-flash`).
 *
 * @since 0.1.0
 */
export interface Options extends Backend.CommonOptions {
}

const spec: Backend.Spec = {
  provider: PROVIDER,
  defaultBaseUrl: DEFAULT_BASE_URL,
  requiresKey: true,
  http: {
    authorize: (request, key) => HttpClientRequest.setHeader(request, GenerativeLanguage.KEY_HEADER, Redacted.value(key)),
    // effect/http redacts authorization and x-api-key in traces by itself, not ours.
    secretHeaders: [GenerativeLanguage.KEY_HEADER],
    refine: GeminiError.refine
  },
  translate: GenerativeLanguage.make
}

/**
 * Builds a Gemini backend. Many can coexist (e.g. two projects' keys).
 *
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<Service, BackendConfig.BackendConfigError, HttpClient.HttpClient> =>
  Backend.make(spec, options)

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
  apiKey: ["GEMINI_API_KEY", "GOOGLE_API_KEY"],
  baseUrl: ["GEMINI_BASE_URL"],
  model: ["GEMINI_MODEL"],
  embeddingModel: ["GEMINI_EMBEDDING_MODEL"],
  policyPrefix: "GEMINI"
}

/**
 * The backend configured from the environment: `GEMINI_API_KEY` (or
 * `GOOGLE_API_KEY`; one is required unless `GEMINI_API_KEYS` lists several),
 * `GEMINI_BASE_URL`, `GEMINI_MODEL`, `GEMINI_EMBEDDING_MODEL`, and the policy
 * from `LLM_BACKENDS_CONFIG` and `GEMINI_MAX_RETRIES`, ... `overrides` from
 * code win.
 *
 * @since 0.1.0
 */
export const makeConfig = (
  overrides: Partial<Options> = {}
): Effect.Effect<Service, BackendConfig.BackendConfigError | Config.ConfigError, HttpClient.HttpClient> =>
  // A missing key fails naming GEMINI_API_KEY, GOOGLE_API_KEY and GEMINI_API_KEYS.
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
