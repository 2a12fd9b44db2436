/**
 * What every provider module does the same way: check its settings (failing
 * at layer build, naming the setting), set up the transport, validate the
 * policy, and put its translation behind the pipeline. A provider module
 * supplies only its names, defaults, auth header and translation.
 *
 * @since 0.1.0
 */
import { Config, type Context, Effect, Layer, Option, Redacted, Schema } from "effect"
import { HttpClient } from "effect/http"
import * as BackendConfig from "../BackendConfigError.ts"
import type { Service } from "../LlmBackend.ts"
import type * as KeyPool from "../pipeline/KeyPool.ts"
import * as Pipeline from "../pipeline/Pipeline.ts"
import * as Policy from "../pipeline/Policy.ts"
import type { Provider } from "../pipeline/Provider.ts"
import * as HeaderSafety from "../transport/HeaderSafety.ts"
import * as MalformedEvents from "../transport/MalformedEvents.ts"
import * as ProviderHttp from "../transport/ProviderHttp.ts"

/**
 * Settings every backend accepts.
 *
 * @since 0.1.0
 */
export interface CommonOptions {
  /** The API key (required where the service needs one, unless `apiKeys` is given). */
  readonly apiKey?: Redacted.Redacted<string> | undefined
  /** Several named keys, chosen per attempt by the policy's `keyStrategy` (see `KeyPool`). */
  readonly apiKeys?: ReadonlyArray<KeyPool.KeyConfig> | undefined
  /** Base URL of the service (each provider has a default). */
  readonly baseUrl?: string | undefined
  /** Model for chat requests that name none. */
  readonly model?: string | undefined
  /** Model for embedding requests that name none. */
  readonly embeddingModel?: string | undefined
  /** Queue, retry, breaker and timeout settings over the defaults. */
  readonly policy?: Policy.Input | undefined
  /**
   * Changes this backend's `HttpClient` only (e.g. proxy headers, tracing,
   * a different transport), leaving the one in context untouched.
   */
  readonly transformClient?: ((client: HttpClient.HttpClient) => HttpClient.HttpClient) | undefined
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
  /**
   * The setting each extra header comes from (e.g. `openai-organization` →
   * `organization`), so a value no header can carry fails naming it.
   * Default: `headers.<name>`.
   */
  readonly headerSettings?: Readonly<Record<string, string>> | undefined
  /**
   * Further base URLs the provider talks to (e.g. OPEA's one per
   * microservice), already validated: each gets a transport with the same
   * secrets, caps, `malformedEvents` and client as the main one.
   */
  readonly otherBaseUrls?: ReadonlyArray<string> | undefined
  /**
   * The provider's translation over its transport; `transports` holds one
   * per distinct base URL (the main one and `otherBaseUrls`), by URL.
   */
  readonly translate: (
    http: ProviderHttp.ProviderHttp,
    transports: ReadonlyMap<string, ProviderHttp.ProviderHttp>
  ) => Provider
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
  // Keys are trimmed once, here: `$(cat key.txt)` leaves a newline that fetch
  // would strip on the way out while our scrubbing looked for the raw value.
  // A key no header can carry (inner line break, non-ASCII) is refused.
  const checkKey = (setting: string, value: Redacted.Redacted<string>) => {
    const trimmed = Redacted.value(value).trim()
    if (trimmed.length === 0) return fail(setting, "must not be empty")
    const problem = HeaderSafety.valueProblem(trimmed)
    if (problem !== undefined) return fail(setting, `${problem}; it cannot be sent in a header`)
    return Redacted.make(trimmed)
  }
  let apiKey = options.apiKey
  if (apiKey !== undefined) {
    const checked = checkKey("apiKey", apiKey)
    if (checked instanceof BackendConfig.BackendConfigError) return yield* checked
    apiKey = checked
  }
  const given: ReadonlyArray<KeyPool.KeyConfig> = options.apiKeys ?? (apiKey === undefined ? [] : [{ name: "default", value: apiKey }])
  if (given.length === 0 && spec.requiresKey) return yield* fail("apiKey", "required (or apiKeys)")
  const seen = new Set<string>()
  const keys: Array<KeyPool.KeyConfig> = []
  for (const [i, key] of given.entries()) {
    const at = `apiKeys.${i}`
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(key.name)) return yield* fail(`${at}.name`, "1-64 letters, digits, '_', '.' or '-'")
    if (seen.has(key.name)) return yield* fail(`${at}.name`, `duplicate key name ${JSON.stringify(key.name)}`)
    seen.add(key.name)
    const value = options.apiKeys === undefined ? key.value : checkKey(`${at}.value`, key.value)
    if (value instanceof BackendConfig.BackendConfigError) return yield* value
    for (const field of ["weight", "maxConcurrent", "requestsPerMinute", "tokensPerMinute"] as const) {
      const n = key[field]
      if (n !== undefined && !(Number.isFinite(n) && n > 0)) return yield* fail(`${at}.${field}`, "must be a positive number")
    }
    keys.push({ ...key, value })
  }
  for (const [name, value] of Object.entries(spec.http?.headers ?? {})) {
    const problem = HeaderSafety.nameProblem(name) ?? HeaderSafety.valueProblem(value)
    if (problem !== undefined) return yield* fail(spec.headerSettings?.[name] ?? `headers.${name}`, problem)
  }
  // Every form of a key that might come back in a body is scrubbed: the one
  // sent and the one configured.
  const configured = [...(options.apiKey === undefined ? [] : [options.apiKey]), ...(options.apiKeys ?? []).map((key) => key.value)]
  const secrets = [
    ...keys.map((key) => key.value),
    ...configured.filter((raw) => Redacted.value(raw) !== Redacted.value(raw).trim())
  ]
  const model = yield* BackendConfig.nonEmpty(spec.provider, "model", options.model)
  const embeddingModel = yield* BackendConfig.nonEmpty(spec.provider, "embeddingModel", options.embeddingModel)
  const policy = yield* Policy.make(spec.provider, options.policy)
  const skippedEvents = new MalformedEvents.Counter()
  const makeHttp = (at: string) =>
    ProviderHttp.make({
      ...spec.http,
      provider: spec.provider,
      baseUrl: at,
      secrets,
      maxResponseBytes: policy.maxResponseBytes,
      maxEventBytes: policy.maxEventBytes,
      malformedEvents: policy.malformedEvents,
      skippedEvents
    })
  const transform = options.transformClient
  const transportAt = (at: string) =>
    transform === undefined ? makeHttp(at) : Effect.updateService(makeHttp(at), HttpClient.HttpClient, transform)
  const http = yield* transportAt(baseUrl)
  const transports = new Map([[baseUrl, http]])
  for (const at of spec.otherBaseUrls ?? []) {
    if (!transports.has(at)) transports.set(at, yield* transportAt(at))
  }
  return { http, transports, provider: spec.translate(http, transports), apiKey, keys, model, embeddingModel, policy, skippedEvents }
})

