/**
 * The clocks a call runs against: one attempt of a non-streaming call; for a
 * stream, the wait for its first content chunk and the gap between chunks;
 * and the whole call's deadline. Each reports `Timeout` with its phase. The
 * deadline is applied per attempt (whichever clock ends first): when it is
 * the deadline that cuts an attempt, `onCut` is told, so the call can report
 * the last completed attempt's reason instead of a bare `Timeout(total)`.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, Stream } from "effect"
import * as ChatChunk from "../domain/ChatChunk.ts"
import { Timeout, type TimeoutPhase } from "../LlmError.ts"
import * as TimerRace from "./TimerRace.ts"

const deadlinePassed = (after: Duration.Duration) =>
  new Timeout({ phase: "total", after, detail: "the call's deadline passed" })

/**
 * What an attempt's clocks need of its call: the deadline, and where to say
 * that the deadline cut it.
 *
 * @since 0.1.0
 */
export interface Deadline {
  /** Epoch millis (`Infinity`: none). */
  readonly deadlineAt: number
  /** Set when the deadline, not the attempt's own timeout, ended the attempt. */
  cut: boolean
}

/**
 * One attempt: `after` (phase `attempt`), or the time left before the call's
 * deadline (phase `total`, and `call.cut` set) if that is shorter. `fail`
 * is the backend's (one per backend, given the call), so an attempt adds one
 * closure here, not three.
 *
 * @since 0.1.0
 */
export const attempt = <A, E, C extends Deadline>(
  self: Effect.Effect<A, E>,
  after: Duration.Duration,
  call: C,
  fail: (call: C, reason: Timeout) => E
): Effect.Effect<A, E> => {
  if (call.deadlineAt === Infinity) {
    return TimerRace.timeoutOrElse(self, after, () =>
      Effect.fail(fail(call, new Timeout({ phase: "attempt", after, detail: `no result within ${Duration.format(after)}` }))))
  }
  return Effect.flatMap(Clock.currentTimeMillis, (now) => {
    const left = Math.max(0, call.deadlineAt - now)
    const cut = left < Duration.toMillis(after)
    const duration = cut ? Duration.millis(left) : after
    return TimerRace.timeoutOrElse(self, duration, () =>
      Effect.suspend(() => {
        if (!cut) return Effect.fail(fail(call, new Timeout({ phase: "attempt", after, detail: `no result within ${Duration.format(after)}` })))
        call.cut = true
        return Effect.fail(fail(call, deadlinePassed(duration)))
      }))
  })
}

/**
 * Bounds a stream: its first content element must arrive within
 * `firstToken` of the start, no later pull may wait longer than `idle`, and
 * no pull may run past `deadlineAt` (epoch millis; default none).
 *
 * @since 0.1.0
 */
export const stream = <A, E, R>(
  self: Stream.Stream<A, E, R>,
  options: {
    readonly firstToken: Duration.Duration
    readonly idle: Duration.Duration
    readonly fail: (reason: Timeout) => E
    /** What counts as content (default: a chat chunk's `isContent`). */
    readonly isContent?: ((element: A) => boolean) | undefined
    readonly deadlineAt?: number | undefined
    readonly onCut?: (() => void) | undefined
  }
): Stream.Stream<A, E, R> =>
  Stream.transformPull(self, (pull) =>
    Effect.map(Clock.currentTimeMillis, (start) => {
      const firstTokenMs = Duration.toMillis(options.firstToken)
      const idleMs = Duration.toMillis(options.idle)
      const deadlineAt = options.deadlineAt ?? Infinity
      const isContent = options.isContent ?? (ChatChunk.isContent as unknown as (element: A) => boolean)
      let content = false
      return Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const phaseMs = content ? idleMs : Math.max(0, start + firstTokenMs - now)
        const left = Math.max(0, deadlineAt - now)
        const cut = left < phaseMs
        const phase: TimeoutPhase = cut ? "total" : content ? "idle" : "first-token"
        return pull.pipe(
          Effect.timeoutOrElse({
            duration: Duration.millis(cut ? left : phaseMs),
            orElse: () =>
              Effect.suspend(() => {
                if (cut) {
                  options.onCut?.()
                  return Effect.fail(options.fail(deadlinePassed(Duration.millis(left))))
                }
                return Effect.fail(options.fail(
                  new Timeout({
                    phase,
                    after: phase === "idle" ? options.idle : options.firstToken,
                    detail: phase === "idle" ? "the stream stalled" : "no content arrived"
                  })
                ))
              })
          }),
          Effect.tap((chunks) =>
            Effect.sync(() => {
              if (!content && chunks.some(isContent)) content = true
            })
          )
        )
      })
    }))
