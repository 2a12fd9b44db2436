/**
 * The pipeline's key and rate-limit stage for one backend: which key an
 * attempt uses (through the `KeyPool`), the rate tokens it takes first
 * (backend and key buckets), the response headers the limiters learn from,
 * and what happens to the key afterwards.
 *
 * @since 0.1.0
 */
import { Effect, type Exit } from "effect"
import type { Usage } from "../domain/Usage.ts"
import * as LlmError from "../LlmError.ts"
import type { CallContext } from "../transport/ProviderHttp.ts"
import * as KeyPool from "./KeyPool.ts"
import type { Policy } from "./Policy.ts"
import * as RateLimiter from "./RateLimiter.ts"
import type { Recorder } from "./Stats.ts"
import type { ResolvedOptions } from "./Validate.ts"

/**
 * @since 0.1.0
 */
export interface KeyAccess {
  /** A pin naming no key is the caller's mistake: fail before queueing. */
  readonly checkPin: (requestId: string, pinned: string | undefined) => Effect.Effect<void, LlmError.LlmError>
  /** Leases a key for one attempt (waiting for a cooling key if need be) and takes its rate tokens. */
  readonly lease: (
    call: CallContext,
    resolved: ResolvedOptions,
    cost: number
  ) => Effect.Effect<readonly [KeyPool.Lease | undefined, CallContext], LlmError.LlmError>
  /** Gives the key back with the attempt's outcome (cooldown, ejection). */
  readonly giveBack: (lease: KeyPool.Lease | undefined, exit: Exit.Exit<unknown, LlmError.LlmError>) => Effect.Effect<void>
  /** Corrects the token estimate from the reported usage. */
  readonly correct: (key: string | undefined, estimated: number, usage: Usage) => Effect.Effect<void>
  /** Whether a failure was the key's and another key can take the call now. */
  readonly rotate: (failure: LlmError.LlmError, key: string | undefined, model: string | undefined) => boolean
  readonly stats: Effect.Effect<ReadonlyArray<KeyPool.KeyStats>>
}

/**
 * @since 0.1.0
 */
export const make = (
  provider: string,
  keys: ReadonlyArray<KeyPool.KeyConfig>,
  policy: Policy,
  recorder: Recorder
): KeyAccess => {
  const pool = keys.length === 0 ? undefined : KeyPool.make(keys, {
    strategy: policy.keyStrategy,
    rateLimitCooldown: policy.keyCooldown,
    maxCooldown: policy.retryAfterCap,
    quotaCooldown: policy.quotaCooldown,
    maxWait: policy.retryAfterCap
  })
  const backendLimiter = RateLimiter.make({ requestsPerMinute: policy.requestsPerMinute, tokensPerMinute: policy.tokensPerMinute })
  const keyLimiters = new Map(keys.map((key) => [key.name, RateLimiter.make(key)] as const))
  const limitersOf = (key: string | undefined) => {
    const own = key === undefined ? undefined : keyLimiters.get(key)
    return own === undefined ? [backendLimiter] : [backendLimiter, own]
  }
  const observe = (key: string | undefined) => (headers: Readonly<Record<string, string>>) =>
    Effect.forEach(limitersOf(key), (limiter) => limiter.observe(headers), { discard: true })

  const checkPin: KeyAccess["checkPin"] = (requestId, pinned) =>
    pinned === undefined || keys.some((key) => key.name === pinned)
      ? Effect.void
      : Effect.fail(LlmError.make(
        provider,
        new LlmError.InvalidRequest({
          field: "options.key",
          detail: `no key named ${JSON.stringify(pinned)} (known: ${keys.map((k) => k.name).join(", ") || "none"})`
        }),
        { requestId }
      ))

  const lease: KeyAccess["lease"] = (call, resolved, cost) =>
    Effect.flatMap(
      pool === undefined
        ? Effect.succeed(undefined)
        : Effect.mapError(
          pool.acquire({ model: call.model, pinned: resolved.key, sessionId: resolved.sessionId }),
          (reason) => LlmError.make(provider, reason, { model: call.model, requestId: call.requestId })
        ),
      (leased) =>
        Effect.as(
          Effect.forEach(limitersOf(leased?.name), (limiter) => limiter.take(cost), { discard: true }),
          [leased, { ...call, apiKey: leased?.value, keyName: leased?.name, onHeaders: observe(leased?.name) }] as const
        )
    )

  const giveBack: KeyAccess["giveBack"] = (leased, exit) => {
    if (pool === undefined || leased === undefined) return Effect.void
    const failure = exit._tag === "Failure" ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
    const reason = failure?._tag === "Fail" ? failure.error.reason : undefined
    return Effect.andThen(pool.release(leased, reason), recorder.keyAttempt(leased.name, reason?._tag))
  }

  return {
    checkPin,
    lease,
    giveBack,
    correct: (key, estimated, usage) =>
      Effect.forEach(limitersOf(key), (limiter) => limiter.correct(estimated, usage.totalTokens), { discard: true }),
    rotate: (failure, key, model) =>
      pool !== undefined && LlmError.isKeyFault(failure.reason) && key !== undefined && pool.hasAlternative(key, model),
    stats: pool === undefined ? Effect.succeed([]) : pool.stats
  }
}
