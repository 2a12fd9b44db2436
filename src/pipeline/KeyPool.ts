/**
 * Several API keys for one backend, chosen per attempt. Strategies: true
 * round-robin, least-loaded (in flight), smooth weighted round-robin, and
 * sticky per session (rendezvous hashing, so a session keeps its key while
 * that key is usable and moves as little as possible when it is not).
 *
 * Reactions to what a key's call reported: a rate limit cools the key down
 * for the model it was for (OpenAI and Groq limit per model), for the
 * provider's Retry-After or a delay that doubles per consecutive limited
 * call (not per retry of one call); an exhausted quota cools the whole key
 * for long; 401/403 ejects it with its reason for `ejectCooldown` (or until
 * `restore`). When every usable key is cooling, a call waits for the soonest
 * if that wait fits its budget, else fails at once with the wait; when none
 * can serve, it fails with an error that lists each key's name and state.
 * Key values never leave this module except to the transport.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, type Redacted } from "effect"
import * as LlmError from "../LlmError.ts"
import * as KeyEntry from "./KeyEntry.ts"
import * as KeyStrategy from "./KeyStrategy.ts"
import * as SharedKeys from "./SharedKeys.ts"
import type * as SharedState from "./SharedState.ts"
import type { Restore } from "./Stage.ts"

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
export type Strategy = KeyStrategy.Strategy

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
  /** The model it was leased for: a rate limit cools that model only. */
  readonly model?: string | undefined
}

/**
 * @since 0.1.0
 */
export interface Options {
  readonly strategy: Strategy
  /** Cooldown after a rate limit that named no wait; doubles per consecutive limited call. */
  readonly rateLimitCooldown: Duration.Duration
  /** Cap on a computed rate-limit cooldown. */
  readonly maxCooldown: Duration.Duration
  /** Cooldown after an exhausted quota that named no wait. */
  readonly quotaCooldown: Duration.Duration
  /** Longest a call waits for a cooling key before failing (when `acquire` is given no budget). */
  readonly maxWait: Duration.Duration
  /** How long an ejected key stays out (default: 10 minutes). */
  readonly ejectCooldown?: Duration.Duration | undefined
}

/**
 * How long `acquire` may wait, and how: only inside `restore`; a known wait
 * (a cooldown) must `fit`; an open-ended one (every key busy) lasts at most
 * `bound` millis.
 *
 * @since 0.1.0
 */
export interface Waits {
  readonly restore: Restore
  readonly fits: (waitMs: number, now: number) => boolean
  readonly bound: (now: number) => number
}

/**
 * What one attempt asks of the pool.
 *
 * @since 0.1.0
 */
export interface Request {
  readonly model: string | undefined
  readonly pinned?: string | undefined
  readonly sessionId?: string | undefined
  /** The logical call; its own retries do not double a cooldown. */
  readonly requestId?: string | undefined
  /** A retry that already waited its backoff: a cooldown its own call set does not hold it again. */
  readonly waited?: boolean | undefined
}

/**
 * @since 0.1.0
 */
export interface KeyPool {
  readonly size: number
  /** A key for one attempt: waits (within `waits`) for the soonest cooling key, or fails with the reason none can serve. */
  readonly acquire: (request: Request, waits?: Waits) => Effect.Effect<Lease, LlmError.Reason>
  /**
   * A key at once when one is ready for the request, every ready key is one
   * `ready` accepts (e.g. has rate tokens now) and the pool is in memory;
   * otherwise nothing, and no strategy state moved (then `acquire`).
   */
  readonly take: (request: Request, now: number, ready: (name: string) => boolean) => Lease | undefined
  /** Ends an attempt: frees the key and applies the reaction to its outcome. */
  readonly release: (lease: Lease, failure: LlmError.Reason | undefined, requestId?: string) => Effect.Effect<void>
  /** `release`, done at once in memory; with a shared store, the effect that tells it too. */
  readonly releaseNow: (
    lease: Lease,
    failure: LlmError.Reason | undefined,
    requestId: string | undefined,
    now: number
  ) => Effect.Effect<void> | undefined
  /** Gives back a key whose attempt never started (no reaction, not counted as a request). */
  readonly cancel: (lease: Lease) => void
  /** Whether a key other than `name` could serve `model` now or after a short cooldown. */
  readonly hasAlternative: (name: string, model: string | undefined) => boolean
  /** Brings every ejected key back. */
  readonly restoreEjected: () => void
  /** Every key's state. */
  readonly stats: Effect.Effect<ReadonlyArray<KeyStats>>
}