/**
 * Builds a backend and its pipeline's entry for extra operations (rerank,
 * tensors, native routes), with the validated transport they translate over.
 *
 * @since 0.1.0
 */
export const build = (
  spec: Spec,
  options: CommonOptions
): Effect.Effect<
  Pipeline.Built & {
    readonly http: ProviderHttp.ProviderHttp
    readonly transports: ReadonlyMap<string, ProviderHttp.ProviderHttp>
  },
  BackendConfig.BackendConfigError,
  HttpClient.HttpClient
> =>
  Effect.flatMap(parts(spec, options), ({ embeddingModel, http, keys, model, policy, provider, skippedEvents, transports }) =>
    Effect.map(Pipeline.build(provider, { model, embeddingModel, policy, keys, skippedEvents }), (built) => ({ ...built, http, transports })))

/**
 * Builds a backend: the provider's translation behind the pipeline.
 *
 * @since 0.1.0
 */
export const make = (
  spec: Spec,
  options: CommonOptions
): Effect.Effect<Service, BackendConfig.BackendConfigError, HttpClient.HttpClient> =>
  Effect.map(build(spec, options), (built) => built.service)

/**
 * Parses a key list from the environment: comma-separated entries, each
 * `name:key` or a bare key (named `key-1`, `key-2`, ... by position).
 *
 * @since 0.1.0
 */
