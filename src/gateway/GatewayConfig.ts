/**
 * The gateway's configuration file (JSON): where to listen, the limits a
 * hostile client meets, the client (virtual) keys as SHA-256 hashes, the
 * backends and the routes over them. Validated at start-up; every error
 * names the file key (`backends.2.apiKeyEnv`). Provider keys are never in
 * the file: each backend names the environment variable or the key file
 * that holds its key.
 *
 * @since 0.1.0
 */
import { Effect, Schema, SchemaIssue } from "effect"
import { readFileSync } from "node:fs"
import { BackendConfigError } from "../BackendConfigError.ts"
import { Priority } from "../domain/CallOptions.ts"

const PositiveInt = Schema.Int.check(Schema.isGreaterThan(0))
const Name = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_.-]{1,64}$/, { expected: "1-64 of A-Z a-z 0-9 _ . -" }))
/** `sha256:` and 64 hex digits, as `hash-key` prints it. */
const KeyHash = Schema.String.check(Schema.isPattern(/^sha256:[0-9a-f]{64}$/, { expected: "sha256:<64 lowercase hex digits> (see the hash-key command)" }))

/**
 * One client (virtual) key.
 *
 * @since 0.1.0
 */
export const Client = Schema.Struct({
  /** Shown in stats, metrics and the access log. */
  name: Name,
  keyHash: KeyHash,
  /** Queue priority of this client's calls (default `normal`). */
  priority: Schema.optionalKey(Priority),
  /** Requests per minute (token bucket, burst = the whole minute's worth). */
  requestsPerMinute: Schema.optionalKey(PositiveInt),
  /** Requests of this client in flight at once; more get 429. */
  maxConcurrent: Schema.optionalKey(PositiveInt)
})

/**
 * @since 0.1.0
 */
export type Client = typeof Client.Type

/**
 * One backend: a provider from the table in `Backends`, with its settings.
 *
 * @since 0.1.0
 */
export const BackendEntry = Schema.Struct({
  /** Its target name in routes, stats and the dashboard. */
  name: Name,
  /** `openai`, `anthropic`, `groq`, `gemini`, `ollama`, `ovms`, `opea`, `llvm`, ... */
  provider: Schema.String,
  baseUrl: Schema.optionalKey(Schema.String),
  /** The environment variable holding the provider key. */
  apiKeyEnv: Schema.optionalKey(Schema.String),
  /** A file holding the provider key (trailing newline ignored). */
  apiKeyFile: Schema.optionalKey(Schema.String),
  model: Schema.optionalKey(Schema.String),
  embeddingModel: Schema.optionalKey(Schema.String),
  /** Whether it continues an assistant prefill (router `prefill`; default: true for anthropic). */
  prefill: Schema.optionalKey(Schema.Boolean),
  contextWindow: Schema.optionalKey(PositiveInt),
  weight: Schema.optionalKey(Schema.Number.check(Schema.isGreaterThan(0))),
  /** Pipeline policy in the config-file names (`max_retries`, `failure_threshold`, ...). */
  policy: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown)),
  /** Provider-specific options passed to its `make` (e.g. OPEA's `rerankUrl`). */
  options: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown))
})

/**
 * @since 0.1.0
 */
export type BackendEntry = typeof BackendEntry.Type

/**
 * A route: calls whose model matches go to its targets, in order.
 *
 * @since 0.1.0
 */
export const RouteEntry = Schema.Struct({
  match: Schema.NonEmptyString,
  targets: Schema.Array(Schema.Union([Schema.String, Schema.Struct({ target: Schema.String, model: Schema.optionalKey(Schema.String) })])),
  /** Collect the whole answer before sending it (streams become atomic); default false. */
  buffer: Schema.optionalKey(Schema.Boolean)
})

/**
 * @since 0.1.0
 */
export type RouteEntry = typeof RouteEntry.Type

/**
 * The whole file.
 *
 * @since 0.1.0
 */
export const GatewayConfig = Schema.Struct({
  listen: Schema.optionalKey(Schema.Struct({
    host: Schema.optionalKey(Schema.String),
    port: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65535 })))
  })),
  limits: Schema.optionalKey(Schema.Struct({
    /** Request body cap in bytes (default 4 MiB): larger gets 413. */
    maxBodyBytes: Schema.optionalKey(PositiveInt),
    /** Request header cap in bytes (default 16 KiB): Node answers 431. */
    maxHeaderBytes: Schema.optionalKey(PositiveInt),
    /** Open connections at once (default 1024); more are dropped. */
    maxConnections: Schema.optionalKey(PositiveInt),
    /** Time to receive headers (default 10 s). */
    headersTimeoutMs: Schema.optionalKey(PositiveInt),
    /** On SIGTERM: how long in-flight calls may finish before they are cancelled (default 10 s). */
    shutdownGraceMs: Schema.optionalKey(PositiveInt)
  })),
  /** Origins allowed by CORS; none (the default) sends no CORS headers. */
  cors: Schema.optionalKey(Schema.Struct({ origins: Schema.Array(Schema.NonEmptyString) })),
  /** The admin key (for `/dashboard`, `/stats`); without it those routes are off. */
  admin: Schema.optionalKey(Schema.Struct({ keyHash: KeyHash })),
  clients: Schema.optionalKey(Schema.Array(Client)),
  /** Serve without client keys (local use only; default false). */
  allowAnonymous: Schema.optionalKey(Schema.Boolean),
  backends: Schema.Array(BackendEntry),
  routes: Schema.optionalKey(Schema.Array(RouteEntry)),
  router: Schema.optionalKey(Schema.Struct({
    strategy: Schema.optionalKey(Schema.Literals(["fallback", "weighted", "least-busy"])),
    retriesBeforeFallback: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
    /** Deadline of one call across all its targets. */
    timeoutMs: Schema.optionalKey(PositiveInt)
  })),
  /** The backend whose `Reranker` serves `/v1/rerank`. */
  rerank: Schema.optionalKey(Schema.Struct({ backend: Name })),
  /** One line per request on stderr (no payloads, no keys); default true. */
  accessLog: Schema.optionalKey(Schema.Boolean)
})

