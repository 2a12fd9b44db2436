/**
 * What the test doubles (`TestBackend`, `TestReranker`) share: a script of
 * steps taken one per call, the calls recorded, the control a test holds
 * over both, scripted failures, and the pipeline policy they run under. Not
 * exported from `effect-llm-backends/testing`: each double re-exports what
 * its users name.
 *
 * @since 0.1.0
 */
import { Effect, Ref } from "effect"
import { omitUndefined } from "../internal/omitUndefined.ts"
import * as LlmError from "../LlmError.ts"
import * as Policy from "../pipeline/Policy.ts"

/**
 * Controls a test double: add steps, read the calls.
 *
 * @since 0.1.0
 */
export interface Control<Step, Call> {
  /** Appends steps to the script. */
  readonly push: (...steps: ReadonlyArray<Step>) => Effect.Effect<void>
  /** Every call received so far, in order. */
  readonly calls: Effect.Effect<ReadonlyArray<Call>>
  /** Steps not used yet. */
  readonly remaining: Effect.Effect<number>
}

/**
 * A script and the calls it answered.
 *
 * @since 0.1.0
 */
export interface Script<Step, Call> {
  readonly record: (call: Call) => Effect.Effect<void>
  /**
   * Takes the next step. A call with no step left is a defect (a test-setup
   * mistake), never an invented answer.
   */
  readonly next: (operation: string) => Effect.Effect<Step>
  readonly control: Control<Step, Call>
}

/**
 * A script starting with `steps`; `owner` names the double in defects.
 *
 * @since 0.1.0
 */
export const make = <Step, Call>(owner: string, steps: ReadonlyArray<Step>): Effect.Effect<Script<Step, Call>> =>
  Effect.gen(function*() {
    const script = yield* Ref.make<ReadonlyArray<Step>>(steps)
    const calls = yield* Ref.make<ReadonlyArray<Call>>([])
    return {
      record: (call) => Ref.update(calls, (all) => [...all, call]),
      // Taken in one `modify`, so concurrent calls never get the same step.
      next: (operation) =>
        Effect.flatMap(
          Ref.modify(script, (all): readonly [Step | undefined, ReadonlyArray<Step>] => [all[0], all.slice(1)]),
          (step) =>
            step === undefined
              ? Effect.die(new Error(`${owner}: no scripted step left for a ${operation} call`))
              : Effect.succeed(step)
        ),
      control: {
        push: (...more) => Ref.update(script, (all) => [...all, ...more]),
        calls: Ref.get(calls),
        remaining: Effect.map(Ref.get(script), (all) => all.length)
      }
    }
  })

/**
 * A scripted failure.
 *
 * @since 0.1.0
 */
export interface Failure {
  readonly _tag: "Fail"
  readonly reason: LlmError.Reason
  readonly status?: number
}

/**
 * A failure with the given reason (any `LlmError` reason).
 *
 * @since 0.1.0
 */
export const fail = (reason: LlmError.Reason, options?: { readonly status?: number }): Failure => ({
  _tag: "Fail",
  reason,
  ...omitUndefined({ status: options?.status })
})

/**
 * The error a scripted failure raises, as the named provider's.
 *
 * @since 0.1.0
 */
export const failure = (
  provider: string,
  step: Failure,
  call: { readonly model?: string | undefined; readonly requestId: string }
): Effect.Effect<never, LlmError.LlmError> =>
  Effect.fail(LlmError.make(provider, step.reason, { model: call.model, requestId: call.requestId, status: step.status }))

/**
 * The pipeline policy of a double: straight through (no retries, no
 * breaker, so a scripted error reaches the caller as scripted), or these
 * settings over that. A bad setting is a defect of the test.
 *
 * @since 0.1.0
 */
export const policy = (provider: string, input: Policy.Input | undefined): Effect.Effect<Policy.Policy> =>
  input === undefined ? Effect.succeed(Policy.passthrough) : Effect.orDie(Policy.make(provider, { ...Policy.passthrough, ...input }))
