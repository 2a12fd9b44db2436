/**
 * The Claude (Anthropic) backend: chat, streaming, tools, system prompt,
 * images and the model list over the Messages API at
 * `https://api.anthropic.com/v1`. Anthropic has no embeddings endpoint:
 * `embed` fails with `Unsupported`.
 *
 * @example
 * ```ts
 * import { Effect, Layer, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { Anthropic, LlmBackend, Message } from "effect-llm-backends"
 *
 * const ClaudeLive = Anthropic.layer({ apiKey: Redacted.make("sk-ant-..."), model: "claude-sonnet-4-6" }).pipe(
 *   Layer.provide(FetchHttpClient.layer)
 * )
 * const program = LlmBackend.chat({ system: "Be brief.", messages: [Message.user("Hi")] }).pipe(Effect.provide(ClaudeLive))
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Layer, Redacted, type Config } from "effect"
import { type HttpClient, HttpClientRequest } from "effect/http"
import * as BackendConfig from "../../BackendConfigError.ts"
import { LlmBackend, type Service } from "../../LlmBackend.ts"
import * as LlmError from "../../LlmError.ts"
import * as Backend from "../Backend.ts"
import * as Messages from "./Messages.ts"

const PROVIDER = "anthropic"

/**
 * Anthropic's production endpoint.
 *
 * @since 0.1.0
 */
export const DEFAULT_BASE_URL = "https://api.anthropic.com/v1"

/**
 * The API version sent as `anthropic-version` unless one is configured.
 *
 * @since 0.1.0
 */
export const DEFAULT_VERSION = "2023-06-01"

/**
 * `max_tokens` for requests that set no `maxTokens`, unless one is configured.
 *
 * @since 0.1.0
 */
export const DEFAULT_MAX_TOKENS = 4096

/**
 * @since 0.1.0
 */
export interface Options extends Backend.CommonOptions {
  /** Output budget for requests that set none (Anthropic requires `max_tokens`). Default 4096. */
  readonly maxTokens?: number | undefined
  /** Sent as `anthropic-version`. Default `2023-06-01`. */
  readonly version?: string | undefined
}

// Anthropic answers an exhausted credit balance with a plain 400
// invalid_request_error; waiting or retrying cannot fix it, another key can.
const refine: NonNullable<NonNullable<Backend.Spec["http"]>["refine"]> = (failure, reason) =>
  reason._tag === "InvalidRequest" && /credit balance is too low/i.test(failure.body)
    ? new LlmError.QuotaExhausted(reason.detail === undefined ? {} : { detail: reason.detail })
    : reason

/**
 * Builds a Claude backend. Many can coexist (e.g. two workspaces).
 *
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<Service, BackendConfig.BackendConfigError, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS
    if (!Number.isInteger(maxTokens) || maxTokens < 1) {
      return yield* new BackendConfig.BackendConfigError({
        provider: PROVIDER,
        setting: "maxTokens",
        detail: `must be a positive integer, got ${maxTokens}`
      })
    }
    const version = (yield* BackendConfig.nonEmpty(PROVIDER, "version", options.version)) ?? DEFAULT_VERSION
    return yield* Backend.make({
      provider: PROVIDER,
      defaultBaseUrl: DEFAULT_BASE_URL,
      requiresKey: true,
      headerSettings: { "anthropic-version": "version" },
      http: {
        headers: { "anthropic-version": version },
        // Anthropic wants the key in x-api-key; it never takes a Bearer token.
        authorize: (request, key) => HttpClientRequest.setHeader(request, "x-api-key", Redacted.value(key)),
        providerRequestIdHeaders: ["request-id"],
        refine
      },
      translate: (http) => Messages.make(http, { maxTokens })
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
  apiKey: ["ANTHROPIC_API_KEY", "CLAUDE_API_KEY"],
  baseUrl: ["ANTHROPIC_BASE_URL"],
  model: ["ANTHROPIC_MODEL"],
  policyPrefix: "ANTHROPIC"
}

/**
 * The backend configured from the environment: `ANTHROPIC_API_KEY` (or
 * `CLAUDE_API_KEY`; required unless `ANTHROPIC_API_KEYS` or the config file
 * lists keys), `ANTHROPIC_BASE_URL`, `ANTHROPIC_MODEL`, and the policy from
 * `LLM_BACKENDS_CONFIG` and `ANTHROPIC_MAX_RETRIES`, ... `overrides` from
 * code win.
 *
 * @since 0.1.0
 */
export const makeConfig = (
  overrides: Partial<Options> = {}
): Effect.Effect<Service, BackendConfig.BackendConfigError | Config.ConfigError, HttpClient.HttpClient> =>
  Effect.flatMap(
    Backend.fromEnvironment(PROVIDER, envNames, overrides, true),
    (common) => make({ ...overrides, ...common })
  )

/**
 * {@link makeConfig} as a layer.
 *
 * @since 0.1.0
 */
export const layerConfig = (
  overrides: Partial<Options> = {}
): Layer.Layer<LlmBackend, BackendConfig.BackendConfigError | Config.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(LlmBackend, makeConfig(overrides))
