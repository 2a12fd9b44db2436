/**
 * Per-call options: how the pipeline should treat one call.
 *
 * @since 0.1.0
 */
import { Duration, Schema } from "effect"

/**
 * Queue priority. `high` goes before `normal` before `low`; waiting low calls
 * age upward so they cannot starve.
 *
 * @since 0.1.0
 */
export const Priority = Schema.Literals(["high", "normal", "low"])

/**
 * @since 0.1.0
 */
export type Priority = typeof Priority.Type

/**
 * A request id goes into an HTTP header, so it must be a header-safe token.
 *
 * @since 0.1.0
 */
export const RequestId = Schema.String.check(
  Schema.isPattern(/^[A-Za-z0-9._:\-]{1,128}$/, { expected: "1-128 of A-Z a-z 0-9 . _ : -" })
)

/**
 * Options for one call.
 *
 * @since 0.1.0
 */
export interface CallOptions {
  /** Queue priority (default `normal`). */
  readonly priority?: Priority | undefined
  /** Our id for this call; generated when absent. Sent as a header. */
  readonly requestId?: string | undefined
  /** Overall deadline for the call, covering queue wait and retries. */
  readonly timeout?: Duration.Input | undefined
  /** Pin the call to the key with this name. */
  readonly key?: string | undefined
  /** Keep calls of one session on one key (prompt caches stay warm). */
  readonly sessionId?: string | undefined
  /** Retries this call may make: lowers the policy's `maxRetries`, never raises it (e.g. to leave a router time for a fallback). */
  readonly maxRetries?: number | undefined
}

/**
 * Call options after validation.
 *
 * @since 0.1.0
 */
export const CallOptionsSchema = Schema.Struct({
  priority: Schema.optionalKey(Priority),
  requestId: Schema.optionalKey(RequestId),
  timeout: Schema.optionalKey(Schema.Unknown),
  key: Schema.optionalKey(Schema.NonEmptyString),
  sessionId: Schema.optionalKey(Schema.NonEmptyString),
  maxRetries: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)))
})
