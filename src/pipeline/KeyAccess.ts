/**
 * The pipeline's key stage for one backend: which key an attempt uses
 * (through the `KeyPool`), the rate tokens it takes first (backend and key
 * buckets), the response headers the limiters learn from, and what happens
 * to the key afterwards. The lease and its rate tokens are one stage: a
 * caller interrupted while it waits for a cooling key or for rate tokens
 * holds no key afterwards, and a wait that cannot fit the call's budget
 * fails at once with its reason and `retryAfter`.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, Exit } from "effect"
import type { Usage } from "../domain/Usage.ts"
import * as LlmError from "../LlmError.ts"
import type { CallContext } from "../transport/ProviderHttp.ts"
import { failureOf } from "./Attempt.ts"
import * as Call from "./Call.ts"
import * as KeyPool from "./KeyPool.ts"
import type { Policy } from "./Policy.ts"
import * as RateLimiter from "./RateLimiter.ts"
import type * as SharedState from "./SharedState.ts"
import * as Stage from "./Stage.ts"
import type { Recorder } from "./Stats.ts"

/**
 * A key (if the backend has keys) and the context its attempt runs with.
 *
 * @since 0.1.0
 */
export interface Leased {
  readonly lease: KeyPool.Lease | undefined
  readonly context: CallContext
}

/**
 * @since 0.1.0
 */
export interface KeyAccess {
  /** A pin naming no key is the caller's mistake: fail before queueing. */
  /** The error for a call pinned to a key this backend does not have, if it is. */
  readonly pinError: (requestId: string, pinned: string | undefined) => LlmError.LlmError | undefined
  /** The stage: a key and its rate tokens for one attempt, given back with the attempt's outcome. */
  readonly stage: Stage.Stage<Leased>
  /** Corrects the token estimate from the reported usage: at once in memory, else the effect that does it. */
  readonly correct: (key: string | undefined, estimated: number, usage: Usage, now: number) => Effect.Effect<void> | undefined
  /** Whether a failure was the key's and another key can take the call now. */
  readonly rotate: (failure: LlmError.LlmError, key: string | undefined, model: string | undefined) => boolean
  /** Brings ejected keys back (`monitor.reset`). */
  readonly restoreEjected: () => void
  /** Brings ejected keys back in the shared store too (nothing without one). */
  readonly restoreShared: Effect.Effect<void>
  readonly stats: Effect.Effect<ReadonlyArray<KeyPool.KeyStats>>
}

/**
 * @since 0.1.0
 */
