/**
 * One logical call as the pipeline's stages see it: what was asked (ids,
 * model, priority, deadline, retry cap) and what has happened so far
 * (attempts started and answered, retries, the last completed attempt's
 * error, whether content was delivered). One small mutable record per call,
 * shared by the stages instead of each keeping its own.
 *
 * Also the one rule every wait follows: a wait is bounded by `retryAfterCap`
 * and by the call's remaining deadline, leaving `minAttemptTime` for the
 * attempt it waits for.
 *
 * @since 0.1.0
 */
import type { Priority } from "../domain/CallOptions.ts"
import type { LlmError } from "../LlmError.ts"

/**
 * @since 0.1.0
 */
export interface Call {
  readonly requestId: string
  readonly model: string | undefined
  /** The checked request its attempts send (none for models and extra operations). */
  readonly request: unknown
  /** `chat`, `stream`, `embed`, `models` or an extra operation's name. */
  readonly operation: string
  /** Whether the call is a stream (its outcome can be `cancelled`). */
  readonly streaming: boolean
  readonly priority: Priority
  readonly pinned: string | undefined
  readonly sessionId: string | undefined
  /** Estimated rate-limit tokens. */
  readonly cost: number
  /** Epoch millis when the call entered the pipeline. */
  readonly start: number
  /** Epoch millis of the call's deadline (`Infinity` without one). */
  readonly deadlineAt: number
  /** Retries this call may make (the policy's, lowered by `CallOptions.maxRetries`). */
  readonly maxRetries: number
  attemptsStarted: number
  attemptsAnswered: number
  /** Whether the running attempt has had an answer (response headers or a result). */
  answered: boolean
  retries: number
  timeoutRetries: number
  /** The latest retry slept its backoff (rather than moving at once to another key). */
  waited: boolean
  /** Epoch millis of the first failed attempt (for `maxRetryTime`). */
  firstFailureAt: number | undefined
  queueWaitMs: number
  firstTokenMs: number | undefined
  /** The key of the latest attempt. */
  keyName: string | undefined
  /** The error of the last attempt that completed (not cut by the deadline). */
  lastError: LlmError | undefined
  /** The deadline cut the running attempt. */
  cut: boolean
  /** A wait before an attempt could not fit: the call ends with that wait's reason. */
  refused: boolean
  /** A stream delivered content. */
  content: boolean
  /** A stream delivered its terminal element (finish or usage). */
  terminal: boolean
  /** A stream reached its natural end. */
  ended: boolean
}

/**
 * @since 0.1.0
 */
export type Init = Pick<
  Call,
  | "requestId"
  | "model"
  | "request"
  | "operation"
  | "streaming"
  | "priority"
  | "pinned"
  | "sessionId"
  | "cost"
  | "start"
  | "deadlineAt"
  | "maxRetries"
>

/**
 * A fresh record.
 *
 * @since 0.1.0
 */
// Every field listed in one literal (no spread): the record keeps all its
// fields in the object itself rather than in a separate property array.
export const make = (init: Init): Call => ({
  requestId: init.requestId,
  model: init.model,
  request: init.request,
  operation: init.operation,
  streaming: init.streaming,
  priority: init.priority,
  pinned: init.pinned,
  sessionId: init.sessionId,
  cost: init.cost,
  start: init.start,
  deadlineAt: init.deadlineAt,
  maxRetries: init.maxRetries,
  attemptsStarted: 0,
  attemptsAnswered: 0,
  answered: false,
  retries: 0,
  timeoutRetries: 0,
  waited: false,
  firstFailureAt: undefined,
  queueWaitMs: 0,
  firstTokenMs: undefined,
  keyName: undefined,
  lastError: undefined,
  cut: false,
  refused: false,
  content: false,
  terminal: false,
  ended: false
})

/**
 * The wait rule's two numbers, from the policy.
 *
 * @since 0.1.0
 */
export interface Budget {
  /** `retryAfterCap` in millis. */
  readonly capMs: number
  /** `minAttemptTime` in millis. */
  readonly minAttemptMs: number
}

/**
 * Whether a wait of known length fits: within the cap, and ending early
 * enough to leave `minAttemptTime` before the deadline.
 *
 * @since 0.1.0
 */
export const fits = (call: Call, budget: Budget, waitMs: number, now: number): boolean =>
  waitMs <= budget.capMs && now + waitMs + budget.minAttemptMs <= call.deadlineAt

/**
 * The longest a wait of unknown length (a permit, a busy key) may last.
 * Zero or less: there is no time to wait at all.
 *
 * @since 0.1.0
 */
export const bound = (call: Call, budget: Budget, now: number): number =>
  Math.min(budget.capMs, call.deadlineAt - now - budget.minAttemptMs)
