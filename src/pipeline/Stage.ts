/**
 * A stage of the pipeline: a value that owns one resource's lifetime (a
 * queue permit, a breaker ticket, a key lease with its rate tokens, the
 * call's accounting) and wraps an Effect or a Stream with it.
 *
 * The acquisition runs with interruption off; only the waiting it hands to
 * `restore` can be interrupted, and such a wait cleans up after itself. The
 * release is registered in the same uninterruptible region, right after the
 * acquisition succeeds, so no interruption can fall between "held" and
 * "will be released" (the lifetime bugs of the first pipeline lived exactly
 * there). Hooks that announce an acquisition (a log line, a metric) run only
 * after the release is registered.
 *
 * The uncontended call is the common one, so a stage may also `take` its
 * resource synchronously when nothing has to wait, fail or be fetched (a
 * free permit, a closed breaker, a ready key with rate tokens to spare), and
 * its `release` does at once what it can, handing back only what needs an
 * effect (a log line, a shared store). A call that meets no contention then
 * runs its stages as a few plain function calls inside the one
 * uninterruptible step, instead of some hundred effects; anything else takes
 * the effectful `acquire`, as before.
 *
 * @since 0.1.0
 */
import { Clock, Effect, type Exit, type Fiber, Stream } from "effect"
import { LlmError } from "../LlmError.ts"
import type { Call } from "./Call.ts"

/**
 * What `Effect.uninterruptibleMask` hands over.
 *
 * @since 0.1.0
 */
export type Restore = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/**
 * The fiber a synchronous step runs on (its clock, its context for metrics).
 *
 * @since 0.1.0
 */
export type AnyFiber = Fiber.Fiber<unknown, unknown>

/**
 * The fiber's clock, read at once (the test clock in tests).
 *
 * @since 0.1.0
 */
export const now = (fiber: AnyFiber): number => fiber.getRef(Clock.Clock).currentTimeMillisUnsafe()

/**
 * What `take` answers when the resource cannot be had at once.
 *
 * @since 0.1.0
 */
export const busy: unique symbol = Symbol.for("effect-llm-backends/Stage/busy")

/**
 * @since 0.1.0
 */
export type Busy = typeof busy

/**
 * @since 0.1.0
 */
export interface Stage<R> {
  /**
   * The resource at once, its acquisition already announced, when nothing
   * has to wait, fail or be fetched; otherwise `busy`, having changed
   * nothing (then `acquire` runs). Called inside the uninterruptible step.
   */
  readonly take?: ((call: Call, fiber: AnyFiber) => R | Busy) | undefined
  /**
   * For a stage whose wait is only a registration and a callback (a queue):
   * when `take` says busy, joins at once (in the same uninterruptible step)
   * and answers the placeholder to hold meanwhile, an effect to run
   * uninterruptibly first (if any), and the wait, which resumes with the
   * resource; or the reason it cannot wait. The placeholder goes to
   * `release` if the call ends before the wait succeeded (it undoes the
   * registration, or passes on a resource granted in the same instant).
   * Used in a sequence, where it spares a waiting call a frame and a
   * cleanup of its own; alone, the stage's `acquire` runs.
   */
  readonly enqueue?: ((call: Call, fiber: AnyFiber) => {
    readonly placeholder: R
    readonly start: Effect.Effect<void> | undefined
    readonly wait: Effect.Effect<R, LlmError>
  } | LlmError) | undefined
  /** Succeeds holding the resource, or fails (or is interrupted) holding nothing. */
  readonly acquire: (call: Call, restore: Restore) => Effect.Effect<R, LlmError>
  /**
   * Frees the resource with the outcome of what used it; exactly once per
   * acquisition. Does at once what it can and returns the rest as an effect
   * to run next (or nothing).
   */
  readonly release: (
    resource: R,
    exit: Exit.Exit<unknown, unknown>,
    call: Call,
    fiber: AnyFiber
  ) => Effect.Effect<void> | undefined
  /** Announces an `acquire`d resource, after the release is registered. */
  readonly acquired?: ((resource: R, call: Call) => Effect.Effect<void>) | undefined
}

const releaseOne = <R>(stage: Stage<R>, resource: R, exit: Exit.Exit<unknown, unknown>, call: Call): Effect.Effect<void> =>
  Effect.withFiber((fiber) => stage.release(resource, exit, call, fiber) ?? Effect.void)

