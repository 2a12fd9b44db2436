/**
 * What every provider module does the same way: check its settings (failing
 * at layer build, naming the setting), set up the transport, validate the
 * policy, and put its translation behind the pipeline. A provider module
 * supplies only its names, defaults, auth header and translation.
 *
 * @since 0.1.0
 */
import { Config, Effect, Option, Redacted } from "effect"
import type { HttpClient } from "effect/http"
import * as BackendConfig from "../BackendConfigError.ts"
import type { Service } from "../LlmBackend.ts"
import * as Pipeline from "../pipeline/Pipeline.ts"
import * as Policy from "../pipeline/Policy.ts"
import type { Provider } from "../pipeline/Provider.ts"
import * as ProviderHttp from "../transport/ProviderHttp.ts"

/**
 * Settings every backend accepts.
 *
 * @since 0.1.0
 */
export interface CommonOptions {
  /** The API key (required where the service needs one). */
  readonly apiKey?: Redacted.Redacted<string> | undefined
  /** Base URL of the service (each provider has a default). */
  readonly baseUrl?: string | undefined
  /** Model for chat requests that name none. */
  readonly model?: string | undefined
  /** Model for embedding requests that name none. */
  readonly embeddingModel?: string | undefined
  /** Queue, retry, breaker and timeout settings over the defaults. */
  readonly policy?: Policy.Input | undefined
}

/**
 * How a provider is assembled.
 *
 * @since 0.1.0
 */
export interface Spec {
  readonly provider: string
  readonly defaultBaseUrl: string
  /** Whether the service refuses calls without a key. */
  readonly requiresKey: boolean
  /** Transport settings beyond base URL and secrets (auth header, ids, extra headers, refine). */
  readonly http?: Omit<ProviderHttp.Options, "provider" | "baseUrl" | "secrets"> | undefined
  /** The provider's translation over its transport. */
  readonly translate: (http: ProviderHttp.ProviderHttp) => Provider
}

/**
 * Builds the transport and the translation, validated: the pieces a provider
 * service with extras (e.g. Ollama's pull) needs besides the backend.
 *
 * @since 0.1.0
 */
export const parts = Effect.fnUntraced(function*(spec: Spec, options: CommonOptions) {
  const fail = (setting: string, detail: string) =>
    new BackendConfig.BackendConfigError({ provider: spec.provider, setting, detail })
  const baseUrl = yield* BackendConfig.baseUrl(spec.provider, "baseUrl", options.baseUrl ?? spec.defaultBaseUrl)
  const apiKey = options.apiKey
  if (apiKey !== undefined && Redacted.value(apiKey).trim().length === 0) return yield* fail("apiKey", "must not be empty")
  if (apiKey === undefined && spec.requiresKey) return yield* fail("apiKey", "required")
  const model = yield* BackendConfig.nonEmpty(spec.provider, "model", options.model)
  const embeddingModel = yield* BackendConfig.nonEmpty(spec.provider, "embeddingModel", options.embeddingModel)
  const policy = yield* Policy.make(spec.provider, options.policy)
  const http = yield* ProviderHttp.make({
    ...spec.http,
    provider: spec.provider,
    baseUrl,
    secrets: apiKey === undefined ? [] : [apiKey]
  })
  return { http, provider: spec.translate(http), apiKey, model, embeddingModel, policy }
})

/**
 * Builds a backend: the provider's translation behind the pipeline.
 *
 * @since 0.1.0
 */
export const make = (
  spec: Spec,
  options: CommonOptions
): Effect.Effect<Service, BackendConfig.BackendConfigError, HttpClient.HttpClient> =>
  Effect.flatMap(parts(spec, options), ({ apiKey, embeddingModel, model, policy, provider }) =>
    Pipeline.make(provider, {
      model,
      embeddingModel,
      policy,
      keys: apiKey === undefined ? [] : [{ name: "default", value: apiKey }]
    }))

/**
 * Environment variable names for the common settings; the first one set wins.
 *
 * @since 0.1.0
 */
export interface EnvNames {
  readonly apiKey?: ReadonlyArray<string>
  readonly baseUrl?: ReadonlyArray<string>
  readonly model?: ReadonlyArray<string>
  readonly embeddingModel?: ReadonlyArray<string>
  /** Prefix of the policy variables, e.g. `ANTHROPIC` for `ANTHROPIC_MAX_RETRIES`. */
  readonly policyPrefix: string
}

const firstOf = <A>(names: ReadonlyArray<string> | undefined, read: (name: string) => Config.Config<A>) => {
  if (names === undefined || names.length === 0) return Config.succeed(Option.none<A>())
  const [head, ...rest] = names
  const chained = rest.reduce((acc, name) => Config.orElse(acc, () => read(name)), read(head!))
  return Config.option(chained)
}

/**
 * Reads the common settings and the policy from the environment (and the
 * `LLM_BACKENDS_CONFIG` file); `overrides` from code win. A missing required
 * key fails naming the first variable.
 *
 * @since 0.1.0
 */
export const fromEnvironment = (
  provider: string,
  names: EnvNames,
  overrides: CommonOptions = {},
  requiresKey = false
): Effect.Effect<CommonOptions, BackendConfig.BackendConfigError | Config.ConfigError> =>
  Effect.gen(function*() {
    const apiKey = overrides.apiKey !== undefined
      ? Option.some(overrides.apiKey)
      : requiresKey && names.apiKey !== undefined && names.apiKey.length > 0
      ? Option.some(yield* names.apiKey.slice(1).reduce(
        (acc, name) => Config.orElse(acc, () => Config.Redacted(name)),
        Config.Redacted(names.apiKey[0]!)
      ))
      : yield* firstOf(names.apiKey, Config.Redacted)
    const baseUrl = yield* firstOf(names.baseUrl, Config.String)
    const model = yield* firstOf(names.model, Config.String)
    const embeddingModel = yield* firstOf(names.embeddingModel, Config.String)
    const policy = yield* Policy.fromEnvironment(provider, names.policyPrefix, overrides.policy)
    return {
      apiKey: Option.getOrUndefined(apiKey),
      baseUrl: overrides.baseUrl ?? Option.getOrUndefined(baseUrl),
      model: overrides.model ?? Option.getOrUndefined(model),
      embeddingModel: overrides.embeddingModel ?? Option.getOrUndefined(embeddingModel),
      policy
    }
  })
