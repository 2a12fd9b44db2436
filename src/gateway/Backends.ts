/**
 * From the config's `backends` to live backends: the provider table (adding
 * a provider is one entry), each backend's key read from the environment or
 * its key file, its policy from the config-file names, and one `Router` over
 * them all with the config's routes.
 *
 * @since 0.1.0
 */
import { Config, Effect, Redacted } from "effect"
import type { HttpClient } from "effect/http"
import { readFileSync } from "node:fs"
import { BackendConfigError } from "../BackendConfigError.ts"
import type { Service } from "../LlmBackend.ts"
import * as Policy from "../pipeline/Policy.ts"
import type * as Backend from "../providers/Backend.ts"
import * as Anthropic from "../providers/anthropic/Anthropic.ts"
import * as Gemini from "../providers/gemini/Gemini.ts"
import * as Groq from "../providers/groq/Groq.ts"
import * as Llvm from "../providers/llvm/Llvm.ts"
import * as Ollama from "../providers/ollama/Ollama.ts"
import * as Opea from "../providers/opea/Opea.ts"
import * as OpenAi from "../providers/openai/OpenAi.ts"
import * as Ovms from "../providers/ovms/Ovms.ts"
import * as Tei from "../providers/tei/Tei.ts"
import * as Tgi from "../providers/tgi/Tgi.ts"
import type * as Reranker from "../Reranker.ts"
import * as Router from "../router/Router.ts"
import type * as GatewayConfig from "./GatewayConfig.ts"

/**
 * What one provider builds: its backend, and a reranker where it has one.
 *
 * @since 0.1.0
 */
export interface Built {
  readonly backend: Service
  readonly reranker?: Reranker.Service | undefined
}

type Build = (options: Backend.CommonOptions & Record<string, unknown>) => Effect.Effect<Built, BackendConfigError, HttpClient.HttpClient>

const only = (make: (options: never) => Effect.Effect<Service, BackendConfigError, HttpClient.HttpClient>): Build => (options) =>
  Effect.map(make(options as never), (backend) => ({ backend }))

/**
 * The providers a config may name, each with how to build it from the
 * common options (plus the entry's provider-specific `options`).
 *
 * @since 0.1.0
 */
export const providers: Readonly<Record<string, Build>> = {
  openai: only(OpenAi.make),
  anthropic: only(Anthropic.make),
  groq: only(Groq.make),
  gemini: only(Gemini.make),
  ollama: only(Ollama.make),
  ovms: (options) => Effect.map(Ovms.build(options), (s) => ({ backend: s.backend, reranker: s.reranker })),
  opea: (options) => Effect.map(Opea.build(options), (s) => ({ backend: s.backend, reranker: s.reranker })),
  llvm: only(Llvm.make),
  tgi: (options) => Effect.map(Tgi.build(options), (s) => ({ backend: s.backend })),
  tei: (options) => Effect.map(Tei.build(options), (s) => ({ backend: s.backend, reranker: s.reranker }))
}

const fail = (setting: string, detail: string) => new BackendConfigError({ provider: "gateway", setting, detail })

const keyOf = (entry: GatewayConfig.BackendEntry, at: string): Effect.Effect<Redacted.Redacted<string> | undefined, BackendConfigError> => {
  if (entry.apiKeyEnv !== undefined) {
    const name = entry.apiKeyEnv
    return Effect.gen(function*() {
      return yield* Config.Redacted(name)
    }).pipe(
      Effect.mapError(() => fail(`${at}.apiKeyEnv`, `the environment variable ${name} is not set`))
    )
  }
  if (entry.apiKeyFile !== undefined) {
    const path = entry.apiKeyFile
    return Effect.try({
      try: () => Redacted.make(readFileSync(path, "utf8").replace(/\r?\n$/, "")),
      catch: (cause) => fail(`${at}.apiKeyFile`, `cannot read the key file: ${(cause as NodeJS.ErrnoException).code ?? "error"}`)
    })
  }
  return Effect.succeed(undefined)
}

/**
 * One backend from its entry; a bad setting fails naming the file key.
 *
 * @since 0.1.0
 */
export const build = (entry: GatewayConfig.BackendEntry, index: number): Effect.Effect<Built, BackendConfigError, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const at = `backends.${index}`
    const make = Object.hasOwn(providers, entry.provider) ? providers[entry.provider] : undefined
    if (make === undefined) return yield* fail(`${at}.provider`, `unknown provider ${JSON.stringify(entry.provider)} (known: ${Object.keys(providers).join(", ")})`)
    const apiKey = yield* keyOf(entry, at)
    const policy = entry.policy === undefined
      ? undefined
      : yield* Effect.mapError(
        Policy.inputFromJson(entry.name, { [entry.name]: entry.policy }),
        (error) => fail(`${at}.policy${error.setting.startsWith(entry.name) ? error.setting.slice(entry.name.length) : `.${error.setting}`}`, error.detail)
      )
    const options = {
      ...entry.options,
      ...(apiKey === undefined ? {} : { apiKey }),
      ...(entry.baseUrl === undefined ? {} : { baseUrl: entry.baseUrl }),
      ...(entry.model === undefined ? {} : { model: entry.model }),
      ...(entry.embeddingModel === undefined ? {} : { embeddingModel: entry.embeddingModel }),
      ...(policy === undefined ? {} : { policy })
    }
    // The provider names its own settings; the file key is the entry's.
    return yield* Effect.mapError(make(options), (error) =>
      error.provider === "gateway" ? error : fail(`${at}.${error.setting === "apiKey" ? "apiKeyEnv" : error.setting}`, error.detail))
  })

/**
 * Everything the gateway routes over.
 *
 * @since 0.1.0
 */
export interface Backends {
  readonly router: Router.Router
  /** By backend name, in config order. */
  readonly byName: ReadonlyMap<string, Service>
  readonly reranker: Reranker.Service | undefined
}

/**
 * Builds every backend and the router over them.
 *
 * @since 0.1.0
 */
export const make = (config: GatewayConfig.GatewayConfig): Effect.Effect<Backends, BackendConfigError, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const built = yield* Effect.forEach(config.backends, build)
    const byName = new Map(config.backends.map((entry, i) => [entry.name, built[i]!.backend]))
    const router = yield* Router.make({
      name: "gateway",
      targets: config.backends.map((entry, i) => ({
        backend: built[i]!.backend,
        name: entry.name,
        ...(entry.prefill === undefined ? {} : { prefill: entry.prefill }),
        ...(entry.contextWindow === undefined ? {} : { contextWindow: entry.contextWindow }),
        ...(entry.weight === undefined ? {} : { weight: entry.weight })
      })),
      routes: (config.routes ?? []).map((r) => ({ match: r.match, targets: r.targets })),
      strategy: config.router?.strategy,
      retriesBeforeFallback: config.router?.retriesBeforeFallback,
      timeout: config.router?.timeoutMs
    }).pipe(Effect.mapError((error) => fail(error.setting, error.detail)))
    const rerankName = config.rerank?.backend
    const rerankIndex = config.backends.findIndex((b) => b.name === rerankName)
    const reranker = rerankIndex < 0 ? undefined : built[rerankIndex]!.reranker
    if (rerankName !== undefined && reranker === undefined) {
      return yield* fail("rerank.backend", `backend ${JSON.stringify(rerankName)} has no reranker`)
    }
    return { router, byName, reranker }
  })
