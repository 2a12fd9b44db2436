/**
 * How the pipeline treats one backend's calls: queue, concurrency, retry,
 * circuit breaker and timeouts. Defaults are the predecessor's, which users
 * know. One policy per backend, accepted from code, from the environment and
 * from a JSON config file; an invalid value fails naming the setting.
 *
 * @since 0.1.0
 */
import { Config, Duration, Effect, Option, Schema, SchemaIssue } from "effect"
import { readFileSync } from "node:fs"
import { BackendConfigError } from "../BackendConfigError.ts"

const PositiveInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))
const NonNegativeInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
const PositiveDuration = Schema.Duration.check(
  Schema.makeFilter((d: Duration.Duration) => Duration.isGreaterThan(d, Duration.zero) && Duration.isFinite(d), {
    expected: "a positive, finite duration"
  })
)
const NonNegativeDuration = Schema.Duration.check(
  Schema.makeFilter((d: Duration.Duration) => !Duration.isNegative(d) && Duration.isFinite(d), {
    expected: "a non-negative, finite duration"
  })
)

/**
 * A complete, validated policy.
 *
 * @since 0.1.0
 */
export const Policy = Schema.Struct({
  /** Calls worked on at once (`max_concurrent_requests`). */
  maxConcurrentRequests: PositiveInt,
  /** Calls that may wait for a permit (`queue_size`). */
  queueSize: NonNegativeInt,
  /** When the queue is full: fail at once with QueueFull, or wait for room. */
  queueFull: Schema.Literals(["reject", "wait"]),
  /** Each interval a call waits moves it up one priority level. */
  agingInterval: PositiveDuration,
  /** Retries after the first attempt (`max_retries`). */
  maxRetries: NonNegativeInt,
  /** Of those, retries after an attempt or first-token timeout (`max_timeout_retries`). */
  maxTimeoutRetries: NonNegativeInt,
  /** First backoff delay (`initial_retry_delay`). */
  initialRetryDelay: PositiveDuration,
  /** Growth of each delay (`backoff_factor`). */
  backoffFactor: Schema.Number.check(Schema.isGreaterThanOrEqualTo(1)),
  /** Cap on one backoff delay (`max_retry_delay`). */
  maxRetryDelay: PositiveDuration,
  /** Cap on all retrying of one call (`max_retry_time`). */
  maxRetryTime: PositiveDuration,
  /** Scale each delay by a random 0.8-1.2. */
  jitter: Schema.Boolean,
  /** Longest wait of any kind we make (provider-requested, cooldown, queue); longer fails fast (`max_retry_after`). */
  retryAfterCap: PositiveDuration,
  /** Time an attempt needs at least: a wait or retry that would leave less before the deadline is not made (`min_attempt_time`). */
  minAttemptTime: NonNegativeDuration,
  /** Whether the circuit breaker is on. */
  circuitBreaker: Schema.Boolean,
  /** Consecutive failing calls that open the breaker (`failure_threshold`). */
  failureThreshold: PositiveInt,
  /** How long the breaker stays open before one probe (`reset_timeout`). */
  resetTimeout: PositiveDuration,
  /** Cap on the open time, which doubles per consecutive failed probe (`max_reset_timeout`). */
  maxResetTimeout: PositiveDuration,
  /** How long a half-open probe's lease lives in a shared store (default: twice the longer of `attemptTimeout` and `firstTokenTimeout`), so a crashed prober frees it (`probe_lease`). */
  probeLease: Schema.optionalKey(PositiveDuration),
  /** One attempt of a non-streaming call (`request_timeout`). */
  attemptTimeout: PositiveDuration,
  /** From sending a stream request to its first content chunk. */
  firstTokenTimeout: PositiveDuration,
  /** Longest gap between two stream chunks. */
  idleTimeout: PositiveDuration,
  /** Whole-call deadline incl. queue wait and retries; none by default. */
  deadline: Schema.optionalKey(PositiveDuration),
  /** How many recent calls the tracking ring keeps. */
  recentCalls: PositiveInt,
  /** How a key is chosen among several. */
  keyStrategy: Schema.Literals(["round-robin", "least-loaded", "weighted", "sticky"]),
  /** Cooldown of a rate-limited key that was told no wait; doubles per consecutive limit. */
  keyCooldown: PositiveDuration,
  /** Cooldown of a key whose quota is exhausted, when told no wait. */
  quotaCooldown: PositiveDuration,
  /** How long a key rejected with 401/403 stays out of the pool (`eject_cooldown`). */
  ejectCooldown: PositiveDuration,
  /** Client-side limit on requests per minute for the whole backend. */
  requestsPerMinute: Schema.optionalKey(PositiveInt),
  /** Client-side limit on tokens per minute for the whole backend. */
  tokensPerMinute: Schema.optionalKey(PositiveInt),
  // Transport limits (issue 13): what a hostile or broken server may make us hold.
  /** Largest non-streaming response body read, in bytes; over it fails `InvalidResponse` (`max_response_bytes`). */
  maxResponseBytes: PositiveInt,
  /** Largest single stream event or line, in bytes; over it fails `InvalidResponse` (`max_event_bytes`). */
  maxEventBytes: PositiveInt,
  /** An unparseable stream event fails the stream (`fail`), or is dropped and reported as a warning (`skip`). */
  malformedEvents: Schema.Literals(["fail", "skip"])
})

