/**
 * The pipeline's stages composed once, for both call shapes:
 *
 * accounting → admission (queue permit) → breaker ticket → key lease with
 * rate tokens → retry (later attempts: their own key lease) → the attempt
 *
 * The same composition is written once over a `Shape` (how a stage wraps an
 * Effect or a Stream, and how each shape retries), so the Effect and the
 * Stream path cannot drift apart.
 *
 * @since 0.1.0
 */
import { Effect, Exit, Stream } from "effect"
import type { LlmError } from "../LlmError.ts"
import type { CallContext } from "../transport/ProviderHttp.ts"
import { failureOf } from "./Attempt.ts"
import type { Budget, Call } from "./Call.ts"
import type { Ticket } from "./CircuitBreaker.ts"
import type { Leased } from "./KeyAccess.ts"
import type { Policy } from "./Policy.ts"
import type { Place } from "./PriorityQueue.ts"
import * as Retry from "./Retry.ts"
import * as Stage from "./Stage.ts"

interface Kinds<A> {
  readonly effect: Effect.Effect<A, LlmError>
  readonly stream: Stream.Stream<A, LlmError>
}
type Kind = keyof Kinds<unknown>

interface Shape<K extends Kind> {
  readonly all: <A>(sequence: Stage.Sequence, call: Call, held: Array<unknown>, use: Kinds<A>[K]) => Kinds<A>[K]
  readonly stage: <R, A>(stage: Stage.Stage<R>, call: Call, use: (resource: R) => Kinds<A>[K]) => Kinds<A>[K]
  readonly retry: <A>(
    call: Call,
    ticket: Ticket,
    first: Kinds<A>[K],
    next: () => Kinds<A>[K],
    settle: (error: LlmError) => Effect.Effect<void>
  ) => Kinds<A>[K]
  readonly suspend: <A>(body: () => Kinds<A>[K]) => Kinds<A>[K]
}

/**
 * The stages and the retry rule of one backend.
 *
 * @since 0.1.0
 */
export interface Stages {
  readonly accounting: Stage.Stage<void>
  readonly admission: Stage.Stage<Place | undefined>
  readonly ticket: Stage.Stage<Ticket>
  readonly lease: Stage.Stage<Leased>
  readonly retry: { readonly policy: Policy; readonly budget: Budget; readonly hooks: Retry.Hooks<Ticket> }
}

/**
 * Runs one call, in either shape; `attempt` builds one attempt of the call
 * from its context (key, ids, header hook) and the call's breaker ticket. (It
 * is handed the call rather than closing over it, so it can be built once
 * per operation: a queued call keeps no attempt closure of its own.)
 *
 * @since 0.1.0
 */
export interface Composed {
  readonly effect: <A>(
    call: Call,
    attempt: (call: Call, context: CallContext, ticket: Ticket) => Effect.Effect<A, LlmError>
  ) => Effect.Effect<A, LlmError>
  readonly stream: <A>(
    call: Call,
    attempt: (call: Call, context: CallContext, ticket: Ticket) => Stream.Stream<A, LlmError>
  ) => Stream.Stream<A, LlmError>
}

/**
 * @since 0.1.0
 */
export const make = (stages: Stages): Composed => {
  const { budget, hooks, policy } = stages.retry
  // The call's stages are held as one (one uninterruptible region and one
  // exit handler): accounting, permit, ticket, and the first attempt's key
  // lease, so an uncontended call takes all four in one step. That key goes
  // back when the first attempt fails (before the retry rule runs) or with
  // the call; a retry leases its own key, per attempt, inside the retry.
  const outer = Stage.sequence(stages.accounting, stages.admission, stages.ticket, stages.lease)
  const TICKET = 2
  const LEASE = 3
  const compose = <K extends Kind, A>(
    shape: Shape<K>,
    call: Call,
    attempt: (call: Call, context: CallContext, ticket: Ticket) => Kinds<A>[K]
  ): Kinds<A>[K] => {
    const held = Stage.holder(outer)
    return shape.all<A>(outer, call, held, shape.suspend(() => {
      const ticket = held[TICKET] as Ticket
      return shape.retry<A>(
        call,
        ticket,
        attempt(call, (held[LEASE] as Leased).context, ticket),
        () => shape.stage(stages.lease, call, (leased) => attempt(call, leased.context, ticket)),
        (error) => Stage.releaseEarly(outer, held, LEASE, Exit.fail(error), call)
      )
    }))
  }

  const effectShape: Shape<"effect"> = {
    all: Stage.effectAll,
    stage: Stage.effect,
    // The first attempt's key goes back in its own exit handler (uninterruptibly, told the failure),
    // so no interruption between the failure and the retry rule can skip the key's reaction.
    retry: (call, ticket, first, next, settle) =>
      Retry.effect(policy, budget, hooks, call, ticket, Effect.onExit(first, (exit) => {
        const error = failureOf(exit)
        return error === undefined ? Effect.void : settle(error)
      }), next, settle),
    suspend: Effect.suspend
  }
  const streamShape: Shape<"stream"> = {
    all: Stage.streamAll,
    stage: Stage.stream,
    retry: (call, ticket, first, next, settle) => Retry.stream(policy, budget, hooks, call, ticket, first, next, settle),
    suspend: Stream.suspend
  }
  return {
    effect: <A>(call: Call, attempt: (call: Call, context: CallContext, ticket: Ticket) => Effect.Effect<A, LlmError>) =>
      compose<"effect", A>(effectShape, call, attempt),
    stream: <A>(call: Call, attempt: (call: Call, context: CallContext, ticket: Ticket) => Stream.Stream<A, LlmError>) =>
      compose<"stream", A>(streamShape, call, attempt)
  }
}
