/**
 * One attempt, in either shape: counted as started when it is handed to the
 * provider and as answered once the provider answered (response headers
 * arrived, a result came, or the error carries an HTTP status), bounded by
 * its timeouts and the call's deadline, and observed: the last completed
 * attempt's error, a stream's first content, terminal element, usage and
 * natural end are noted on the `Call`.
 *
 * @since 0.1.0
 */
import { Cause, Clock, type Duration, Effect, Exit, type Fiber, Stream } from "effect"
import type { Usage } from "../domain/Usage.ts"
import { LlmError, type Timeout } from "../LlmError.ts"
import type { Call } from "./Call.ts"
import * as StreamGuard from "./StreamGuard.ts"
import * as Timeouts from "./Timeouts.ts"

/**
 * The typed error an exit failed with, if any.
 *
 * @since 0.1.0
 */
export const failureOf = (exit: Exit.Exit<unknown, unknown>): LlmError | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  const error = Cause.findErrorOption(exit.cause)
  return error._tag === "Some" && error.value instanceof LlmError ? error.value : undefined
}

/**
 * What an attempt reports back to the pipeline.
 *
 * @since 0.1.0
 */
export interface Observer {
  readonly fail: (call: Call, reason: Timeout) => LlmError
  /** Usage the provider reported: noted at once, with the effect still to run if any. */
  readonly usage: (call: Call, usage: Usage, fiber: Fiber.Fiber<unknown, unknown>) => Effect.Effect<void> | undefined
  /** A stream's first content element (after `firstTokenMs` was set). */
  readonly firstContent: (call: Call) => Effect.Effect<void>
}

const begin = (call: Call) => {
  call.attemptsStarted++
  call.answered = false
}

const settle = (call: Call, exit: Exit.Exit<unknown, unknown>) => {
  const error = failureOf(exit)
  if (call.answered || Exit.isSuccess(exit) || error?.status !== undefined) call.attemptsAnswered++
  if (error !== undefined && !call.cut) call.lastError = error
}

const usageOf = (observer: Observer, call: Call, usage: Usage): Effect.Effect<void> =>
  Effect.withFiber((fiber) => observer.usage(call, usage, fiber) ?? Effect.void)

/**
 * @since 0.1.0
 */
export interface EffectSpec<A> {
  readonly attemptTimeout: Duration.Duration
  readonly usage: (value: A) => Usage | undefined
}

/**
 * One attempt of a non-streaming call.
 *
 * @since 0.1.0
 */
export const effect = <A>(
  call: Call,
  spec: EffectSpec<A>,
  observer: Observer,
  run: Effect.Effect<A, LlmError>
): Effect.Effect<A, LlmError> =>
  Effect.suspend(() => {
    begin(call)
    const timed = Timeouts.attempt(run, spec.attemptTimeout, call, observer.fail)
    // Settled and its usage noted in one step, however it ended.
    return Effect.onExit(timed, (exit) =>
      Effect.withFiber((fiber) => {
        settle(call, exit)
        const usage = Exit.isSuccess(exit) ? spec.usage(exit.value) : undefined
        return (usage === undefined ? undefined : observer.usage(call, usage, fiber)) ?? Effect.void
      }))
  })

/**
 * @since 0.1.0
 */
export interface StreamSpec<A> {
  readonly firstTokenTimeout: Duration.Duration
  readonly idleTimeout: Duration.Duration
  readonly isContent: (element: A) => boolean
  /** The element that says the answer is complete (finish, usage); none: only the stream's end does. */
  readonly isTerminal: ((element: A) => boolean) | undefined
  readonly usage: (element: A) => Usage | undefined
}

/**
 * One attempt of a stream. Leading metadata is held until the first content
 * element, so a retried attempt shows the caller nothing twice.
 *
 * @since 0.1.0
 */
export const stream = <A>(
  call: Call,
  spec: StreamSpec<A>,
  observer: Observer,
  open: Stream.Stream<A, LlmError>
): Stream.Stream<A, LlmError> =>
  Stream.suspend(() => {
    begin(call)
    const timed = Timeouts.stream(StreamGuard.holdUntilContent(open, spec.isContent), {
      firstToken: spec.firstTokenTimeout,
      idle: spec.idleTimeout,
      isContent: spec.isContent,
      deadlineAt: call.deadlineAt,
      onCut: () => {
        call.cut = true
      },
      fail: (reason) => observer.fail(call, reason)
    })
    // A terminal element counts once the caller pulls past its batch: a
    // caller that takes one element of [text, text, finish] and stops has
    // not received the finish.
    let pending = false
    const observed = Stream.transformPull(timed, (pull) =>
      Effect.succeed(Effect.suspend(() => {
        if (pending) call.terminal = true
        return Effect.flatMap(pull, (batch) => {
          call.answered = true
          let effect: Effect.Effect<void> = Effect.void
          for (const element of batch) {
            const usage = spec.usage(element)
            if (usage !== undefined) effect = Effect.andThen(effect, usageOf(observer, call, usage))
            if (spec.isTerminal?.(element) === true) pending = true
            if (!call.content && spec.isContent(element)) {
              call.content = true
              effect = Effect.andThen(
                effect,
                Effect.flatMap(Clock.currentTimeMillis, (now) => {
                  call.firstTokenMs = now - call.start
                  return observer.firstContent(call)
                })
              )
            }
          }
          return Effect.as(effect, batch)
        })
      })))
    return observed.pipe(
      Stream.onEnd(Effect.sync(() => {
        call.ended = true
      })),
      Stream.onExit((exit) => Effect.sync(() => settle(call, exit)))
    )
  })
