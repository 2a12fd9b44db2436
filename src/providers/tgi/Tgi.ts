/**
 * The Hugging Face TGI backend (text-generation-inference), in two dialects
 * of one backend:
 *
 * - a self-hosted server (`baseUrl`, env `TGI_BASE_URL`): chat, streaming
 *   and models over its Messages API (`/v1/chat/completions`, `/v1/models`),
 *   plus the native routes as the `TgiApi` service (`generate`,
 *   `generateStream`, `info`, `health`). A 429 means its queue is full:
 *   `Overloaded`, not the key's fault.
 * - Hugging Face's router (`https://router.huggingface.co/v1`, used when
 *   only a token is configured): chat, streaming and models, OpenAI-shaped;
 *   a 429 is a real rate limit (`RateLimited`); the native routes are
 *   `Unsupported` there.
 *
 * The server applies the model's own chat template: prompts are never
 * built here. Embeddings are `Unsupported` (that is TEI's job).
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { LlmBackend, Message, Tgi } from "effect-llm-backends"
 *
 * const TgiLive = Tgi.layer({ baseUrl: "http://localhost:8080" }).pipe(Layer.provide(FetchHttpClient.layer))
 * const program = LlmBackend.chat({ messages: [Message.user("Hi")] }).pipe(Effect.provide(TgiLive))
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, type Config } from "effect"
import type { HttpClient } from "effect/http"
import * as BackendConfig from "../../BackendConfigError.ts"
import { LlmBackend, type Service } from "../../LlmBackend.ts"
import * as Backend from "../Backend.ts"
import * as Chat from "./Chat.ts"
import * as TgiApi from "./TgiApi.ts"
import * as TgiError from "./TgiError.ts"

const PROVIDER = "tgi"

/**
 * Hugging Face's hosted, OpenAI-compatible router.
 *
 * @since 0.1.0
 */
export const ROUTER_URL = "https://router.huggingface.co/v1"

/**
 * The model name a self-hosted TGI is sent when none is configured: the
 * server serves one model and ignores the name (its docs use `tgi`).
 *
 * @since 0.1.0
 */
export const SELF_HOSTED_MODEL = "tgi"

/**
 * @since 0.1.0
 */
export interface Options extends Backend.CommonOptions {
  /**
   * `self-hosted` (the default when `baseUrl` is given) or `router` (the
   * default without one: Hugging Face's router, which needs a token). Set
   * `router` with a `baseUrl` for a proxy in front of the router.
   */
  readonly target?: "self-hosted" | "router" | undefined
}

/**
 * The backend and its native routes, sharing one pipeline.
 *
 * @since 0.1.0
 */
export interface Built {
  readonly backend: Service
  readonly api: TgiApi.Service
}

const configError = (setting: string, detail: string) =>
  new BackendConfig.BackendConfigError({ provider: PROVIDER, setting, detail })

/**
 * Builds the backend and its native routes over one pipeline.
 *
 * @since 0.1.0
 */
export const build = (options: Options = {}): Effect.Effect<Built, BackendConfig.BackendConfigError, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const target = options.target ?? (options.baseUrl === undefined ? "router" : "self-hosted")
    if (target !== "self-hosted" && target !== "router") {
      return yield* configError("target", `expected "self-hosted" or "router", got ${JSON.stringify(target)}`)
    }
    const hosted = target === "router"
    if (!hosted && options.baseUrl === undefined) {
      return yield* configError("baseUrl", "required for a self-hosted TGI (e.g. http://localhost:8080)")
    }
    // Users often write the OpenAI-style URL (`.../v1`); the native routes live at the root.
    const baseUrl = hosted || options.baseUrl === undefined ? options.baseUrl : options.baseUrl.replace(/\/+$/, "").replace(/\/v1$/, "")
    const model = options.model ?? (hosted ? undefined : SELF_HOSTED_MODEL)
    const built = yield* Backend.build({
      provider: PROVIDER,
      defaultBaseUrl: hosted ? ROUTER_URL : baseUrl ?? "",
      requiresKey: hosted,
      http: { refine: TgiError.refine(hosted) },
      translate: hosted ? Chat.router : Chat.selfHosted
    }, { ...options, baseUrl, model })
    return { backend: built.service, api: TgiApi.make(built.http, built.extras, { hosted, model }) }
  })

/**
 * The environment variables `layerConfig` reads.
 *
 * @since 0.1.0
 */
export const envNames: Backend.EnvNames = {
  apiKey: ["HF_TOKEN", "HF_API_KEY", "HUGGING_FACE_HUB_TOKEN"],
  baseUrl: ["TGI_BASE_URL"],
  model: ["TGI_MODEL"],
  policyPrefix: "TGI"
}

/**
 * The options from the environment: `TGI_BASE_URL` set → a self-hosted
 * server (a token, if set, is sent to it); otherwise `HF_TOKEN` (or
 * `HF_API_KEY`, `HUGGING_FACE_HUB_TOKEN`, or a `TGI_API_KEYS` pool) → the
 * router; neither fails naming both. Also `TGI_MODEL` and the policy
 * (`LLM_BACKENDS_CONFIG`, `TGI_MAX_RETRIES`, ...). `overrides` win.
 *
 * @since 0.1.0
 */
export const optionsConfig = (
  overrides: Partial<Options> = {}
): Effect.Effect<Options, BackendConfig.BackendConfigError | Config.ConfigError> =>
  Effect.flatMap(Backend.fromEnvironment(PROVIDER, envNames, overrides, false), (common) => {
    const target = overrides.target
    const hasKey = common.apiKey !== undefined || (common.apiKeys?.length ?? 0) > 0
    if (common.baseUrl === undefined && !hasKey && target !== "router") {
      return Effect.fail(configError(
        "baseUrl",
        "missing: set TGI_BASE_URL (a self-hosted server) or HF_TOKEN / HF_API_KEY / HUGGING_FACE_HUB_TOKEN / TGI_API_KEYS (Hugging Face's router)"
      ))
    }
    return Effect.succeed(target === undefined ? common : { ...common, target })
  })

const entry = Backend.withExtras({
  build,
  fromEnvironment: optionsConfig,
  context: (built: Built) => Context.make(LlmBackend, built.backend).pipe(Context.add(TgiApi.TgiApi, built.api))
})

/**
 * Builds the backend (`LlmBackend` only; see `build` for the native routes too).
 *
 * @since 0.1.0
 */
export const make = entry.make

/**
 * The backend and its native routes as one layer (`LlmBackend` and
 * `TgiApi`, one pipeline). Needs an `HttpClient`.
 *
 * @since 0.1.0
 */
export const layer = entry.layer

/**
 * `make` configured from the environment (see `optionsConfig`).
 *
 * @since 0.1.0
 */
export const makeConfig = entry.makeConfig

/**
 * `layer` configured from the environment (see `optionsConfig`).
 *
 * @since 0.1.0
 */
export const layerConfig = entry.layerConfig
