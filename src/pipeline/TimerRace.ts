/**
 * A timeout that costs one forked fiber and one timer. `Effect.timeoutOrElse`
 * races the effect against `Effect.sleep`, forking two fibers per call and
 * interrupting (and awaiting) the sleeping one when the effect wins: over a
 * socket that was about a fifth of the pipeline's per-call cost. Under
 * Effect's default `Clock` (whose `sleep` is exactly a `setTimeout`), this
 * forks only the effect and keeps the timer inside the waiting fiber's
 * callback. Under any other `Clock` (`TestClock`, a user's) it is
 * `Effect.timeoutOrElse` itself, so every sleep still goes through the
 * installed clock.
 *
 * Same guarantees as the race: the effect runs in its own interruptible
 * fiber (forked with the caller's context, started at once); when the timer
 * fires, that fiber is interrupted and awaited (its finalizers done) before
 * `orElse` runs; when the caller is interrupted, the timer is cleared and
 * the fiber interrupted and awaited.
 *
 * @since 0.1.0
 */
import { Clock, Context, Duration, Effect, Fiber } from "effect"

// Node's limit for one `setTimeout`; the default clock chains timers past it,
// so longer waits take the generic path.
const maxTimerMillis = 2 ** 31 - 1

// The reference's default value (cached by `Context`): the clock a fiber
// sees when nobody provided one.
const defaultClock = (): Clock.Clock => Context.get(Context.empty(), Clock.Clock)

/**
 * `self`, or `orElse()` when `self` has not finished within `after`.
 *
 * @since 0.1.0
 */
export const timeoutOrElse = <A, E, E2>(
  self: Effect.Effect<A, E>,
  after: Duration.Duration,
  orElse: () => Effect.Effect<never, E2>
): Effect.Effect<A, E | E2> =>
  Effect.withFiber((parent) => {
    const millis = Duration.toMillis(after)
    if (
      parent.getRef(Clock.Clock) !== defaultClock() || !(millis > 0) || millis > maxTimerMillis
    ) return Effect.timeoutOrElse(self, { duration: after, orElse })
    // The fork, the timer and the registration of their cancellation are
    // one synchronous step (the callback's registration), so no interruption
    // can fall between them and orphan the detached attempt.
    return Effect.callback<A, E | E2>((resume) => {
      const fiber = Effect.runForkWith(parent.context)(self)
      // Finished without suspending (an in-memory answer, a validation failure): no timer.
      const done = fiber.pollUnsafe()
      if (done !== undefined) return resume(done)
      let settled = false
      const removeObserver = fiber.addObserver((exit) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        resume(exit)
      })
      const timer = setTimeout(() => {
        if (settled) return
        settled = true
        removeObserver()
        resume(Effect.andThen(Fiber.interrupt(fiber), orElse()))
      }, millis)
      return Effect.suspend(() => {
        settled = true
        clearTimeout(timer)
        removeObserver()
        return Fiber.interrupt(fiber)
      })
    })
  })
