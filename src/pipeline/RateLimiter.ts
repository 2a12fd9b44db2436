/**
 * Client-side rate limits as token buckets: requests per minute and tokens
 * per minute, each refilling continuously. A call takes one request and its
 * estimated tokens before it is sent, waiting (in the queue's priority order,
 * since it already holds its permit) until they are there; the estimate is
 * corrected from the usage the provider reports. The provider's own
 * remaining counts (`x-ratelimit-remaining-*`, `anthropic-ratelimit-*-remaining`)
 * lower the buckets, and a count of zero holds further calls until the
 * provider's reset time (even with no limits configured), so we slow down
 * before it answers 429.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect } from "effect"
import * as RetryAfter from "../transport/RetryAfter.ts"
import type * as SharedState from "./SharedState.ts"

/**
 * @since 0.1.0
 */
export interface Limits {
  readonly requestsPerMinute?: number | undefined
  readonly tokensPerMinute?: number | undefined
}

/** One continuously refilling bucket. */
class Bucket {
  private level: number
  private at = 0
  private readonly perMs: number
  constructor(readonly capacity: number) {
    this.level = capacity
    this.perMs = capacity / 60_000
  }
  private refill(now: number) {
    if (now > this.at) {
      this.level = Math.min(this.capacity, this.level + (now - this.at) * this.perMs)
      this.at = now
    }
  }
  /** Millis until `amount` is available (0 when it is now). */
  waitFor(amount: number, now: number): number {
    this.refill(now)
    const need = Math.min(amount, this.capacity) - this.level
    return need <= 0 ? 0 : Math.ceil(need / this.perMs)
  }
  take(amount: number, now: number) {
    this.refill(now)
    this.level -= Math.min(amount, this.capacity)
  }
  give(amount: number, now: number) {
    this.refill(now)
    this.level = Math.min(this.capacity, this.level + amount)
  }
  lowerTo(remaining: number, now: number) {
    this.refill(now)
    if (remaining < this.level) this.level = Math.max(0, remaining)
  }
  get available() {
    return this.level
  }
}

/**
 * @since 0.1.0
 */
export interface RateLimiter {
  /** Waits until one request and `tokens` fit, then takes them. */
  readonly take: (tokens: number) => Effect.Effect<void>
  /** Millis until one request and `tokens` fit (0: now), and whether the provider's reset hold is what makes it wait. */
  readonly waitFor: (tokens: number, now: number) => { readonly waitMs: number; readonly held: boolean }
  /** Takes one request and `tokens` now (after `waitFor` said 0). */
  readonly takeNow: (tokens: number, now: number) => void
  /** Corrects an earlier estimate with the tokens the call really used. */
  readonly correct: (estimated: number, actual: number) => Effect.Effect<void>
  /** Lowers the buckets to what the provider says remains. */
  readonly observe: (headers: Readonly<Record<string, string | undefined>>) => Effect.Effect<void>
  /**
   * For a limiter in memory, `correct` and `observe` done at once (the
   * pipeline's fast path); absent with a shared store, whose calls are effects.
   */
  readonly now?: {
    readonly correct: (estimated: number, actual: number, now: number) => void
    readonly observe: (headers: Readonly<Record<string, string | undefined>>, now: number) => void
  } | undefined
  /** What is left now, for stats. */
  readonly available: Effect.Effect<{ readonly requests: number | undefined; readonly tokens: number | undefined }>
}

const resetHeaders = {
  requests: ["x-ratelimit-reset-requests", "anthropic-ratelimit-requests-reset"],
  tokens: ["x-ratelimit-reset-tokens", "anthropic-ratelimit-tokens-reset", "anthropic-ratelimit-input-tokens-reset"]
} as const

const remainingHeaders = {
  requests: ["x-ratelimit-remaining-requests", "anthropic-ratelimit-requests-remaining"],
  tokens: ["x-ratelimit-remaining-tokens", "anthropic-ratelimit-tokens-remaining", "anthropic-ratelimit-input-tokens-remaining"]
} as const

const readNumber = (headers: Readonly<Record<string, string | undefined>>, names: ReadonlyArray<string>) => {
  for (const name of names) {
    const value = headers[name]
    if (value !== undefined && /^\d+$/.test(value.trim())) return Number(value)
  }
  return undefined
}

/**
 * Where a limiter's buckets live when they are shared: `store`, under
 * `bucket.id`. The in-memory buckets serve while the store is unavailable.
 *
 * @since 0.1.0
 */
export interface Shared {
  readonly store: SharedState.Store
  readonly bucket: SharedState.Bucket
}

/**
 * A limiter for the given limits; with none it never waits.
 *
 * @since 0.1.0
 */
