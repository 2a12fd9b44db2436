/**
 * Several API keys for one backend, chosen per attempt. Strategies: true
 * round-robin, least-loaded (in flight), smooth weighted round-robin, and
 * sticky per session (rendezvous hashing, so a session keeps its key while
 * that key is usable and moves as little as possible when it is not).
 *
 * Reactions to what a key's call reported: a rate limit cools the key down
 * for the provider's Retry-After (or a doubling delay); an exhausted quota
 * cools it down for long; 401/403 ejects it with its reason. When every
 * usable key is cooling, a call waits for the soonest; when none can serve,
 * it fails with an error that lists each key's name and state. Key values
 * never leave this module except to the transport.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, type Redacted } from "effect"
import * as LlmError from "../LlmError.ts"

/**
 * One key.
 *
 * @since 0.1.0
 */
export interface KeyConfig {
  readonly name: string
  readonly value: Redacted.Redacted<string>
  /** Relative share under the `weighted` strategy (default 1). */
  readonly weight?: number | undefined
  /** Models this key may serve (default: all). */
  readonly models?: ReadonlyArray<string> | undefined
  /** Calls this key may carry at once (default: no limit beyond the backend's). */
  readonly maxConcurrent?: number | undefined
  /** Client-side request limit for this key. */
  readonly requestsPerMinute?: number | undefined
  /** Client-side token limit for this key. */
  readonly tokensPerMinute?: number | undefined
}

/**
 * @since 0.1.0
 */
export type Strategy = "round-robin" | "least-loaded" | "weighted" | "sticky"

/**
 * A key's state as reported (never its value).
 *
 * @since 0.1.0
 */
export interface KeyStats {
  readonly name: string
  readonly state: "active" | "cooling" | "ejected"
  /** Millis until a cooling key is usable again. */
  readonly coolingForMs: number | undefined
  /** Why the key is cooling or was ejected. */
  readonly reason: string | undefined
  readonly inFlight: number
  readonly requests: number
  readonly failures: Readonly<Record<string, number>>
  readonly cooldowns: number
  readonly ejections: number
}

/**
 * A key handed to one attempt.
 *
 * @since 0.1.0
 */
export interface Lease {
  readonly name: string
  readonly value: Redacted.Redacted<string>
}

/**
 * @since 0.1.0
 */
export interface Options {
  readonly strategy: Strategy
  /** Cooldown after a rate limit that named no wait; doubles per consecutive limit. */
  readonly rateLimitCooldown: Duration.Duration
  /** Cap on a computed rate-limit cooldown. */
  readonly maxCooldown: Duration.Duration
  /** Cooldown after an exhausted quota that named no wait. */
  readonly quotaCooldown: Duration.Duration
  /** Longest a call waits for a cooling key before failing. */
  readonly maxWait: Duration.Duration
}

interface Entry {
  readonly config: KeyConfig
  readonly index: number
  coolingUntil: number
  coolReason: string | undefined
  ejected: string | undefined
  consecutiveLimits: number
  inFlight: number
  requests: number
  failures: Record<string, number>
  cooldowns: number
  ejections: number
  current: number
}

/**
 * @since 0.1.0
 */
export interface KeyPool {
  readonly size: number
  /** A key for one attempt: waits for the soonest cooling key, or fails with the reason none can serve. */
  readonly acquire: (request: {
    readonly model: string | undefined
    readonly pinned?: string | undefined
    readonly sessionId?: string | undefined
  }) => Effect.Effect<Lease, LlmError.Reason>
  /** Ends an attempt: frees the key and applies the reaction to its outcome. */
  readonly release: (lease: Lease, failure: LlmError.Reason | undefined) => Effect.Effect<void>
  /** Whether a key other than `name` could serve `model` now or after a short cooldown. */
  readonly hasAlternative: (name: string, model: string | undefined) => boolean
  /** Every key's state. */
  readonly stats: Effect.Effect<ReadonlyArray<KeyStats>>
}

// FNV-1a: a small, stable hash for rendezvous choice.
const hash = (text: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0
  return h
}

/**
 * Builds a pool over at least one key.
 *
 * @since 0.1.0
 */