/**
 * Runs `use` holding the stage's resource.
 *
 * @since 0.1.0
 */
export const effect = <R, A>(
  stage: Stage<R>,
  call: Call,
  use: (resource: R) => Effect.Effect<A, LlmError>
): Effect.Effect<A, LlmError> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.withFiber((fiber) => {
      const taken = stage.take === undefined ? busy : stage.take(call, fiber)
      if (taken !== busy) return Effect.onExit(restore(use(taken)), (exit) => releaseOne(stage, taken, exit, call))
      return Effect.flatMap(stage.acquire(call, restore), (resource) => {
        const body = restore(use(resource))
        const announced = stage.acquired === undefined ? body : Effect.andThen(stage.acquired(resource, call), body)
        return Effect.onExit(announced, (exit) => releaseOne(stage, resource, exit, call))
      })
    })
  )

/**
 * Runs the stream `use` builds holding the stage's resource until the stream
 * ends, fails or is interrupted (the stream's own scope).
 *
 * @since 0.1.0
 */
export const stream = <R, A>(
  stage: Stage<R>,
  call: Call,
  use: (resource: R) => Stream.Stream<A, LlmError>
): Stream.Stream<A, LlmError> =>
  Stream.unwrap(Effect.uninterruptibleMask((restore) =>
    Effect.withFiber((fiber) => {
      const taken = stage.take === undefined ? busy : stage.take(call, fiber)
      if (taken !== busy) {
        return Effect.as(Effect.addFinalizer((exit) => releaseOne(stage, taken, exit, call)), use(taken))
      }
      return Effect.flatMap(stage.acquire(call, restore), (resource) => {
        const registered = Effect.addFinalizer((exit) => releaseOne(stage, resource, exit, call))
        const announced = stage.acquired === undefined ? registered : Effect.andThen(registered, stage.acquired(resource, call))
        return Effect.as(announced, use(resource))
      })
    })
  ))

/**
 * Several stages held as one: acquired in order, released in reverse, each
 * release told the outcome. One uninterruptible region and one exit handler
 * for all of them (instead of one each, nested): the handler is registered
 * before the first acquisition and releases exactly those acquired so far, so
 * a later stage's failure or an interruption while it waits frees the earlier
 * ones. `held` is the call's own array for what is held (`holder`; the
 * release reads it, so nothing else per call is kept while a stage waits).
 *
 * @since 0.1.0
 */
export interface Sequence {
  readonly stages: ReadonlyArray<Stage<unknown>>
}

/**
 * @since 0.1.0
 */
export const sequence = (...stages: ReadonlyArray<Stage<any>>): Sequence => ({ stages })

/**
 * The array a call holds a sequence's resources in: one slot per stage,
 * `busy` until taken (sized once, so it never grows).
 *
 * @since 0.1.0
 */
export const holder = (sequence: Sequence): Array<unknown> => sequence.stages.map(() => busy)

// Acquires stages[i..] into `held`, then goes on with `then` (interruptible): synchronously
// while each can `take`, then the first that cannot through its `acquire`,
// and so on. (The continuation is passed in rather than chained after, so a
// call waiting in a stage keeps one frame here, not two.)
const acquireFrom = <A>(
  sequence: Sequence,
  i: number,
  call: Call,
  restore: Restore,
  held: Array<unknown>,
  fiber: AnyFiber,
  then: Effect.Effect<A, LlmError>
): Effect.Effect<A, LlmError> => {
  const { stages } = sequence
  while (i < stages.length) {
    const take = stages[i]!.take
    const taken = take === undefined ? busy : take(call, fiber)
    if (taken === busy) break
    held[i] = taken
    i++
  }
  if (i === stages.length) return restore(then)
  const stage = stages[i]!
  let acquiring: Effect.Effect<unknown, LlmError>
  if (stage.enqueue === undefined) acquiring = stage.acquire(call, restore)
  else {
    const entered = stage.enqueue(call, fiber)
    if (entered instanceof LlmError) return Effect.fail(entered)
    // Held from now on: the sequence's release gives the place up if the wait does not end in the resource.
    held[i] = entered.placeholder
    acquiring = entered.start === undefined ? restore(entered.wait) : Effect.andThen(entered.start, restore(entered.wait))
  }
  return Effect.flatMap(acquiring, acquiredAt(sequence, i, call, restore, held, then))
}

