/**
 * The Ollama backend: chat, streaming (NDJSON), tools, JSON and schema
 * output, images, embeddings and models over Ollama's native API at
 * `http://localhost:11434` (or wherever `OLLAMA_HOST` points), plus the
 * Ollama-only extras (`pull` with progress, `show`, `generate`, `version`)
 * as the `OllamaApi` service from `layerApi`.
 *
 * No key is needed; one, when given, is sent as `Authorization: Bearer`
 * (Ollama behind an authenticating proxy, or ollama.com).
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { LlmBackend, Message, Ollama } from "effect-llm-backends"
 *
 * const OllamaLive = Ollama.layer({ model: "llama3.2" }).pipe(Layer.provide(FetchHttpClient.layer))
 * const program = LlmBackend.chat({ messages: [Message.user("Hi")] }).pipe(Effect.provide(OllamaLive))
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Layer, type Config } from "effect"
import type { HttpClient } from "effect/http"
import * as BackendConfig from "../../BackendConfigError.ts"
import { LlmBackend, type Service } from "../../LlmBackend.ts"
import * as LlmError from "../../LlmError.ts"
import * as Backend from "../Backend.ts"
import * as Host from "./Host.ts"
import * as OllamaApi from "./OllamaApi.ts"
import * as OllamaProvider from "./OllamaProvider.ts"

const PROVIDER = "ollama"

/**
 * Where a local Ollama listens.
 *
 * @since 0.1.0
 */
export const DEFAULT_BASE_URL = "http://localhost:11434"

/**
 * @since 0.1.0
 */
export interface Options extends Backend.CommonOptions {
  /**
   * How long Ollama keeps the model loaded after a call (`keep_alive`): a Go
   * duration (`"5m"`, `"1h"`), or seconds as a number (`0` unloads at once,
   * negative keeps it loaded). Default: the server's (5 minutes).
   */
  readonly keepAlive?: string | number | undefined
}

const GO_DURATION = /^-?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/
const SECONDS = /^-?(?:\d+(?:\.\d*)?|\.\d+)$/

// Sent as a string: `/api/embed` only accepts one, and Ollama reads "300s"
// exactly like 300 (a negative value keeps the model loaded either way).
const keepAlive = (value: string | number | undefined): Effect.Effect<string | undefined, BackendConfig.BackendConfigError> => {
  const fail = (detail: string) =>
    Effect.fail(new BackendConfig.BackendConfigError({ provider: PROVIDER, setting: "keepAlive", detail }))
  if (value === undefined) return Effect.succeed(undefined)
  if (typeof value === "number") return Number.isFinite(value) ? Effect.succeed(`${value}s`) : fail("must be a finite number of seconds")
  const text = value.trim()
  if (SECONDS.test(text)) return Effect.succeed(`${text}s`)
  return GO_DURATION.test(text) ? Effect.succeed(text) : fail(`expected a duration like "5m", "1h30m" or seconds, got ${JSON.stringify(value)}`)
}

// Ollama reports a model missing from the registry mid-pull as an in-stream
// `{"error":"pull model manifest: file does not exist"}` with no status; the
// generic in-stream reading would call that a (retryable) server error.
const refine = (failure: { readonly status: number }, reason: LlmError.Reason): LlmError.Reason =>
  failure.status === 0 && reason._tag === "ServerError" && /not found|does not exist/i.test(reason.detail ?? "")
    ? new LlmError.NotFound(reason.detail === undefined ? {} : { detail: reason.detail })
    : reason

const spec = (settings: { readonly keepAlive: string | undefined }): Backend.Spec => ({
  provider: PROVIDER,
  defaultBaseUrl: DEFAULT_BASE_URL,
  requiresKey: false,
  http: { refine },
  translate: (http) => OllamaProvider.make(http, settings)
})

const prepare = (options: Options) =>
  Effect.map(keepAlive(options.keepAlive), (alive) => ({
    settings: { keepAlive: alive },
    common: options.baseUrl === undefined ? options : { ...options, baseUrl: Host.normalize(options.baseUrl) }
  }))

/**
 * Builds an Ollama backend. `baseUrl` may be given the way `OLLAMA_HOST` is
 * written (`0.0.0.0:11434`, `my-box`): see `OllamaHost.normalize`.
 *
 * @since 0.1.0
 */