export const parseKeyList = (text: string): ReadonlyArray<KeyPool.KeyConfig> =>
  text.split(",").map((entry) => entry.trim()).filter((entry) => entry.length > 0).map((entry, i) => {
    const named = /^([A-Za-z0-9_.-]{1,64}):(.+)$/.exec(entry)
    return named === null
      ? { name: `key-${i + 1}`, value: Redacted.make(entry) }
      : { name: named[1]!, value: Redacted.make(named[2]!.trim()) }
  })

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

const KeyEntry = Schema.Struct({
  name: Schema.String,
  env: Schema.String,
  weight: Schema.optionalKey(Schema.Number),
  models: Schema.optionalKey(Schema.Array(Schema.String)),
  max_concurrent: Schema.optionalKey(Schema.Int),
  requests_per_minute: Schema.optionalKey(Schema.Int),
  tokens_per_minute: Schema.optionalKey(Schema.Int)
})
const decodeKeyEntries = Schema.decodeUnknownEffect(Schema.Array(KeyEntry), { onExcessProperty: "error" })

/**
 * Reads the provider section's `api_keys` from a parsed JSON config file.
 * Each entry names the environment variable that holds the key, so secrets
 * stay out of the file: `{ "name": "team-a", "env": "OPENAI_KEY_A", "weight": 2 }`
 * (also `models`, `max_concurrent`, `requests_per_minute`, `tokens_per_minute`).
 *
 * @since 0.1.0
 */
export const keysFromJson = (
  provider: string,
  json: unknown
): Effect.Effect<ReadonlyArray<KeyPool.KeyConfig> | undefined, BackendConfig.BackendConfigError | Config.ConfigError> => {
  const section = typeof json === "object" && json !== null ? (json as Record<string, unknown>)[provider] : undefined
  const entries = typeof section === "object" && section !== null ? (section as Record<string, unknown>)["api_keys"] : undefined
  if (entries === undefined) return Effect.succeed(undefined)
  return decodeKeyEntries(entries).pipe(
    Effect.mapError((error) =>
      new BackendConfig.BackendConfigError({ provider, setting: `${provider}.api_keys`, detail: error.message.replace(/\s+/g, " ") })
    ),
    Effect.flatMap((list) =>
      Effect.forEach(list, (entry) =>
        Effect.map(Config.Redacted(entry.env), (value): KeyPool.KeyConfig => ({
          name: entry.name,
          value,
          weight: entry.weight,
          models: entry.models,
          maxConcurrent: entry.max_concurrent,
          requestsPerMinute: entry.requests_per_minute,
          tokensPerMinute: entry.tokens_per_minute
        }))))
  )
}

