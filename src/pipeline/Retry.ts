/**
 * The retry schedule: `Schedule.exponential` with jitter, a cap on each
 * delay, a cap on the number of retries and on the total time spent
 * retrying. Only retryable reasons retry. A provider's requested wait
 * (Retry-After, retry-after-ms, reset headers, Gemini RetryInfo, already in
 * `LlmError.retryAfter`) replaces the computed delay when it is within
 * `retryAfterCap`; a longer one stops retrying at once, so the caller (or a
 * router) can go elsewhere instead of sleeping.
 *
 * @since 0.1.0
 */
import { Duration, Effect, Schedule } from "effect"
import { isRetryable, type LlmError } from "../LlmError.ts"
import type { Policy } from "./Policy.ts"

/**
 * @since 0.1.0
 */
export interface Hooks {
  /** Asked before each retry (e.g. the breaker must still be closed). */
  readonly mayRetry: Effect.Effect<boolean>
  /** Told about each retry: its number (1-based), the wait, and the error that caused it. */
  readonly onRetry: (retry: number, delay: Duration.Duration, error: LlmError) => Effect.Effect<void>
  /**
   * Whether this failure was the key's (rate limit, quota, bad key) and
   * another key can take the call: then it is retried at once on that key,
   * whatever the reason's own retryability or requested wait.
   */
  readonly rotate?: ((error: LlmError) => boolean) | undefined
}

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
 * The schedule for one logical call.
 *
 * @since 0.1.0
 */
export const schedule = (policy: Policy, hooks: Hooks): Schedule.Schedule<Duration.Duration, LlmError> => {
  const base = Schedule.exponential(policy.initialRetryDelay, policy.backoffFactor)
  const jittered = policy.jitter ? Schedule.jittered(base) : base
  const totalMs = Duration.toMillis(policy.maxRetryTime)
  return jittered.pipe(
    Schedule.modifyDelay(({ duration }) => Effect.succeed(Duration.min(duration, policy.maxRetryDelay))),
    Schedule.setInputType<LlmError>(),
    Schedule.modifyDelay(({ input, duration }) =>
      Effect.succeed(hooks.rotate?.(input) === true ? Duration.zero : input.retryAfter ?? duration)
    ),
    Schedule.upTo({ times: policy.maxRetries }),
    Schedule.while(({ input, elapsed, duration }) => {
      const sameTarget = isRetryable(input.reason) && !waitTooLong(policy, input)
      const allowed = (sameTarget || hooks.rotate?.(input) === true) && elapsed + Duration.toMillis(duration) <= totalMs
      return allowed ? hooks.mayRetry : false
    }),
    Schedule.modifyDelay(({ input, duration, attempt }) => Effect.as(hooks.onRetry(attempt, duration, input), duration))
  )
}