export const make = (options: Options = {}): Effect.Effect<Service, BackendConfig.BackendConfigError, HttpClient.HttpClient> =>
  Effect.flatMap(prepare(options), ({ common, settings }) => Backend.make(spec(settings), common))

/**
 * The backend as a layer (it provides `LlmBackend` only; see `layerApi` for
 * the extras). Needs an `HttpClient` (e.g. `FetchHttpClient.layer`).
 *
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<LlmBackend, BackendConfig.BackendConfigError, HttpClient.HttpClient> =>
  Layer.effect(LlmBackend, make(options))

/**
 * Builds the extras (`pull`, `show`, `generate`, `version`) on the same
 * settings. They bypass the pipeline (see `OllamaApi`); the first key, if
 * any, is sent.
 *
 * @since 0.1.0
 */
export const makeApi = (
  options: Options = {}
): Effect.Effect<OllamaApi.Service, BackendConfig.BackendConfigError, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const { common, settings } = yield* prepare(options)
    const parts = yield* Backend.parts(spec(settings), common)
    return OllamaApi.make(parts.http, { ...settings, apiKey: parts.keys[0]?.value, model: parts.model })
  })

/**
 * The extras as a layer.
 *
 * @since 0.1.0
 */
export const layerApi = (
  options: Options = {}
): Layer.Layer<OllamaApi.OllamaApi, BackendConfig.BackendConfigError, HttpClient.HttpClient> =>
  Layer.effect(OllamaApi.OllamaApi, makeApi(options))

/**
 * The environment variables `layerConfig` reads.
 *
 * @since 0.1.0
 */
export const envNames: Backend.EnvNames = {
  apiKey: ["OLLAMA_API_KEY"],
  baseUrl: ["OLLAMA_HOST", "OLLAMA_API_URL"],
  model: ["OLLAMA_MODEL"],
  embeddingModel: ["OLLAMA_EMBEDDING_MODEL"],
  policyPrefix: "OLLAMA"
}

const fromEnvironment = (overrides: Partial<Options>) =>
  Effect.map(Backend.fromEnvironment(PROVIDER, envNames, overrides, false), (common): Options => ({
    ...common,
    ...(overrides.keepAlive === undefined ? {} : { keepAlive: overrides.keepAlive })
  }))

/**
 * The backend configured from the environment: `OLLAMA_HOST` (or
 * `OLLAMA_API_URL`; host-only values like `0.0.0.0:11434` are normalized,
 * see `OllamaHost.normalize`), `OLLAMA_API_KEY` (optional), `OLLAMA_MODEL`,
 * `OLLAMA_EMBEDDING_MODEL`, and the policy from `LLM_BACKENDS_CONFIG` and
 * `OLLAMA_MAX_RETRIES`, ... `overrides` from code win.
 *
 * @since 0.1.0
 */
export const makeConfig = (
  overrides: Partial<Options> = {}
): Effect.Effect<Service, BackendConfig.BackendConfigError | Config.ConfigError, HttpClient.HttpClient> =>
  Effect.flatMap(fromEnvironment(overrides), make)

/**
 * {@link makeConfig} as a layer.
 *
 * @since 0.1.0
 */
export const layerConfig = (
  overrides: Partial<Options> = {}
): Layer.Layer<LlmBackend, BackendConfig.BackendConfigError | Config.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(LlmBackend, makeConfig(overrides))

/**
 * The extras configured from the same environment variables as `makeConfig`.
 *
 * @since 0.1.0
 */
export const makeApiConfig = (
  overrides: Partial<Options> = {}
): Effect.Effect<OllamaApi.Service, BackendConfig.BackendConfigError | Config.ConfigError, HttpClient.HttpClient> =>
  Effect.flatMap(fromEnvironment(overrides), makeApi)

/**
 * The extras configured from the same environment variables as `layerConfig`.
 *
 * @since 0.1.0
 */
export const layerApiConfig = (
  overrides: Partial<Options> = {}
): Layer.Layer<OllamaApi.OllamaApi, BackendConfig.BackendConfigError | Config.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(OllamaApi.OllamaApi, makeApiConfig(overrides))
