/**
 * The retry rule for one logical call, shared by both call shapes: backoff
 * `initialRetryDelay × backoffFactor^n` with jitter, each delay capped by
 * `maxRetryDelay`, retries capped by `maxRetries` (lowered per call by
 * `CallOptions.maxRetries`), timeouts by `maxTimeoutRetries` within it, and
 * all retrying by `maxRetryTime`. Only retryable reasons retry, except that a
 * key's fault moves at once to another key when the pool has one. A
 * provider's requested wait (Retry-After and friends, already in
 * `LlmError.retryAfter`) replaces the computed delay; beyond `retryAfterCap`
 * the call fails at once with that wait.
 *
 * Deadline-aware: a retry is started only if its delay plus `minAttemptTime`
 * fits in the call's remaining deadline; otherwise the call fails now with
 * the last attempt's reason (marked `endedByDeadline`), while a caller or
 * router still has time to act. When the deadline cuts an attempt, the call
 * fails with the reason of the last attempt that completed, or
 * `Timeout(total)` when none did.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, Random, Stream } from "effect"
import { isRetryable, LlmError } from "../LlmError.ts"
import type { Budget, Call } from "./Call.ts"
import type { Policy } from "./Policy.ts"

/**
 * What the retry rule asks of the rest of the pipeline (one value per
 * backend; everything per call is on the `Call`).
 *
 * @since 0.1.0
 */
export interface Hooks<T> {
  /** Asked last before each retry (e.g. the breaker must still be closed). */
  readonly mayRetry: (ticket: T) => Effect.Effect<boolean>
  /** Told about each retry: its number (1-based), the wait, and the error that caused it. */
  readonly onRetry: (call: Call, retry: number, delay: Duration.Duration, error: LlmError) => Effect.Effect<void>
  /** Whether this failure was the key's and another key can take the call now. */
  readonly rotate: (call: Call, error: LlmError) => boolean
}

/**
 * A retry after `delayMs`, or the error the call ends with.
 *
 * @since 0.1.0
 */
export type Decision =
  | { readonly _tag: "Retry"; readonly delayMs: number }
  | { readonly _tag: "Stop"; readonly error: LlmError }

const stop = (error: LlmError): Decision => ({ _tag: "Stop", error })

const isTimeout = (error: LlmError) => error.reason._tag === "Timeout" && error.reason.phase !== "total"

const byDeadline = (error: LlmError): LlmError =>
  error.endedByDeadline === true ? error : new LlmError({ ...error, endedByDeadline: true })

/**
 * The error a call ends with, carrying the number of attempts made.
 *
 * @since 0.1.0
 */
export const final = (call: Call, error: LlmError): LlmError =>
  call.attemptsStarted <= 1 || error.attempts !== undefined ? error : new LlmError({ ...error, attempts: call.attemptsStarted })

/**
 * Whether the provider's requested wait is too long to honour.
 *
 * @since 0.1.0
 */
export const waitTooLong = (policy: Policy, error: LlmError): boolean => {
  const wait = error.retryAfter
  return wait !== undefined && Duration.isGreaterThan(wait, policy.retryAfterCap)
}

/**
 * The computed backoff before retry number `retry + 1` (jittered when the policy says so).
 *
 * @since 0.1.0
 */
export const backoff = (policy: Policy, retry: number): Effect.Effect<number> => {
  const base = Duration.toMillis(policy.initialRetryDelay) * policy.backoffFactor ** retry
  const cap = Duration.toMillis(policy.maxRetryDelay)
  return policy.jitter
    ? Effect.map(Random.next, (r) => Math.min(Math.round(base * (0.8 + 0.4 * r)), cap))
    : Effect.succeed(Math.min(base, cap))
}

/**
 * Decides what follows a failed attempt.
 *
 * @since 0.1.0
 */