/**
 * @since 0.1.0
 */
export type Policy = typeof Policy.Type

/**
 * The defaults.
 *
 * @since 0.1.0
 */
export const defaults: Policy = {
  maxConcurrentRequests: 5,
  queueSize: 100,
  queueFull: "reject",
  agingInterval: Duration.seconds(5),
  maxRetries: 5,
  maxTimeoutRetries: 1,
  initialRetryDelay: Duration.seconds(1),
  backoffFactor: 2,
  maxRetryDelay: Duration.seconds(16),
  maxRetryTime: Duration.seconds(120),
  jitter: true,
  retryAfterCap: Duration.seconds(60),
  minAttemptTime: Duration.millis(500),
  circuitBreaker: true,
  failureThreshold: 5,
  resetTimeout: Duration.seconds(30),
  maxResetTimeout: Duration.minutes(5),
  attemptTimeout: Duration.seconds(60),
  firstTokenTimeout: Duration.seconds(60),
  idleTimeout: Duration.seconds(30),
  recentCalls: 100,
  keyStrategy: "round-robin",
  keyCooldown: Duration.seconds(1),
  quotaCooldown: Duration.hours(1),
  maxResponseBytes: 32 * 1024 * 1024,
  maxEventBytes: 8 * 1024 * 1024,
  malformedEvents: "fail",
  ejectCooldown: Duration.minutes(10)
}

/**
 * What a caller may set: any subset, durations as `Duration.Input`
 * (millis, `"2 seconds"`, a `Duration`).
 *
 * @since 0.1.0
 */
export type Input = {
  readonly [K in keyof Policy]?: Policy[K] extends Duration.Duration | undefined ? Duration.Input : Policy[K]
}

const durationKeys = new Set<string>([
  "agingInterval",
  "initialRetryDelay",
  "maxRetryDelay",
  "maxRetryTime",
  "retryAfterCap",
  "minAttemptTime",
  "resetTimeout",
  "maxResetTimeout",
  "probeLease",
  "attemptTimeout",
  "firstTokenTimeout",
  "idleTimeout",
  "deadline",
  "keyCooldown",
  "quotaCooldown",
  "ejectCooldown"
])

const decode = Schema.decodeUnknownEffect(Policy)
const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

/**
 * Validates a policy: `input` over the defaults.
 *
 * @since 0.1.0
 */
