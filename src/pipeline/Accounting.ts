/**
 * The outermost stage: a call's accounting. Opened when the call enters the
 * pipeline, closed exactly once however it ends, as success, failure (with
 * its reason), interruption, or, for a stream the caller stopped after
 * content but before its finish, cancellation (counted with interruptions,
 * so `total = successful + failed + interrupted`). Feeds the stats recorder
 * and the recent-calls ring.
 *
 * @since 0.1.0
 */
import { Effect, Exit } from "effect"
import { failureOf } from "./Attempt.ts"
import type { Call } from "./Call.ts"
import * as Stage from "./Stage.ts"
import type { Recorder } from "./Stats.ts"
import type { RecentCall, Ring } from "./Tracking.ts"

/**
 * How a call ended.
 *
 * @since 0.1.0
 */
export const outcomeOf = (exit: Exit.Exit<unknown, unknown>, call: Call): RecentCall["outcome"] => {
  if (Exit.isSuccess(exit)) return call.streaming && !call.ended && !call.terminal ? "cancelled" : "success"
  if (failureOf(exit) !== undefined) return "failure"
  return call.streaming && call.content && !call.terminal ? "cancelled" : "interrupted"
}

/**
 * The stage. Nothing to take; closing is synchronous (the ring, the
 * aggregate and the metrics, on the call's own fiber and clock). The queue
 * gauges are the admission stage's: they change only when it takes or gives
 * back a permit or a place, and it publishes them then.
 *
 * @since 0.1.0
 */
export const stage = (
  provider: string,
  ring: Ring,
  recorder: Recorder
): Stage.Stage<void> => ({
  take: () => undefined,
  acquire: () => Effect.void,
  release: (_, exit, call, fiber) => {
    const now = Stage.now(fiber)
    const outcome = outcomeOf(exit, call)
    const reason = failureOf(exit)?.reason._tag
    const durationMs = now - call.start
    ring.add({
      requestId: call.requestId,
      provider,
      model: call.model,
      operation: call.operation,
      priority: call.priority,
      outcome,
      reason,
      startedAt: call.start,
      queueWaitMs: call.queueWaitMs,
      durationMs,
      attempts: call.attemptsStarted,
      attemptsAnswered: call.attemptsAnswered,
      firstTokenMs: call.firstTokenMs
    })
    recorder.finishedNow(fiber.context, {
      model: call.model,
      priority: call.priority,
      outcome,
      reason,
      durationMs,
      retries: call.retries,
      attemptsStarted: call.attemptsStarted,
      attemptsAnswered: call.attemptsAnswered
    })
    return undefined
  }
})
