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