/**
 * Reads the common settings and the policy from the environment (and the
 * `LLM_BACKENDS_CONFIG` file); `overrides` from code win. `<PREFIX>_API_KEYS`
 * (see {@link parseKeyList}) or the config file's `api_keys` (see
 * {@link keysFromJson}) feed the key pool; without them a missing required key
 * fails naming the first single-key variable.
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
    const list = yield* Config.option(Config.Redacted(`${names.policyPrefix}_API_KEYS`))
    const fromFile = overrides.apiKeys !== undefined || Option.isSome(list)
      ? undefined
      : yield* Effect.flatMap(Policy.readConfigFile(provider), (json) => keysFromJson(provider, json))
    const apiKeys = overrides.apiKeys ?? (Option.isSome(list) ? parseKeyList(Redacted.value(list.value)) : fromFile)
    const apiKey = overrides.apiKey !== undefined
      ? Option.some(overrides.apiKey)
      : apiKeys !== undefined
      ? Option.none()
      : yield* firstOf(names.apiKey, Config.Redacted)
    // Read as optional and checked here, so the error names every variable
    // that would do (a chain of required reads names only the last one).
    if (requiresKey && apiKeys === undefined && Option.isNone(apiKey)) {
      const single = names.apiKey ?? []
      return yield* new BackendConfig.BackendConfigError({
        provider,
        setting: "apiKey",
        detail: `missing: set ${[...single, `${names.policyPrefix}_API_KEYS`].join(" or ")}`
      })
    }
    const baseUrl = yield* firstOf(names.baseUrl, Config.String)
    const model = yield* firstOf(names.model, Config.String)
    const embeddingModel = yield* firstOf(names.embeddingModel, Config.String)
    const policy = yield* Policy.fromEnvironment(provider, names.policyPrefix, overrides.policy)
    return {
      apiKey: Option.getOrUndefined(apiKey),
      apiKeys,
      baseUrl: overrides.baseUrl ?? Option.getOrUndefined(baseUrl),
      model: overrides.model ?? Option.getOrUndefined(model),
      embeddingModel: overrides.embeddingModel ?? Option.getOrUndefined(embeddingModel),
      policy
    }
  })

/**
 * The entry points of a provider built as several services over one
 * pipeline (the `LlmBackend` and its extras, e.g. a `Reranker` or a native
 * API): `make` gives the `LlmBackend` alone, `layer` every service of one
 * build, and the `Config` forms read the options from the environment first.
 *
 * @since 0.1.0
 */
export interface WithExtras<Options, Built, Services> {
  /** The `LlmBackend` alone (its extras share a pipeline only when built together). */
  readonly make: (options?: Options) => Effect.Effect<Service, BackendConfig.BackendConfigError, HttpClient.HttpClient>
  /** Every service of one build, from the environment; `overrides` from code win. */
  readonly buildConfig: (
    overrides?: Partial<Options>
  ) => Effect.Effect<Built, BackendConfig.BackendConfigError | Config.ConfigError, HttpClient.HttpClient>
  /** `make` from the environment; `overrides` from code win. */
  readonly makeConfig: (
    overrides?: Partial<Options>
  ) => Effect.Effect<Service, BackendConfig.BackendConfigError | Config.ConfigError, HttpClient.HttpClient>
  /** Every service of one build as one layer (one pipeline). */
  readonly layer: (options?: Options) => Layer.Layer<Services, BackendConfig.BackendConfigError, HttpClient.HttpClient>
  /** `layer` from the environment; `overrides` from code win. */
  readonly layerConfig: (
    overrides?: Partial<Options>
  ) => Layer.Layer<Services, BackendConfig.BackendConfigError | Config.ConfigError, HttpClient.HttpClient>
}

/**
 * Derives a provider's entry points from its `build` (all services over one
 * pipeline), its options from the environment, and the context its services
 * go in, so every such provider offers them alike.
 *
 * @example
 * ```ts
 * const entry = Backend.withExtras({ build, fromEnvironment: optionsConfig, context })
 * export const layer = entry.layer
 * ```
 *
 * @since 0.1.0
 */
export const withExtras = <Options, Built extends { readonly backend: Service }, Services>(definition: {
  readonly build: (options?: Options) => Effect.Effect<Built, BackendConfig.BackendConfigError, HttpClient.HttpClient>
  readonly fromEnvironment: (
    overrides: Partial<Options>
  ) => Effect.Effect<Options, BackendConfig.BackendConfigError | Config.ConfigError>
  readonly context: (built: Built) => Context.Context<Services>
}): WithExtras<Options, Built, Services> => {
  const { build, context, fromEnvironment } = definition
  const buildConfig = (overrides: Partial<Options> = {}) => Effect.flatMap(fromEnvironment(overrides), build)
  return {
    make: (options) => Effect.map(build(options), (built) => built.backend),
    buildConfig,
    makeConfig: (overrides) => Effect.map(buildConfig(overrides), (built) => built.backend),
    layer: (options) => Layer.effectContext(Effect.map(build(options), context)),
    layerConfig: (overrides) => Layer.effectContext(Effect.map(buildConfig(overrides), context))
  }
}