// What follows stage `at`'s acquisition (made apart, so a waiting call's frame holds only these).
const acquiredAt = <A>(
  sequence: Sequence,
  at: number,
  call: Call,
  restore: Restore,
  held: Array<unknown>,
  then: Effect.Effect<A, LlmError>
) =>
(resource: unknown): Effect.Effect<A, LlmError> => {
  held[at] = resource
  const rest = at + 1 === sequence.stages.length
    ? restore(then)
    : Effect.withFiber((later) => acquireFrom(sequence, at + 1, call, restore, held, later, then))
  const acquired = sequence.stages[at]!.acquired
  return acquired === undefined ? rest : Effect.andThen(acquired(resource, call), rest)
}

// Releases what `held` holds, last first: synchronously while each release
// finishes at once; from the first that hands back an effect on, in order as
// effects. Each release runs even if a later one died (`ensuring`, or a caught
// throw); such a defect is the result.
const releaseHeld = (
  sequence: Sequence,
  held: ReadonlyArray<unknown>,
  exit: Exit.Exit<unknown, unknown>,
  call: Call
): Effect.Effect<void> =>
  held[0] === busy ? Effect.void : Effect.withFiber((fiber) => {
    let rest: Effect.Effect<void> | undefined
    let defect: { readonly error: unknown } | undefined
    for (let i = held.length - 1; i >= 0; i--) {
      if (held[i] === busy) continue
      const stage = sequence.stages[i]!
      if (rest === undefined) {
        try {
          rest = stage.release(held[i], exit, call, fiber)
        } catch (error) {
          defect ??= { error }
        }
      } else {
        rest = Effect.ensuring(rest, releaseOne(stage, held[i], exit, call))
      }
    }
    const died = defect === undefined ? undefined : Effect.die(defect.error)
    if (rest === undefined) return died ?? Effect.void
    return died === undefined ? rest : Effect.ensuring(rest, died)
  })

/**
 * Releases slot `i` of a held sequence before the call ends (the first
 * attempt's key when that attempt failed), told `exit`; the call's own
 * release then skips it. The synchronous part runs at once; what it hands
 * back, uninterruptibly.
 *
 * @since 0.1.0
 */
export const releaseEarly = (
  sequence: Sequence,
  held: Array<unknown>,
  i: number,
  exit: Exit.Exit<unknown, unknown>,
  call: Call
): Effect.Effect<void> =>
  Effect.withFiber((fiber) => {
    const resource = held[i]
    if (resource === busy) return Effect.void
    held[i] = busy
    const rest = sequence.stages[i]!.release(resource, exit, call, fiber)
    return rest === undefined ? Effect.void : Effect.uninterruptible(rest)
  })

/**
 * Runs `use` holding every stage of `sequence` (`held` gets their resources, in order).
 *
 * @since 0.1.0
 */
export const effectAll = <A>(
  sequence: Sequence,
  call: Call,
  held: Array<unknown>,
  use: Effect.Effect<A, LlmError>
): Effect.Effect<A, LlmError> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.withFiber((fiber) => {
      let body: Effect.Effect<A, LlmError>
      try {
        body = acquireFrom(sequence, 0, call, restore, held, fiber, use)
      } catch (error) {
        // A take that threw (a bug): what was taken before it is still released.
        body = Effect.die(error)
      }
      return Effect.onExit(body, releasing(sequence, held, call))
    })
  )

// The exit handler, made outside the masked scope so that it holds what it
// needs and nothing else while a call waits.
const releasing = (sequence: Sequence, held: ReadonlyArray<unknown>, call: Call) => (exit: Exit.Exit<unknown, unknown>) =>
  releaseHeld(sequence, held, exit, call)

/**
 * Runs the stream `use` holding every stage of `sequence` until it ends,
 * fails or is interrupted (the stream's own scope).
 *
 * @since 0.1.0
 */
export const streamAll = <A>(
  sequence: Sequence,
  call: Call,
  held: Array<unknown>,
  use: Stream.Stream<A, LlmError>
): Stream.Stream<A, LlmError> =>
  Stream.unwrap(Effect.uninterruptibleMask((restore) =>
    Effect.andThen(
      Effect.addFinalizer((exit) => releaseHeld(sequence, held, exit, call)),
      Effect.withFiber((fiber) => acquireFrom(sequence, 0, call, restore, held, fiber, Effect.succeed(use)))
    )
  ))