export const make = (provider: string, input: Input = {}): Effect.Effect<Policy, BackendConfigError> => {
  const merged: Record<string, unknown> = { ...defaults }
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue
    if (!(key in Policy.fields)) {
      return Effect.fail(new BackendConfigError({ provider, setting: key, detail: "unknown setting" }))
    }
    if (durationKeys.has(key)) {
      const parsed = Duration.fromInput(value as Duration.Input)
      if (Option.isNone(parsed)) {
        return Effect.fail(
          new BackendConfigError({ provider, setting: key, detail: `not a duration: ${JSON.stringify(value)}` })
        )
      }
      merged[key] = parsed.value
    } else {
      merged[key] = value
    }
  }
  return Effect.mapError(decode(merged), (error) => {
    const issue = formatter(error.issue).issues[0]
    const setting = (issue?.path ?? []).map(String).join(".") || "policy"
    return new BackendConfigError({ provider, setting, detail: issue?.message ?? error.message })
  })
}

/**
 * The names users of the predecessor know, used in the environment
 * (`<PREFIX>_<NAME>` upper-cased) and in JSON config files. Durations there
 * are seconds.
 *
 * @since 0.1.0
 */
export const externalNames: ReadonlyArray<readonly [keyof Policy, string]> = [
  ["maxConcurrentRequests", "max_concurrent_requests"],
  ["queueSize", "queue_size"],
  ["queueFull", "queue_full"],
  ["agingInterval", "queue_aging_interval"],
  ["maxRetries", "max_retries"],
  ["maxTimeoutRetries", "max_timeout_retries"],
  ["initialRetryDelay", "initial_retry_delay"],
  ["backoffFactor", "backoff_factor"],
  ["maxRetryDelay", "max_retry_delay"],
  ["maxRetryTime", "max_retry_time"],
  ["jitter", "retry_jitter"],
  ["retryAfterCap", "max_retry_after"],
  ["minAttemptTime", "min_attempt_time"],
  ["circuitBreaker", "circuit_breaker"],
  ["failureThreshold", "failure_threshold"],
  ["resetTimeout", "reset_timeout"],
  ["maxResetTimeout", "max_reset_timeout"],
  ["probeLease", "probe_lease"],
  ["attemptTimeout", "request_timeout"],
  ["firstTokenTimeout", "first_token_timeout"],
  ["idleTimeout", "stream_idle_timeout"],
  ["deadline", "deadline"],
  ["recentCalls", "recent_calls"],
  ["keyStrategy", "key_strategy"],
  ["keyCooldown", "key_cooldown"],
  ["quotaCooldown", "quota_cooldown"],
  ["ejectCooldown", "eject_cooldown"],
  ["requestsPerMinute", "requests_per_minute"],
  ["tokensPerMinute", "tokens_per_minute"],
  ["maxResponseBytes", "max_response_bytes"],
  ["maxEventBytes", "max_event_bytes"],
  ["malformedEvents", "malformed_events"]
]

const fromExternal = (key: keyof Policy, raw: unknown): unknown => {
  if (durationKeys.has(key)) return typeof raw === "number" ? Duration.seconds(raw) : raw
  return raw
}

/**
 * Reads policy settings from a parsed JSON config: `{ "<provider>": { "max_retries": 3, ... } }`,
 * over an optional `"default"` section. Unknown keys fail, naming them.
 *
 * @since 0.1.0
 */
export const inputFromJson = (provider: string, json: unknown): Effect.Effect<Input, BackendConfigError> => {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return Effect.fail(new BackendConfigError({ provider, setting: "config file", detail: "expected a JSON object" }))
  }
  const root = json as Record<string, unknown>
  const input: Record<string, unknown> = {}
  for (const section of ["default", provider]) {
    const values = root[section]
    if (values === undefined) continue
    if (typeof values !== "object" || values === null) {
      return Effect.fail(new BackendConfigError({ provider, setting: section, detail: "expected an object" }))
    }
    for (const [name, raw] of Object.entries(values)) {
      // Keys live in the same section but are read by the provider assembly (Backend.keysFromJson).
      if (name === "api_keys") continue
      const entry = externalNames.find(([, external]) => external === name)
      if (entry === undefined) {
        return Effect.fail(new BackendConfigError({ provider, setting: `${section}.${name}`, detail: "unknown setting" }))
      }
      input[entry[0]] = fromExternal(entry[0], raw)
    }
  }
  return Effect.succeed(input as Input)
}

