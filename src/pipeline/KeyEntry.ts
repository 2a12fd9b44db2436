/**
 * The state of one key in a `KeyPool` and its reactions to what an attempt
 * reported: a rate limit cools the key for the model it was for (doubling
 * per consecutive limited call, not per retry of one call), an exhausted
 * quota cools the whole key, 401/403 ejects it for a while.
 *
 * @since 0.1.0
 */
import { Duration } from "effect"
import type * as LlmError from "../LlmError.ts"
import type { KeyConfig, KeyStats } from "./KeyPool.ts"

/**
 * A cooldown: until when, why, and the call whose failure set it.
 *
 * @since 0.1.0
 */
export interface Cooling {
  readonly until: number
  readonly reason: string
  readonly setBy: string | undefined
}

interface ModelLimits {
  cooling: Cooling | undefined
  consecutive: number
  lastLimitedBy: string | undefined
}

/**
 * @since 0.1.0
 */
export interface Entry {
  readonly config: KeyConfig
  readonly index: number
  /** Whole-key cooldown (quota). */
  cooling: Cooling | undefined
  /** Rate-limit state per model ("" for calls without one). */
  readonly models: Map<string, ModelLimits>
  ejected: string | undefined
  ejectedUntil: number
  inFlight: number
  requests: number
  failures: Record<string, number>
  cooldowns: number
  ejections: number
  /** Smooth weighted round-robin's running weight. */
  current: number
}

/**
 * The reactions' durations, in millis.
 *
 * @since 0.1.0
 */
export interface Reactions {
  readonly rateLimitCooldownMs: number
  readonly maxCooldownMs: number
  readonly quotaCooldownMs: number
  readonly ejectMs: number
}

/**
 * @since 0.1.0
 */
export const make = (config: KeyConfig, index: number): Entry => ({
  config,
  index,
  cooling: undefined,
  models: new Map(),
  ejected: undefined,
  ejectedUntil: 0,
  inFlight: 0,
  requests: 0,
  failures: {},
  cooldowns: 0,
  ejections: 0,
  current: 0
})

/**
 * Whether the key is ejected now (an ejection past its time is lifted).
 *
 * @since 0.1.0
 */
export const isEjected = (entry: Entry, now: number): boolean => {
  if (entry.ejected !== undefined && now >= entry.ejectedUntil) entry.ejected = undefined
  return entry.ejected !== undefined
}

const active = (cooling: Cooling | undefined, now: number) =>
  cooling !== undefined && cooling.until > now ? cooling : undefined

/**
 * The cooldown that holds a call for `model` on this key (the later of the
 * key's and the model's), if any. A cooldown set by `waitedBy` (a retry that
 * already slept its backoff) does not hold that call again.
 *
 * @since 0.1.0
 */
export const holding = (entry: Entry, model: string | undefined, waitedBy: string | undefined, now: number): Cooling | undefined => {
  const own = active(entry.models.get(model ?? "")?.cooling, now)
  const forModel = own !== undefined && waitedBy !== undefined && own.setBy === waitedBy ? undefined : own
  const key = active(entry.cooling, now)
  if (forModel === undefined) return key
  if (key === undefined) return forModel
  return key.until >= forModel.until ? key : forModel
}

const cool = (entry: Entry, target: { cooling: Cooling | undefined }, now: number, ms: number, reason: string, setBy: string | undefined) => {
  target.cooling = { until: Math.max(active(target.cooling, now)?.until ?? 0, now + ms), reason, setBy }
  entry.cooldowns++
}

/**
 * Applies the outcome of an attempt for `model` by call `requestId`.
 *
 * @since 0.1.0
 */
export const react = (
  entry: Entry,
  failure: LlmError.Reason | undefined,
  model: string,
  requestId: string | undefined,
  now: number,
  reactions: Reactions
): void => {
  if (failure === undefined) {
    for (const limits of entry.models.values()) limits.consecutive = 0
    return
  }
  entry.failures[failure._tag] = (entry.failures[failure._tag] ?? 0) + 1
  switch (failure._tag) {
    case "RateLimited": {
      let limits = entry.models.get(model)
      if (limits === undefined) {
        limits = { cooling: undefined, consecutive: 0, lastLimitedBy: undefined }
        entry.models.set(model, limits)
      }
      // One call retrying is one signal, not several: only another call doubles the cooldown.
      if (requestId === undefined || limits.lastLimitedBy !== requestId) {
        limits.consecutive++
        limits.lastLimitedBy = requestId
      }
      const computed = Math.min(reactions.rateLimitCooldownMs * 2 ** (limits.consecutive - 1), reactions.maxCooldownMs)
      const ms = failure.retryAfter === undefined ? computed : Duration.toMillis(failure.retryAfter)
      cool(entry, limits, now, ms, model === "" ? "rate limited" : `rate limited for ${model}`, requestId)
      return
    }
    case "QuotaExhausted": {
      const ms = failure.retryAfter === undefined ? reactions.quotaCooldownMs : Duration.toMillis(failure.retryAfter)
      cool(entry, entry, now, ms, "quota exhausted", requestId)
      return
    }
    case "Unauthorized":
      if (entry.ejected === undefined) entry.ejections++
      entry.ejected = `Unauthorized${failure.detail === undefined ? "" : `: ${failure.detail}`}`
      entry.ejectedUntil = now + reactions.ejectMs
      return
  }
}

/**
 * One line on why the key cannot take a call now.
 *
 * @since 0.1.0
 */
export const describe = (entry: Entry, cooling: Cooling | undefined, now: number): string =>
  isEjected(entry, now)
    ? `${entry.config.name} ejected (${entry.ejected})`
    : cooling !== undefined
    ? `${entry.config.name} cooling for ${Duration.format(Duration.millis(cooling.until - now))} (${cooling.reason})`
    : `${entry.config.name} busy (${entry.inFlight} in flight)`

/**
 * The key's state as reported (never its value): cooling is the longest
 * active cooldown, the key's or any model's.
 *
 * @since 0.1.0
 */
export const stats = (entry: Entry, now: number): KeyStats => {
  let cooling = active(entry.cooling, now)
  for (const limits of entry.models.values()) {
    const c = active(limits.cooling, now)
    if (c !== undefined && (cooling === undefined || c.until > cooling.until)) cooling = c
  }
  const ejected = isEjected(entry, now)
  return {
    name: entry.config.name,
    state: ejected ? "ejected" : cooling !== undefined ? "cooling" : "active",
    coolingForMs: cooling === undefined ? undefined : cooling.until - now,
    reason: ejected ? entry.ejected : cooling?.reason,
    inFlight: entry.inFlight,
    requests: entry.requests,
    failures: { ...entry.failures },
    cooldowns: entry.cooldowns,
    ejections: entry.ejections
  }
}
