/**
 * Which failures move a call to another target, and to which. Only
 * fallbackable reasons move: a caller's mistake (`InvalidRequest`) or a
 * filter's verdict (`ContentFiltered`) is an answer, not an outage, and
 * another target would give the same one. A context window that was too
 * small moves only to targets that declare a larger one.
 *
 * @since 0.1.0
 */
import * as LlmError from "../LlmError.ts"
import type { Resolved } from "./Target.ts"

/**
 * The verdict on one failure.
 *
 * @since 0.1.0
 */
export type Decision =
  | { readonly _tag: "Stop" }
  | { readonly _tag: "Move"; readonly eligible: (target: Resolved) => boolean }

const stop: Decision = { _tag: "Stop" }
const anyTarget: Decision = { _tag: "Move", eligible: () => true }

/**
 * Whether the failure may end a stream whatever `midStream` says.
 *
 * @since 0.1.0
 */
export const isFinal = (reason: LlmError.Reason): boolean =>
  reason._tag === "InvalidRequest" || reason._tag === "ContentFiltered"

/**
 * Where a call that failed with `error` on `failed` may go next.
 *
 * @since 0.1.0
 */
export const decide = (error: LlmError.LlmError, failed: Resolved): Decision => {
  const reason = error.reason
  if (isFinal(reason)) return stop
  // The call's whole budget is spent: nowhere to go in time.
  if (reason._tag === "Timeout" && reason.phase === "total") return stop
  if (reason._tag === "ContextLengthExceeded") {
    const size = failed.contextWindow ?? 0
    return { _tag: "Move", eligible: (t) => t.contextWindow !== undefined && t.contextWindow > size }
  }
  return LlmError.isFallbackable(reason) ? anyTarget : stop
}

/**
 * After content, a failure moves the stream on (per `midStream`) unless it
 * is final; `StreamTruncated`, a stall or a malformed event move although a
 * plain backend would not retry them.
 *
 * @since 0.1.0
 */
export const decideAfterContent = (error: LlmError.LlmError): Decision => {
  const reason = error.reason
  if (isFinal(reason)) return stop
  if (reason._tag === "Timeout" && reason.phase === "total") return stop
  return anyTarget
}