/**
 * Reads policy settings from a JSON config file (see {@link inputFromJson}).
 *
 * @since 0.1.0
 */
export const inputFromFile = (provider: string, path: string): Effect.Effect<Input, BackendConfigError> =>
  Effect.flatMap(
    Effect.try({
      try: () => JSON.parse(readFileSync(path, "utf8")) as unknown,
      catch: (cause) =>
        new BackendConfigError({ provider, setting: "config file", detail: `cannot read ${path}: ${(cause as Error).message}` })
    }),
    (json) => inputFromJson(provider, json)
  )

/**
 * Reads policy settings from the environment: `<PREFIX>_MAX_RETRIES`,
 * `<PREFIX>_INITIAL_RETRY_DELAY` (seconds), ... Absent variables are absent.
 *
 * @since 0.1.0
 */
export const inputFromEnv = (prefix: string): Effect.Effect<Input, Config.ConfigError> =>
  Effect.gen(function*() {
    const input: Record<string, unknown> = {}
    for (const [key] of externalNames) {
      const variable = envName(prefix, key)
      const kind = defaults[key]
      const read = typeof kind === "boolean"
        ? Config.Boolean(variable)
        : typeof kind === "string"
        ? Config.String(variable)
        : Config.Number(variable)
      const value = yield* Config.option(read as Config.Config<unknown>)
      if (Option.isSome(value)) input[key] = fromExternal(key, value.value)
    }
    return input as Input
  })

const envName = (prefix: string, key: keyof Policy) =>
  `${prefix}_${externalNames.find(([k]) => k === key)![1].toUpperCase()}`

/**
 * The policy for a backend as configured outside code: the JSON file named by
 * `LLM_BACKENDS_CONFIG` (its `default` and `<provider>` sections), then
 * `<PREFIX>_*` environment variables, then `overrides` from code. A bad value
 * fails naming the variable (or file key) it came from.
 *
 * @since 0.1.0
 */
export const configFile: Config.Config<Option.Option<string>> = Config.option(Config.String("LLM_BACKENDS_CONFIG"))

/**
 * Reads and parses the JSON config file named by `LLM_BACKENDS_CONFIG`, if any.
 *
 * @since 0.1.0
 */
export const readConfigFile = (provider: string): Effect.Effect<unknown, BackendConfigError | Config.ConfigError> =>
  Effect.flatMap(configFile, (path) =>
    Option.isNone(path) ? Effect.succeed(undefined) : Effect.try({
      try: () => JSON.parse(readFileSync(path.value, "utf8")) as unknown,
      catch: (cause) =>
        new BackendConfigError({ provider, setting: "config file", detail: `cannot read ${path.value}: ${(cause as Error).message}` })
    }))

/**
 * @since 0.1.0
 */
export const fromEnvironment = (
  provider: string,
  prefix: string,
  overrides: Input = {}
): Effect.Effect<Policy, BackendConfigError | Config.ConfigError> =>
  Effect.gen(function*() {
    const file = yield* Config.option(Config.String("LLM_BACKENDS_CONFIG"))
    const fromFile = Option.isSome(file) ? yield* inputFromFile(provider, file.value) : {}
    const fromEnv = yield* inputFromEnv(prefix)
    return yield* make(provider, { ...fromFile, ...fromEnv, ...overrides }).pipe(
      Effect.mapError((error) =>
        error.setting in fromEnv && !(error.setting in overrides)
          ? new BackendConfigError({ provider, setting: envName(prefix, error.setting as keyof Policy), detail: error.detail })
          : error
      )
    )
  })

/**
 * A policy for tests and pass-through use: no retries, no breaker, no queue
 * limit, generous timeouts.
 *
 * @since 0.1.0
 */
export const passthrough: Policy = {
  ...defaults,
  maxConcurrentRequests: 1_000_000,
  queueSize: 1_000_000,
  maxRetries: 0,
  circuitBreaker: false,
  attemptTimeout: Duration.days(1),
  firstTokenTimeout: Duration.days(1),
  idleTimeout: Duration.days(1)
}