export const make = (limits: Limits, shared?: Shared): RateLimiter => {
  const requests = limits.requestsPerMinute === undefined ? undefined : new Bucket(limits.requestsPerMinute)
  const tokens = limits.tokensPerMinute === undefined ? undefined : new Bucket(limits.tokensPerMinute)
  // Until when the provider said nothing is left (epoch millis).
  let heldUntil = 0

  const waitFor: RateLimiter["waitFor"] = (amount, now) => {
    const buckets = Math.max(requests?.waitFor(1, now) ?? 0, tokens?.waitFor(amount, now) ?? 0)
    const hold = heldUntil - now
    return { waitMs: Math.max(hold, buckets), held: hold > buckets }
  }
  const takeNow: RateLimiter["takeNow"] = (amount, now) => {
    requests?.take(1, now)
    tokens?.take(amount, now)
  }
  const take = (amount: number): Effect.Effect<void> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const wait = waitFor(amount, now).waitMs
      if (wait > 0) return Effect.andThen(Effect.sleep(Duration.millis(wait)), take(amount))
      takeNow(amount, now)
      return Effect.void
    })

  const correctNow = (estimated: number, actual: number, now: number) => {
    if (tokens === undefined) return
    if (actual < estimated) tokens.give(estimated - actual, now)
    else if (actual > estimated) tokens.take(actual - estimated, now)
  }
  const correct: RateLimiter["correct"] = (estimated, actual) =>
    tokens === undefined ? Effect.void : Effect.map(Clock.currentTimeMillis, (now) => correctNow(estimated, actual, now))

  // For the store: the remaining counts and how long nothing is left (the in-memory path reads them inline).
  const read = (headers: Readonly<Record<string, string | undefined>>, now: number) => {
    const r = readNumber(headers, remainingHeaders.requests)
    const t = readNumber(headers, remainingHeaders.tokens)
    let holdMs = 0
    for (const [left, reset] of [[r, resetHeaders.requests], [t, resetHeaders.tokens]] as const) {
      if (left !== 0) continue
      for (const name of reset) {
        const value = headers[name]
        const wait = value === undefined ? undefined : RetryAfter.parseReset(value, now)
        if (wait !== undefined) holdMs = Math.max(holdMs, Duration.toMillis(wait))
      }
    }
    return { r, t, holdMs }
  }
  const observeNow = (headers: Readonly<Record<string, string | undefined>>, now: number) => {
    const r = readNumber(headers, remainingHeaders.requests)
    const t = readNumber(headers, remainingHeaders.tokens)
    if (r !== undefined) requests?.lowerTo(r, now)
    if (t !== undefined) tokens?.lowerTo(t, now)
    if (r !== 0 && t !== 0) return
    for (const [left, reset] of [[r, resetHeaders.requests], [t, resetHeaders.tokens]] as const) {
      if (left !== 0) continue
      for (const name of reset) {
        const value = headers[name]
        const wait = value === undefined ? undefined : RetryAfter.parseReset(value, now)
        if (wait !== undefined) heldUntil = Math.max(heldUntil, now + Duration.toMillis(wait))
      }
    }
  }
  const observe: RateLimiter["observe"] = (headers) => Effect.map(Clock.currentTimeMillis, (now) => observeNow(headers, now))

  if (shared !== undefined) {
    // Back from an outage: the buckets of the outage are dropped.
    shared.store.onRestore(Effect.sync(() => {
      requests?.give(requests.capacity, 0)
      tokens?.give(tokens.capacity, 0)
      heldUntil = 0
    }))
  }

  return {
    take,
    waitFor,
    takeNow,
    correct: shared === undefined ? correct : (estimated, actual) =>
      actual === estimated || tokens === undefined
        ? Effect.void
        : Effect.catch(shared.store.correct([shared.bucket], actual - estimated), () => correct(estimated, actual)),
    observe: shared === undefined ? observe : (headers) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const { holdMs, r, t } = read(headers, now)
        if (r === undefined && t === undefined) return Effect.void
        return Effect.catch(
          shared.store.observe(shared.bucket, { requests: r, tokens: t }, holdMs),
          () => observe(headers)
        )
      }),
    now: shared === undefined ? { correct: correctNow, observe: observeNow } : undefined,
    available: Effect.map(Clock.currentTimeMillis, (now) => {
      requests?.waitFor(0, now)
      tokens?.waitFor(0, now)
      return { requests: requests?.available, tokens: tokens?.available }
    })
  }
}

/**
 * A call's token cost before it is sent: about four characters a token for
 * everything we send, plus the output budget it asked for (or `defaultOutput`).
 *
 * @since 0.1.0
 */
export const estimate = (inputChars: number, maxOutput: number | undefined, defaultOutput = 256): number =>
  Math.ceil(inputChars / 4) + (maxOutput ?? defaultOutput)