export const make = (
  provider: string,
  keys: ReadonlyArray<KeyPool.KeyConfig>,
  policy: Policy,
  recorder: Recorder,
  budget: Call.Budget,
  shared?: SharedState.Store
): KeyAccess => {
  const pool = keys.length === 0 ? undefined : KeyPool.make(keys, {
    strategy: policy.keyStrategy,
    rateLimitCooldown: policy.keyCooldown,
    maxCooldown: policy.retryAfterCap,
    quotaCooldown: policy.quotaCooldown,
    maxWait: policy.retryAfterCap,
    ejectCooldown: policy.ejectCooldown
  }, shared)
  const backendBucket: SharedState.Bucket = {
    id: "backend",
    requestsPerMinute: policy.requestsPerMinute,
    tokensPerMinute: policy.tokensPerMinute
  }
  const keyBuckets = new Map(keys.map((key) => [key.name, { ...key, id: `key:${key.name}` }] as const))
  const sharedOf = (bucket: SharedState.Bucket) => shared === undefined ? undefined : { store: shared, bucket }
  const backendLimiter = RateLimiter.make(backendBucket, sharedOf(backendBucket))
  const keyLimiters = new Map(keys.map((key) => [key.name, RateLimiter.make(key, sharedOf(keyBuckets.get(key.name)!))] as const))
  // What one attempt's rate tokens come from, for the store: both buckets at once.
  const backendBuckets = [backendBucket]
  const bucketsOf = (key: string | undefined) => {
    const own = key === undefined ? undefined : keyBuckets.get(key)
    return own === undefined ? backendBuckets : [backendBucket, own]
  }
  const backendOnly = [backendLimiter]
  const limitersOf = (key: string | undefined) => {
    const own = key === undefined ? undefined : keyLimiters.get(key)
    return own === undefined ? backendOnly : [backendLimiter, own]
  }
  // Every limiter in memory: their updates are plain calls (the fast path's).
  const inMemory = shared === undefined
  const observe = (call: Call.Call, key: string | undefined) => (headers: Readonly<Record<string, string>>) => {
    call.answered = true
    const limiters = limitersOf(key)
    return inMemory
      ? Effect.withFiber((fiber) => {
        const now = Stage.now(fiber)
        for (const limiter of limiters) limiter.now!.observe(headers, now)
        return Effect.void
      })
      : Effect.forEach(limiters, (limiter) => limiter.observe(headers), { discard: true })
  }
  const error = (call: Call.Call, reason: LlmError.Reason) => {
    call.refused = true
    return LlmError.make(provider, reason, { model: call.model, requestId: call.requestId })
  }

  const pinError: KeyAccess["pinError"] = (requestId, pinned) =>
    pinned === undefined || keys.some((key) => key.name === pinned)
      ? undefined
      : LlmError.make(
        provider,
        new LlmError.InvalidRequest({
          field: "options.key",
          detail: `no key named ${JSON.stringify(pinned)} (known: ${keys.map((k) => k.name).join(", ") || "none"})`
        }),
        { requestId }
      )

  const leased = (call: Call.Call, lease: KeyPool.Lease | undefined): Leased => {
    call.keyName = lease?.name
    return {
      lease,
      context: {
        requestId: call.requestId,
        model: call.model,
        apiKey: lease?.value,
        keyName: lease?.name,
        onHeaders: observe(call, lease?.name)
      }
    }
  }

  // Rate tokens for the leased key: a wait that fits is slept (interruptibly,
  // giving the key back if interrupted); one that does not fails at once.
  const tokens = (call: Call.Call, lease: KeyPool.Lease | undefined, restore: Stage.Restore) => {
    const limiters = limitersOf(lease?.name)
    const local = (now: number): Effect.Effect<Leased, LlmError.LlmError> => {
      let waitMs = 0
      let held = false
      for (const limiter of limiters) {
        const wait = limiter.waitFor(call.cost, now)
        if (wait.waitMs > waitMs) {
          waitMs = wait.waitMs
          held = wait.held
        }
      }
      if (waitMs === 0) {
        for (const limiter of limiters) limiter.takeNow(call.cost, now)
        return Effect.succeed(leased(call, lease))
      }
      return wait(waitMs, held, now)
    }
    const wait = (waitMs: number, held: boolean, now: number): Effect.Effect<Leased, LlmError.LlmError> => {
      if (!Call.fits(call, budget, waitMs, now)) {
        if (lease !== undefined) pool!.cancel(lease)
        return Effect.fail(error(
          call,
          new LlmError.RateLimited({
            retryAfter: Duration.millis(waitMs),
            detail: held
              ? "the provider reported nothing left until its reset"
              : "the client-side rate limit has no room"
          })
        ))
      }
      const slept = Effect.onExit(
        restore(Effect.sleep(Duration.millis(waitMs))),
        (exit) => Exit.isSuccess(exit) || lease === undefined ? Effect.void : Effect.sync(() => pool!.cancel(lease))
      )
      return Effect.andThen(slept, loop)
    }
    const loop: Effect.Effect<Leased, LlmError.LlmError> = shared === undefined
      ? Effect.flatMap(Clock.currentTimeMillis, local)
      : Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.matchEffect(shared.take(bucketsOf(lease?.name), call.cost), {
          onFailure: () => local(now),
          onSuccess: (taken) => taken.waitMs === 0 ? Effect.succeed(leased(call, lease)) : wait(taken.waitMs, taken.held, now)
        }))
    return loop
  }

  const stage: Stage.Stage<Leased> = {
    // A ready key (or none needed) and rate tokens to spare, in memory: no effect at all.
    take: (call, fiber) => {
      if (!inMemory) return Stage.busy
      const now = Stage.now(fiber)
      if (backendLimiter.waitFor(call.cost, now).waitMs > 0) return Stage.busy
      // Whichever ready key the strategy picks must have its tokens now: the pick is not undone.
      const lease = pool?.take({
        model: call.model,
        pinned: call.pinned,
        sessionId: call.sessionId,
        requestId: call.requestId,
        waited: call.waited
      }, now, (name) => keyLimiters.get(name)!.waitFor(call.cost, now).waitMs === 0)
      if (pool !== undefined && lease === undefined) return Stage.busy
      for (const limiter of limitersOf(lease?.name)) limiter.takeNow(call.cost, now)
      return leased(call, lease)
    },
    acquire: (call, restore) => {
      if (pool === undefined) return tokens(call, undefined, restore)
      const waits: KeyPool.Waits = {
        restore,
        fits: (waitMs, now) => Call.fits(call, budget, waitMs, now),
        bound: (now) => Call.bound(call, budget, now)
      }
      const request = { model: call.model, pinned: call.pinned, sessionId: call.sessionId, requestId: call.requestId, waited: call.waited }
      return Effect.flatMap(
        Effect.mapError(pool.acquire(request, waits), (reason) => error(call, reason)),
        (lease) => tokens(call, lease, restore)
      )
    },
    release: (resource, exit, call, fiber) => {
      const lease = resource.lease
      if (pool === undefined || lease === undefined) return undefined
      const reason = failureOf(exit)?.reason
      const rest = pool.releaseNow(lease, reason, call.requestId, Stage.now(fiber))
      recorder.keyAttemptNow(fiber.context, lease.name, reason?._tag)
      return rest
    }
  }

  return {
    pinError,
    stage,
    correct: (key, estimated, usage, now) => {
      const limiters = limitersOf(key)
      if (!inMemory) return Effect.forEach(limiters, (limiter) => limiter.correct(estimated, usage.totalTokens), { discard: true })
      for (const limiter of limiters) limiter.now!.correct(estimated, usage.totalTokens, now)
      return undefined
    },
    rotate: (failure, key, model) =>
      pool !== undefined && LlmError.isKeyFault(failure.reason) && key !== undefined && pool.hasAlternative(key, model),
    restoreEjected: () => pool?.restoreEjected(),
    restoreShared: shared === undefined || keys.length === 0
      ? Effect.void
      : Effect.ignore(shared.restoreKeys(keys.map((key) => key.name))),
    stats: pool === undefined ? Effect.succeed([]) : pool.stats
  }
}
