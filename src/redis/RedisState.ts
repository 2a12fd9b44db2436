/**
 * Shared state on Redis: provide `RedisState.layer({ redis: { url }, prefix })`
 * (or `layerConfig()`, from `LLM_BACKENDS_REDIS_URL` and the config file)
 * where backends are built, and every process using the same Redis and
 * prefix shares one set of rate-limit buckets, key cooldowns and ejections,
 * and one circuit breaker per backend. Redis being down never fails a call:
 * the process falls back to its in-memory state and shares again when Redis
 * is back (see `Connection`).
 *
 * @example
 * ```ts
 * import { Effect, Layer, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { OpenAi } from "effect-llm-backends"
 * import { RedisState } from "effect-llm-backends/redis"
 *
 * const OpenAiLive = OpenAi.layer({ apiKey: Redacted.make("sk-..."), policy: { requestsPerMinute: 500 } }).pipe(
 *   Layer.provide(RedisState.layer({ redis: { url: "redis://127.0.0.1:6379" }, prefix: "my-app" })),
 *   Layer.provide(FetchHttpClient.layer)
 * )
 * ```
 *
 * @since 0.1.0
 */
import { Config, Duration, Effect, Layer, Option, Redacted } from "effect"
import { readFileSync } from "node:fs"
import { BackendConfigError } from "../BackendConfigError.ts"
import { SharedState } from "../pipeline/SharedState.ts"
import * as Connection from "./Connection.ts"
import * as RedisStore from "./RedisStore.ts"

/**
 * @since 0.1.0
 */
export interface Options {
  readonly redis: {
    /** `redis://host:port/db` (or `rediss://`); a password in it is accepted but better given as `password`. */
    readonly url: string | Redacted.Redacted<string>
    readonly password?: Redacted.Redacted<string> | undefined
  }
  /** Namespace of every key we write (default `llm-backends`): processes sharing state use the same one. */
  readonly prefix?: string | undefined
  /** Longest one Redis operation may take (default 250 ms, see `defaultTimeout`). */
  readonly timeout?: Duration.Input | undefined
  /** How often an unavailable Redis is tried again (default 1 second). */
  readonly retryInterval?: Duration.Input | undefined
}

const SETTING = "shared"

/**
 * The default longest wait for one Redis operation: 250 ms. Measured on a
 * loaded 2-core machine (load 5-6, 4 to 8 processes each running the take
 * script back to back), p50 was under 1.2 ms and p99 under 15 ms, but p99.9
 * reached 45 ms and the slowest of 3,000 ops 50-105 ms, so the first
 * default (50 ms) flipped healthy processes to fallback. 250 ms is over twice
 * the slowest seen, and still bounds what an outage costs: only the
 * operation that detects it waits this long, after which no call waits on
 * Redis until it answers a ping again.
 *
 * @since 0.1.0
 */
export const defaultTimeout: Duration.Duration = Duration.millis(250)

const fail = (setting: string, detail: string) =>
  Effect.fail(new BackendConfigError({ provider: SETTING, setting, detail }))

const duration = (setting: string, input: Duration.Input | undefined, fallback: Duration.Duration) => {
  if (input === undefined) return Effect.succeed(fallback)
  const parsed = Duration.fromInput(input)
  if (Option.isNone(parsed) || !Duration.isFinite(parsed.value) || !Duration.isGreaterThan(parsed.value, Duration.zero)) {
    return fail(setting, "expected a positive, finite duration")
  }
  return Effect.succeed(parsed.value)
}

/**
 * Validates the options (the URL is never echoed: it may hold a password).
 *
 * @since 0.1.0
 */
