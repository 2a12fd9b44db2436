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
 * @since 0.1.0
 */
import { Effect, type Exit, Stream } from "effect"
import type { LlmError } from "../LlmError.ts"
import type { Call } from "./Call.ts"

/**
 * What `Effect.uninterruptibleMask` hands over.
 *
 * @since 0.1.0
 */
export type Restore = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/**
 * @since 0.1.0
 */
export interface Stage<R> {
  /** Succeeds holding the resource, or fails (or is interrupted) holding nothing. */
  readonly acquire: (call: Call, restore: Restore) => Effect.Effect<R, LlmError>
  /** Frees the resource with the outcome of what used it; exactly once per acquisition. */
  readonly release: (resource: R, exit: Exit.Exit<unknown, unknown>, call: Call) => Effect.Effect<void>
  /** Announces the acquisition, after the release is registered. */
  readonly acquired?: ((resource: R, call: Call) => Effect.Effect<void>) | undefined
}

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
  // Nothing to acquire: no mask or acquisition step; `onExit` registers the
  // release before `use` starts, as the masked form does.
  (stage.acquire as unknown) === nothing && stage.acquired === undefined
    ? Effect.onExit(Effect.suspend(() => use(undefined as R)), (exit) => stage.release(undefined as R, exit, call))
    : Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(stage.acquire(call, restore), (resource) => {
      const body = restore(use(resource))
      const announced = stage.acquired === undefined ? body : Effect.andThen(stage.acquired(resource, call), body)
      return Effect.onExit(announced, (exit) => stage.release(resource, exit, call))
    })
  )

/**
 * The acquisition of a stage that holds nothing (it only sees the call end).
 * A stage without `acquired` that uses it skips the mask.
 *
 * @since 0.1.0
 */
export const nothing = (): Effect.Effect<void> => Effect.void

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
    Effect.flatMap(stage.acquire(call, restore), (resource) => {
      const registered = Effect.addFinalizer((exit) => stage.release(resource, exit, call))
      const announced = stage.acquired === undefined ? registered : Effect.andThen(registered, stage.acquired(resource, call))
      return Effect.as(announced, use(resource))
    })
  ))

/**
 * Several stages held as one: acquired in order, released in reverse, each
 * release told the outcome. One uninterruptible region and one exit handler
 * for all of them (instead of one each, nested): the handler is registered
 * before the first acquisition and releases exactly those acquired so far, so
 * a later stage's failure or an interruption while it waits frees the earlier
 * ones. `held` is the call's own array for what is held (the release reads
 * it, so nothing else per call is kept while a stage waits).
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

// Acquires stages[i..] into `held`, synchronously past the stages with nothing to acquire.
const acquireFrom = (
  sequence: Sequence,
  i: number,
  call: Call,
  restore: Restore,
  held: Array<unknown>
): Effect.Effect<void, LlmError> => {
  const { stages } = sequence
  while (i < stages.length && (stages[i]!.acquire as unknown) === nothing && stages[i]!.acquired === undefined) {
    held.push(undefined)
    i++
  }
  if (i === stages.length) return Effect.void
  const stage = stages[i]!
  const next = i + 1
  return Effect.flatMap(stage.acquire(call, restore), (resource) => {
    held.push(resource)
    const rest = acquireFrom(sequence, next, call, restore, held)
    return stage.acquired === undefined ? rest : Effect.andThen(stage.acquired(resource, call), rest)
  })
}

// Releases what `held` holds, last first. Each release runs even if a later
// one died (`ensuring`); such a defect is the result.
const releaseHeld = (
  sequence: Sequence,
  held: ReadonlyArray<unknown>,
  exit: Exit.Exit<unknown, unknown>,
  call: Call
): Effect.Effect<void> => {
  if (held.length === 0) return Effect.void
  let chain = sequence.stages[0]!.release(held[0], exit, call)
  for (let i = 1; i < held.length; i++) chain = Effect.ensuring(sequence.stages[i]!.release(held[i], exit, call), chain)
  return chain
}

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
    Effect.onExit(
      Effect.andThen(acquireFrom(sequence, 0, call, restore, held), restore(use)),
      (exit) => releaseHeld(sequence, held, exit, call)
    )
  )

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
      Effect.as(acquireFrom(sequence, 0, call, restore, held), use)
    )
  ))
