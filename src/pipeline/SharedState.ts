/**
 * The state behind a backend's shared parts, when several processes share
 * it: rate-limit buckets per backend and key, provider header holds,
 * cooldowns per (key, model), ejections per key, and the circuit breaker's
 * state (consecutive failures, open-until, the half-open probe as a lease).
 *
 * The default is in memory: each part keeps its state in its own fields
 * (`RateLimiter`'s buckets, `KeyEntry`, `CircuitBreaker`'s `Ref`) and no
 * `Store` is involved, so one process pays nothing for this interface. A
 * `Store` (e.g. `effect-llm-backends/redis`) is found in the context when a
 * backend is built; then each part asks it first and uses its own in-memory
 * state only while the store is `Unavailable` (the call never fails because
 * of the store). The logic (what a 429 or a 401 does, when the breaker
 * trips, how a bucket refills) stays in the parts; a store only keeps the
 * numbers, with each change made atomically where it lives.
 *
 * Times a store hands back are relative (millis from now), never another
 * process's wall clock, so processes with skewed clocks agree.
 *
 * @since 0.1.0
 */
import { Context, Data, type Effect } from "effect"

/**
 * The store could not answer in time: the caller uses its in-memory state.
 *
 * @since 0.1.0
 */
export class Unavailable extends Data.TaggedError("Unavailable")<{}> {}

/**
 * Where a backend's shared state lives now: `memory` (no store configured),
 * `shared` (the store answers), `fallback` (a store is configured but
 * unreachable: this process runs on its in-memory state until it is back).
 *
 * @since 0.1.0
 */
export type Mode = "memory" | "shared" | "fallback"

/**
 * One rate-limit bucket pair (backend-wide, or one key's), by id.
 *
 * @since 0.1.0
 */
export interface Bucket {
  readonly id: string
  readonly requestsPerMinute?: number | undefined
  readonly tokensPerMinute?: number | undefined
}

/**
 * Millis until one request and the tokens fit (0: they were taken), and
 * whether the provider's reset hold is what makes it wait.
 *
 * @since 0.1.0
 */
export interface Wait {
  readonly waitMs: number
  readonly held: boolean
}

/**
 * A cooldown or ejection as stored: millis left, why, and the call that set it.
 *
 * @since 0.1.0
 */
export interface Hold {
  readonly ms: number
  readonly reason: string
  readonly setBy: string | undefined
}

/**
 * One key's shared state for one model.
 *
 * @since 0.1.0
 */
export interface KeyState {
  /** The rate-limit cooldown for the model asked about. */
  readonly model: Hold | undefined
  /** The whole-key (quota) cooldown. */
  readonly key: Hold | undefined
  readonly ejected: Hold | undefined
}

/**
 * What an attempt's outcome does to its key, computed by the key pool's
 * rules (a store applies it atomically).
 *
 * @since 0.1.0
 */
export type KeyReaction =
  | { readonly _tag: "Success" }
  | {
    readonly _tag: "RateLimited"
    readonly model: string
    readonly requestId: string | undefined
    /** The provider's wait; without it the store doubles `baseMs` per consecutive limited call, up to `maxMs`. */
    readonly retryAfterMs: number | undefined
    readonly baseMs: number
    readonly maxMs: number
    readonly reason: string
  }
  | { readonly _tag: "Quota"; readonly ms: number; readonly requestId: string | undefined }
  | { readonly _tag: "Ejected"; readonly ms: number; readonly reason: string }

/**
 * How a half-open breaker admits: as a normal call, as the one probe (holding
 * a lease named `token`), or not (open, or another process probes).
 *
 * @since 0.1.0
 */
export type Admission =
  | { readonly _tag: "Closed" }
  | { readonly _tag: "Probe"; readonly token: string; readonly wasOpen: boolean }
  | { readonly _tag: "Open"; readonly retryMs: number }
  | { readonly _tag: "Probing"; readonly retryMs: number }

/**
 * The breaker's shared state, as seen now.
 *
 * @since 0.1.0
 */
export type BreakerView =
  | { readonly _tag: "Closed"; readonly failures: number }
  | { readonly _tag: "Open"; readonly ms: number; readonly failedProbes: number }
  | { readonly _tag: "HalfOpen"; readonly probing: boolean; readonly failedProbes: number }

/**
 * The breaker's settings, passed with each change so every process applies
 * the same rule.
 *
 * @since 0.1.0
 */
export interface BreakerRule {
  readonly failureThreshold: number
  readonly resetMs: number
  readonly maxResetMs: number
  /** How long a probe's lease lives: longer than its attempt, so a crashed prober frees it. */
  readonly leaseMs: number
}

/**
 * A state change a record made (from, to), if any.
 *
 * @since 0.1.0
 */
export type Change = readonly ["closed" | "open" | "half_open", "closed" | "open" | "half_open"] | undefined

/**
 * One backend's shared state. Every operation fails with `Unavailable`
 * (quickly: a store bounds each of its operations by a short timeout) when
 * the store cannot answer.
 *
 * @since 0.1.0
 */
export interface Store {
  readonly mode: () => Mode
  /** Runs `effect` each time the store comes back after an outage (the in-memory state of the outage is discarded). */
  readonly onRestore: (effect: Effect.Effect<void>) => void
  /** Atomically takes one request and `tokens` from every bucket, or nothing and says how long to wait. */
  readonly take: (buckets: ReadonlyArray<Bucket>, tokens: number) => Effect.Effect<Wait, Unavailable>
  /** Takes (positive) or gives back (negative) tokens after the real usage is known. */
  readonly correct: (buckets: ReadonlyArray<Bucket>, tokens: number) => Effect.Effect<void, Unavailable>
  /** Lowers a bucket to what the provider says remains, and holds it `holdMs` (0: no hold). */
  readonly observe: (
    bucket: Bucket,
    remaining: { readonly requests: number | undefined; readonly tokens: number | undefined },
    holdMs: number
  ) => Effect.Effect<void, Unavailable>
  readonly keyStates: (names: ReadonlyArray<string>, model: string) => Effect.Effect<ReadonlyArray<KeyState>, Unavailable>
  readonly keyReact: (name: string, reaction: KeyReaction) => Effect.Effect<void, Unavailable>
  readonly restoreKeys: (names: ReadonlyArray<string>) => Effect.Effect<void, Unavailable>
  readonly admit: (rule: BreakerRule) => Effect.Effect<Admission, Unavailable>
  readonly record: (
    rule: BreakerRule,
    probe: string | undefined,
    outcome: "success" | "unhealthy" | "answered" | "interrupted"
  ) => Effect.Effect<Change, Unavailable>
  readonly breaker: Effect.Effect<BreakerView, Unavailable>
}

/**
 * A source of stores, one per backend (by provider name). Put in the context
 * (see `effect-llm-backends/redis`) before building backends to share their
 * state; without it every backend keeps its state in memory.
 *
 * @since 0.1.0
 */
export class SharedState extends Context.Service<SharedState, {
  readonly backend: (provider: string) => Effect.Effect<Store>
}>()("effect-llm-backends/SharedState") {}