export const settings = (options: Options): Effect.Effect<Connection.Settings & { readonly prefix: string }, BackendConfigError> =>
  Effect.gen(function*() {
    const url = typeof options.redis.url === "string" ? Redacted.make(options.redis.url) : options.redis.url
    let parsed: URL | undefined
    try {
      parsed = new URL(Redacted.value(url))
    } catch {
      parsed = undefined
    }
    if (parsed === undefined || (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:")) {
      return yield* fail("shared.redis.url", "expected a redis:// or rediss:// URL")
    }
    const prefix = options.prefix ?? "llm-backends"
    if (!/^[\w.:-]+$/.test(prefix)) return yield* fail("shared.prefix", "letters, digits and . _ : - only")
    return {
      url,
      password: options.redis.password,
      prefix,
      timeout: yield* duration("shared.timeout", options.timeout, defaultTimeout),
      retryInterval: yield* duration("shared.retryInterval", options.retryInterval, Duration.seconds(1))
    }
  })

/**
 * The `SharedState` service on Redis, for the lifetime of the current scope.
 *
 * @since 0.1.0
 */
export const make = (options: Options) =>
  Effect.gen(function*() {
    const valid = yield* settings(options)
    const connection = yield* Connection.make(valid)
    return SharedState.of({ backend: (provider) => Effect.succeed(RedisStore.make(connection, valid.prefix, provider)) })
  })

/**
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<SharedState, BackendConfigError> => Layer.effect(SharedState, make(options))

/**
 * The options from outside code: the `shared` section of the JSON file named
 * by `LLM_BACKENDS_CONFIG` (`{ "shared": { "redis": { "url": ... }, "prefix": ..., "timeout": 0.25 } }`,
 * durations in seconds), then `LLM_BACKENDS_REDIS_URL`, `LLM_BACKENDS_REDIS_PASSWORD`,
 * `LLM_BACKENDS_REDIS_PREFIX`, `LLM_BACKENDS_REDIS_TIMEOUT` (seconds), then `overrides`.
 *
 * @since 0.1.0
 */
export const optionsConfig = (overrides: Partial<Options> = {}): Effect.Effect<Options, BackendConfigError | Config.ConfigError> =>
  Effect.gen(function*() {
    const file = yield* Config.option(Config.String("LLM_BACKENDS_CONFIG"))
    const fromFile = Option.isSome(file) ? yield* fileSection(file.value) : {}
    const url = yield* Config.option(Config.Redacted("LLM_BACKENDS_REDIS_URL"))
    const password = yield* Config.option(Config.Redacted("LLM_BACKENDS_REDIS_PASSWORD"))
    const prefix = yield* Config.option(Config.String("LLM_BACKENDS_REDIS_PREFIX"))
    const timeout = yield* Config.option(Config.Number("LLM_BACKENDS_REDIS_TIMEOUT"))
    // Named here, not as `shared.timeout` by `settings`: the user set the variable, not the code.
    if (Option.isSome(timeout) && !(Number.isFinite(timeout.value) && timeout.value > 0)) {
      return yield* fail("LLM_BACKENDS_REDIS_TIMEOUT", "expected positive seconds")
    }
    const redisUrl = overrides.redis?.url ?? Option.getOrUndefined(url) ?? fromFile.url
    if (redisUrl === undefined) {
      return yield* fail("LLM_BACKENDS_REDIS_URL", "missing: set LLM_BACKENDS_REDIS_URL or shared.redis.url in the config file")
    }
    return {
      redis: { url: redisUrl, password: overrides.redis?.password ?? Option.getOrUndefined(password) ?? fromFile.password },
      prefix: overrides.prefix ?? Option.getOrUndefined(prefix) ?? fromFile.prefix,
      timeout: overrides.timeout ?? Option.match(timeout, { onNone: () => fromFile.timeout, onSome: Duration.seconds }),
      retryInterval: overrides.retryInterval ?? fromFile.retryInterval
    }
  })

/**
 * @since 0.1.0
 */
export const layerConfig = (overrides: Partial<Options> = {}): Layer.Layer<SharedState, BackendConfigError | Config.ConfigError> =>
  Layer.effect(SharedState, Effect.flatMap(optionsConfig(overrides), make))

interface FileSection {
  readonly url?: Redacted.Redacted<string> | undefined
  readonly password?: Redacted.Redacted<string> | undefined
  readonly prefix?: string | undefined
  readonly timeout?: Duration.Duration | undefined
  readonly retryInterval?: Duration.Duration | undefined
}

const fileSection = (path: string): Effect.Effect<FileSection, BackendConfigError> =>
  Effect.gen(function*() {
    const json = yield* Effect.try({
      try: () => JSON.parse(readFileSync(path, "utf8")) as unknown,
      catch: (cause) => new BackendConfigError({ provider: SETTING, setting: "config file", detail: `cannot read ${path}: ${(cause as Error).message}` })
    })
    const shared = typeof json === "object" && json !== null ? (json as Record<string, unknown>)["shared"] : undefined
    if (shared === undefined) return {}
    if (typeof shared !== "object" || shared === null) return yield* fail("shared", "expected an object")
    const section = shared as Record<string, unknown>
    for (const key of Object.keys(section)) {
      if (!["redis", "prefix", "timeout", "retry_interval"].includes(key)) return yield* fail(`shared.${key}`, "unknown setting")
    }
    const redis = (section["redis"] ?? {}) as Record<string, unknown>
    const text = (value: unknown, setting: string) =>
      value === undefined || typeof value === "string" ? Effect.succeed(value) : fail(setting, "expected a string")
    const seconds = (value: unknown, setting: string) =>
      value === undefined ? Effect.succeed(undefined) : typeof value === "number" && value > 0 ? Effect.succeed(Duration.seconds(value)) : fail(setting, "expected positive seconds")
    const url = yield* text(redis["url"], "shared.redis.url")
    const password = yield* text(redis["password"], "shared.redis.password")
    return {
      url: url === undefined ? undefined : Redacted.make(url),
      password: password === undefined ? undefined : Redacted.make(password),
      prefix: yield* text(section["prefix"], "shared.prefix"),
      timeout: yield* seconds(section["timeout"], "shared.timeout"),
      retryInterval: yield* seconds(section["retry_interval"], "shared.retry_interval")
    }
  })