/**
 * Builds a pool over at least one key.
 *
 * @since 0.1.0
 */
export const make = (keys: ReadonlyArray<KeyConfig>, options: Options, shared?: SharedState.Store): KeyPool => {
  const entries = keys.map(KeyEntry.make)
  const reactions: KeyEntry.Reactions = {
    rateLimitCooldownMs: Duration.toMillis(options.rateLimitCooldown),
    maxCooldownMs: Duration.toMillis(options.maxCooldown),
    quotaCooldownMs: Duration.toMillis(options.quotaCooldown),
    ejectMs: Duration.toMillis(options.ejectCooldown ?? Duration.minutes(10))
  }
  const maxWaitMs = Duration.toMillis(options.maxWait)
  const standalone: Waits = { restore: (effect) => effect, fits: (waitMs) => waitMs <= maxWaitMs, bound: () => maxWaitMs }
  const waiters = new Set<() => void>()
  const wake = () => {
    for (const resume of [...waiters]) resume()
  }

  const serves = (entry: KeyEntry.Entry, model: string | undefined, now: number) =>
    !KeyEntry.isEjected(entry, now) &&
    (entry.config.models === undefined || model === undefined || entry.config.models.includes(model))
  const hasRoom = (entry: KeyEntry.Entry) => entry.config.maxConcurrent === undefined || entry.inFlight < entry.config.maxConcurrent
  const holding = (entry: KeyEntry.Entry, request: Request, now: number) =>
    KeyEntry.holding(entry, request.model, request.waited === true ? request.requestId : undefined, now)

  const pick = KeyStrategy.make(options.strategy, entries.length)

  const describe = (now: number, candidates: ReadonlyArray<KeyEntry.Entry>, request: Request) =>
    candidates.map((e) => KeyEntry.describe(e, holding(e, request, now), now)).join("; ")

  const released = Effect.callback<void>((resume) => {
    const wakeUp = () => {
      waiters.delete(wakeUp)
      resume(Effect.void)
    }
    waiters.add(wakeUp)
    return Effect.sync(() => waiters.delete(wakeUp))
  })
  const wakeWithin = (ms: number) => Effect.raceFirst(released, Effect.sleep(Duration.millis(ms)))

  // With a shared store, each decision first copies the keys' shared cooldowns and ejections in.
  const names = entries.map((e) => e.config.name)
  const mirror = shared === undefined ? undefined : (model: string | undefined) => SharedKeys.mirror(shared, names, entries, model)

  const lease = (chosen: KeyEntry.Entry, request: Request): Lease => {
    chosen.inFlight++
    chosen.requests++
    return { name: chosen.config.name, value: chosen.config.value, model: request.model ?? "" }
  }

  // The keys a request may use at all: the pinned one, or those allowed its model.
  const isCandidate = (e: KeyEntry.Entry, request: Request) =>
    request.pinned === undefined
      ? e.config.models === undefined || request.model === undefined || e.config.models.includes(request.model)
      : e.config.name === request.pinned
  const isReady = (e: KeyEntry.Entry, request: Request, now: number) => holding(e, request, now) === undefined && hasRoom(e)

  // The first part of `decide` with every way out but "a key is ready" left to it.
  const take: KeyPool["take"] = (request, now, accepts) => {
    if (mirror !== undefined) return undefined
    const ready = entries.filter((e) => isCandidate(e, request) && serves(e, request.model, now) && isReady(e, request, now))
    if (ready.length === 0 || !ready.every((e) => accepts(e.config.name))) return undefined
    return lease(pick(ready, request.sessionId), request)
  }

  const acquire: KeyPool["acquire"] = (request, waits = standalone) => {
    let busyUntil: number | undefined
    const decide: Effect.Effect<Lease, LlmError.Reason> = Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const candidates = entries.filter((e) => isCandidate(e, request))
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
      const usable = candidates.filter((e) => serves(e, request.model, now))
      if (usable.length === 0) {
        return Effect.fail(new LlmError.Unauthorized({ detail: `no usable key: ${describe(now, candidates, request)}` }))
      }
      const ready = usable.filter((e) => isReady(e, request, now))
      if (ready.length > 0) return Effect.succeed(lease(pick(ready, request.sessionId), request))
      // Every usable key is cooling or full.
      let soonest = Infinity
      let allCooling = true
      let allQuota = true
      for (const e of usable) {
        const cooling = holding(e, request, now)
        if (cooling === undefined) allCooling = false
        else {
          soonest = Math.min(soonest, cooling.until)
          if (cooling.reason !== "quota exhausted") allQuota = false
        }
      }
      if (allCooling) {
        const wait = soonest - now
        if (!waits.fits(wait, now)) {
          const fields = { retryAfter: Duration.millis(wait), detail: `every key is cooling: ${describe(now, usable, request)}` }
          return Effect.fail(allQuota ? new LlmError.QuotaExhausted(fields) : new LlmError.RateLimited(fields))
        }
        return Effect.andThen(waits.restore(wakeWithin(wait)), loop)
      }
      // Some key is only busy: wait for a release, as long as the budget allows.
      busyUntil ??= now + waits.bound(now)
      const left = Math.min(busyUntil - now, soonest - now)
      if (busyUntil <= now) {
        return Effect.fail(
          new LlmError.QueueFull({ detail: `no key became free in time: ${describe(now, usable, request)}` })
        )
      }
      return Effect.andThen(waits.restore(wakeWithin(left)), loop)
    })
    const loop = mirror === undefined ? decide : Effect.andThen(mirror(request.model), decide)
    return loop
  }

  const releaseLocal = (lease: Lease, failure: LlmError.Reason | undefined, requestId: string | undefined, now: number) => {
    const entry = entries.find((e) => e.config.name === lease.name)
    if (entry === undefined) return
    entry.inFlight--
    KeyEntry.react(entry, failure, lease.model ?? "", requestId, now, reactions)
    wake()
  }
  const releaseNow: KeyPool["releaseNow"] = (lease, failure, requestId, now) => {
    releaseLocal(lease, failure, requestId, now)
    return shared === undefined ? undefined : SharedKeys.react(shared, lease, failure, requestId, reactions)
  }
  const release: KeyPool["release"] = (lease, failure, requestId) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => releaseNow(lease, failure, requestId, now) ?? Effect.void)

  const cancel: KeyPool["cancel"] = (lease) => {
    const entry = entries.find((e) => e.config.name === lease.name)
    if (entry === undefined) return
    entry.inFlight--
    entry.requests--
    wake()
  }

  const hasAlternative: KeyPool["hasAlternative"] = (name, model) =>
    entries.some((e) => e.config.name !== name && e.ejected === undefined &&
      (e.config.models === undefined || model === undefined || e.config.models.includes(model)))

  const stats: KeyPool["stats"] = Effect.map(Clock.currentTimeMillis, (now) => entries.map((e) => KeyEntry.stats(e, now)))

  return {
    size: entries.length,
    take,
    acquire,
    release,
    releaseNow,
    cancel,
    hasAlternative,
    restoreEjected: () => {
      for (const e of entries) e.ejected = undefined
      wake()
    },
    stats
  }
}