export const decide = <T>(
  policy: Policy,
  budget: Budget,
  hooks: Hooks<T>,
  call: Call,
  ticket: T,
  error: LlmError
): Effect.Effect<Decision> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => {
    if (call.refused) return Effect.succeed(stop(error))
    if (call.cut) {
      // After content the cut attempt is the answer: its own Timeout(total), not an earlier attempt's reason.
      const earlier = call.streaming && call.content ? undefined : call.lastError
      return Effect.succeed(stop(earlier === undefined ? error : byDeadline(earlier)))
    }
    call.firstFailureAt ??= now
    // A stream that delivered content is never retried: the caller would see it twice.
    if ((call.streaming && call.content) || call.retries >= call.maxRetries) return Effect.succeed(stop(error))
    const rotate = hooks.rotate(call, error)
    if (!rotate) {
      if (!isRetryable(error.reason)) return Effect.succeed(stop(error))
      if (isTimeout(error) && call.timeoutRetries >= policy.maxTimeoutRetries) return Effect.succeed(stop(error))
      if (waitTooLong(policy, error)) return Effect.succeed(stop(error))
    }
    const asked = error.retryAfter
    const delay = rotate
      ? Effect.succeed(0)
      : asked !== undefined
      ? Effect.succeed(Duration.toMillis(asked))
      : backoff(policy, call.retries)
    return Effect.flatMap(delay, (delayMs) => {
      if (now - call.firstFailureAt! + delayMs > Duration.toMillis(policy.maxRetryTime)) return Effect.succeed(stop(error))
      if (now + delayMs + budget.minAttemptMs > call.deadlineAt) return Effect.succeed(stop(byDeadline(error)))
      return Effect.map(hooks.mayRetry(ticket), (ok): Decision => ok ? { _tag: "Retry", delayMs } : stop(error))
    })
  })

const retrying = <T>(hooks: Hooks<T>, call: Call, error: LlmError, delayMs: number): Effect.Effect<void> => {
  call.retries++
  if (isTimeout(error)) call.timeoutRetries++
  call.waited = delayMs > 0
  const delay = Duration.millis(delayMs)
  const told = hooks.onRetry(call, call.retries, delay, error)
  return delayMs > 0 ? Effect.andThen(told, Effect.sleep(delay)) : told
}

/**
 * Runs `first`, then `next()` again and again, until an attempt succeeds or
 * the rule says stop. `settle` runs first after the first attempt fails (its
 * key goes back before the rule is asked).
 *
 * @since 0.1.0
 */
export const effect = <T, A>(
  policy: Policy,
  budget: Budget,
  hooks: Hooks<T>,
  call: Call,
  ticket: T,
  first: Effect.Effect<A, LlmError>,
  next: () => Effect.Effect<A, LlmError>,
  settle: (error: LlmError) => Effect.Effect<void>
): Effect.Effect<A, LlmError> => {
  const handle = (error: LlmError): Effect.Effect<A, LlmError> =>
    Effect.flatMap(decide(policy, budget, hooks, call, ticket, error), (decision) =>
      decision._tag === "Retry"
        ? Effect.andThen(retrying(hooks, call, error, decision.delayMs), Effect.catch(Effect.suspend(next), handle))
        : Effect.fail(final(call, decision.error)))
  return Effect.catch(first, (error) => Effect.andThen(settle(error), handle(error)))
}

/**
 * Runs the stream `first`, then `next()` again while the rule says retry
 * (only before the first content); `settle` as for `effect`.
 *
 * @since 0.1.0
 */
export const stream = <T, A>(
  policy: Policy,
  budget: Budget,
  hooks: Hooks<T>,
  call: Call,
  ticket: T,
  first: Stream.Stream<A, LlmError>,
  next: () => Stream.Stream<A, LlmError>,
  settle: (error: LlmError) => Effect.Effect<void>
): Stream.Stream<A, LlmError> => {
  const handle = (error: LlmError): Stream.Stream<A, LlmError> =>
    Stream.unwrap(Effect.map(decide(policy, budget, hooks, call, ticket, error), (decision) =>
      decision._tag === "Retry"
        ? Stream.unwrap(Effect.as(retrying(hooks, call, error, decision.delayMs), Stream.catch(Stream.suspend(next), handle)))
        : Stream.fail(final(call, decision.error))))
  return Stream.catch(first, (error) => Stream.unwrap(Effect.as(settle(error), handle(error))))
}
