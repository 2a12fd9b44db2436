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
 * What a request id may be (also checked by hand in `Validate`).
 *
 * @since 0.1.0
 */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:\-]{1,128}$/

/**
 * A request id goes into an HTTP header, so it must be a header-safe token.
 *
 * @since 0.1.0
 */
export const RequestId = Schema.String.check(
  Schema.isPattern(REQUEST_ID_PATTERN, { expected: "1-128 of A-Z a-z 0-9 . _ : -" })
)

/**
 * How a response cache treats one call.
 *
 * @since 0.1.0
 */
export const CacheMode = Schema.Literals(["default", "bypass", "refresh"])

/**
 * @since 0.1.0
 */
export type CacheMode = typeof CacheMode.Type

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
  /** At most this many retries for this call (lowers the policy's `maxRetries`, never raises it). */
  readonly maxRetries?: number | undefined
  /**
   * For a `Router`: what a stream failure after content does (`"fail"`,
   * `"restart"`, `"continue"`), overriding the router's option. Plain
   * backends ignore it.
   */
  readonly midStream?: MidStream | undefined
  /**
   * For a response cache wrapping the backend: `default` reads and stores,
   * `bypass` neither reads nor stores, `refresh` skips the read and stores the
   * fresh answer. Backends themselves ignore it.
   */
  readonly cache?: CacheMode | undefined
}

/**
 * What a router does when a stream fails after content was emitted.
 *
 * @since 0.1.0
 */
export const MidStream = Schema.Literals(["fail", "restart", "continue"])

/**
 * @since 0.1.0
 */
export type MidStream = typeof MidStream.Type

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
  maxRetries: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  midStream: Schema.optionalKey(MidStream),
  cache: Schema.optionalKey(CacheMode)
})