/**
 * @since 0.1.0
 */
export type GatewayConfig = typeof GatewayConfig.Type

const decode = Schema.decodeUnknownEffect(GatewayConfig, { onExcessProperty: "error" })
const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const fail = (setting: string, detail: string) => new BackendConfigError({ provider: "gateway", setting, detail })

const PROVIDER_KEYS = "provider keys are never inline: use apiKeyEnv or apiKeyFile"
const SECRET = /(api[-_]?keys?|secret|password)$/i

// An unknown key that looks like a secret gets the reason it is refused,
// not only "excess property".
const inlineKey = (path: string): string | undefined =>
  /^backends\.\d+\.(api[-_]?keys?|key|secret)$/i.test(path)
    ? PROVIDER_KEYS
    : /^(clients\.\d+|admin)\.(keys?|apiKey|secret)$/i.test(path)
    ? "gateway keys are stored as hashes only: give keyHash (the hash-key command prints it)"
    : undefined

/**
 * Validates a parsed config: shape (unknown keys fail, so an inline
 * `apiKey` is refused), then the cross references (route targets, the
 * rerank backend, duplicate names and key hashes).
 *
 * @since 0.1.0
 */
export const fromJson = (json: unknown): Effect.Effect<GatewayConfig, BackendConfigError> =>
  Effect.gen(function*() {
    const config = yield* Effect.mapError(decode(json), (error) => {
      const first = formatter(error.issue).issues[0]
      const path = (first?.path ?? []).map((s) => (typeof s === "object" && s !== null && "key" in s ? s.key : s)).map(String)
      const key = path.join(".")
      const detail = first?.message ?? error.message
      return fail(key === "" ? "(root)" : key, inlineKey(key) ?? detail)
    })
    for (const [i, b] of config.backends.entries()) {
      // `options` is passed to the provider as it is: a key there would be
      // an inline provider key by another name.
      const secret = Object.keys(b.options ?? {}).find((name) => SECRET.test(name))
      if (secret !== undefined) return yield* fail(`backends.${i}.options.${secret}`, PROVIDER_KEYS)
    }
    const names = new Set<string>()
    for (const [i, b] of config.backends.entries()) {
      if (names.has(b.name)) return yield* fail(`backends.${i}.name`, `duplicate backend name ${JSON.stringify(b.name)}`)
      names.add(b.name)
      if (b.apiKeyEnv !== undefined && b.apiKeyFile !== undefined) {
        return yield* fail(`backends.${i}.apiKeyFile`, "give apiKeyEnv or apiKeyFile, not both")
      }
    }
    if (config.backends.length === 0) return yield* fail("backends", "at least one backend is required")
    for (const [i, r] of (config.routes ?? []).entries()) {
      if (r.targets.length === 0) return yield* fail(`routes.${i}.targets`, "at least one target is required")
      for (const [j, t] of r.targets.entries()) {
        const name = typeof t === "string" ? (names.has(t) ? t : t.split(":")[0]!) : t.target
        if (!names.has(name)) return yield* fail(`routes.${i}.targets.${j}`, `no backend named ${JSON.stringify(name)}`)
      }
    }
    if (config.rerank !== undefined && !names.has(config.rerank.backend)) {
      return yield* fail("rerank.backend", `no backend named ${JSON.stringify(config.rerank.backend)}`)
    }
    const clients = new Set<string>()
    const hashes = new Set<string>()
    for (const [i, c] of (config.clients ?? []).entries()) {
      if (clients.has(c.name)) return yield* fail(`clients.${i}.name`, `duplicate client name ${JSON.stringify(c.name)}`)
      if (hashes.has(c.keyHash)) return yield* fail(`clients.${i}.keyHash`, "the same key is given to two clients")
      clients.add(c.name)
      hashes.add(c.keyHash)
    }
    if (clients.size === 0 && config.allowAnonymous !== true) {
      return yield* fail("clients", "at least one client key is required (or set allowAnonymous: true for local use)")
    }
    return config
  })

/**
 * Reads and validates a config file.
 *
 * @since 0.1.0
 */
export const load = (path: string): Effect.Effect<GatewayConfig, BackendConfigError> =>
  Effect.flatMap(
    Effect.try({
      try: () => JSON.parse(readFileSync(path, "utf8")) as unknown,
      catch: (cause) => fail("config file", `cannot read ${path} as JSON: ${(cause as Error).message}`)
    }),
    fromJson
  )