export const make = (keys: ReadonlyArray<KeyConfig>, options: Options): KeyPool => {
  const entries: Array<Entry> = keys.map((config, index) => ({
    config,
    index,
    coolingUntil: 0,
    coolReason: undefined,
    ejected: undefined,
    consecutiveLimits: 0,
    inFlight: 0,
    requests: 0,
    failures: {},
    cooldowns: 0,
    ejections: 0,
    current: 0
  }))
  let cursor = 0
  const waiters = new Set<() => void>()
  const wake = () => {
    for (const resume of [...waiters]) resume()
  }

  const serves = (entry: Entry, model: string | undefined) =>
    entry.ejected === undefined &&
    (entry.config.models === undefined || model === undefined || entry.config.models.includes(model))
  const hasRoom = (entry: Entry) => entry.config.maxConcurrent === undefined || entry.inFlight < entry.config.maxConcurrent

  const roundRobin = (ready: Array<Entry>): Entry => {
    const n = entries.length
    for (let step = 0; step < n; step++) {
      const candidate = entries[(cursor + step) % n]!
      if (ready.includes(candidate)) {
        cursor = (candidate.index + 1) % n
        return candidate
      }
    }
    return ready[0]!
  }

  const pick = (ready: Array<Entry>, sessionId: string | undefined): Entry => {
    switch (options.strategy) {
      case "least-loaded":
        return ready.reduce((best, e) => e.inFlight < best.inFlight ? e : best)
      case "weighted": {
        let total = 0
        let best = ready[0]!
        for (const e of ready) {
          const weight = e.config.weight ?? 1
          e.current += weight
          total += weight
          if (e.current > best.current) best = e
        }
        best.current -= total
        return best
      }
      case "sticky":
        // Without a session there is nothing to stick to: round-robin.
        return sessionId === undefined ? roundRobin(ready) : ready.reduce((best, e) =>
          hash(`${sessionId}/${e.config.name}`) > hash(`${sessionId}/${best.config.name}`) ? e : best
        )
      case "round-robin":
        return roundRobin(ready)
    }
  }

  const describe = (now: number, candidates: ReadonlyArray<Entry>) =>
    candidates.map((e) =>
      e.ejected !== undefined
        ? `${e.config.name} ejected (${e.ejected})`
        : e.coolingUntil > now
        ? `${e.config.name} cooling for ${Duration.format(Duration.millis(e.coolingUntil - now))} (${e.coolReason})`
        : `${e.config.name} busy (${e.inFlight} in flight)`
    ).join("; ")

  const acquire: KeyPool["acquire"] = (request) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const candidates = request.pinned === undefined
        ? entries.filter((e) => e.config.models === undefined || request.model === undefined || e.config.models.includes(request.model))
        : entries.filter((e) => e.config.name === request.pinned)
      if (candidates.length === 0) {
        return Effect.fail(
          request.pinned === undefined
            ? new LlmError.InvalidRequest({ field: "model", detail: `no key may serve model ${request.model}` })
            : new LlmError.InvalidRequest({
              field: "options.key",
              detail: `no key named ${JSON.stringify(request.pinned)} (known: ${entries.map((e) => e.config.name).join(", ")})`
            })
        )
      }
      const usable = candidates.filter((e) => serves(e, request.model))
      if (usable.length === 0) {
        return Effect.fail(new LlmError.Unauthorized({ detail: `no usable key: ${describe(now, candidates)}` }))
      }
      const ready = usable.filter((e) => e.coolingUntil <= now && hasRoom(e))
      if (ready.length > 0) {
        const chosen = pick(ready, request.sessionId)
        chosen.inFlight++
        chosen.requests++
        return Effect.succeed({ name: chosen.config.name, value: chosen.config.value })
      }
      // Every usable key is cooling or full: wait for the soonest cooldown or a release.
      const soonest = Math.min(...usable.map((e) => e.coolingUntil > now ? e.coolingUntil : Infinity))
      const wait = soonest === Infinity ? undefined : soonest - now
      if (wait !== undefined && wait > Duration.toMillis(options.maxWait) && usable.every((e) => e.coolingUntil > now)) {
        const fields = { retryAfter: Duration.millis(wait), detail: `every key is cooling: ${describe(now, usable)}` }
        return Effect.fail(
          usable.every((e) => e.coolReason === "quota exhausted")
            ? new LlmError.QuotaExhausted(fields)
            : new LlmError.RateLimited(fields)
        )
      }
      const released = Effect.callback<void>((resume) => {
        const wakeUp = () => {
          waiters.delete(wakeUp)
          resume(Effect.void)
        }
        waiters.add(wakeUp)
        return Effect.sync(() => waiters.delete(wakeUp))
      })
      const woken = wait === undefined ? released : Effect.raceFirst(released, Effect.sleep(Duration.millis(wait)))
      return Effect.andThen(woken, acquire(request))
    })

  const release: KeyPool["release"] = (lease, failure) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.sync(() => {
        const entry = entries.find((e) => e.config.name === lease.name)
        if (entry === undefined) return
        entry.inFlight--
        if (failure === undefined) {
          entry.consecutiveLimits = 0
        } else {
          entry.failures[failure._tag] = (entry.failures[failure._tag] ?? 0) + 1
          switch (failure._tag) {
            case "RateLimited": {
              const computed = Math.min(
                Duration.toMillis(options.rateLimitCooldown) * 2 ** entry.consecutiveLimits,
                Duration.toMillis(options.maxCooldown)
              )
              entry.consecutiveLimits++
              cool(entry, now, failure.retryAfter === undefined ? computed : Duration.toMillis(failure.retryAfter), "rate limited")
              break
            }
            case "QuotaExhausted":
              cool(
                entry,
                now,
                failure.retryAfter === undefined ? Duration.toMillis(options.quotaCooldown) : Duration.toMillis(failure.retryAfter),
                "quota exhausted"
              )
              break
            case "Unauthorized":
              if (entry.ejected === undefined) entry.ejections++
              entry.ejected = `Unauthorized${failure.detail === undefined ? "" : `: ${failure.detail}`}`
              break
          }
        }
        wake()
      }))

  const cool = (entry: Entry, now: number, ms: number, reason: string) => {
    entry.coolingUntil = Math.max(entry.coolingUntil, now + ms)
    entry.coolReason = reason
    entry.cooldowns++
  }

  const hasAlternative: KeyPool["hasAlternative"] = (name, model) =>
    entries.some((e) => e.config.name !== name && serves(e, model))

  const stats: KeyPool["stats"] = Effect.map(Clock.currentTimeMillis, (now) =>
    entries.map((e): KeyStats => ({
      name: e.config.name,
      state: e.ejected !== undefined ? "ejected" : e.coolingUntil > now ? "cooling" : "active",
      coolingForMs: e.coolingUntil > now ? e.coolingUntil - now : undefined,
      reason: e.ejected ?? (e.coolingUntil > now ? e.coolReason : undefined),
      inFlight: e.inFlight,
      requests: e.requests,
      failures: { ...e.failures },
      cooldowns: e.cooldowns,
      ejections: e.ejections
    })))

  return { size: entries.length, acquire, release, hasAlternative, stats }
}
