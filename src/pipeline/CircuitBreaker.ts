/**
 * A circuit breaker as a `Ref` state machine driven by Effect's `Clock`:
 * CLOSED counts consecutive failing calls; at the threshold it trips OPEN and
 * rejects calls until the reset timeout has passed; then HALF_OPEN admits
 * exactly one probe call: its success closes the breaker, its failure opens
 * it again for twice as long as the last time (per consecutive failed probe,
 * capped by `maxResetTimeout`), so an outage is not hammered and the next
 * probe time is predictable. Only failures that say the target is unhealthy
 * count (5xx, overload, timeouts, network); a caller error (4xx) is proof the
 * target answered and resets the count.
 *
 * It is fed once per logical call, never once per retry: one call retrying
 * five times must not trip a breaker whose threshold is five calls. A ticket
 * is decided once: a stream's probe is decided at its first content.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, Exit, Ref } from "effect"
import { CircuitOpen, countsForBreaker, type LlmError, type Reason } from "../LlmError.ts"
import { failureOf } from "./Attempt.ts"
import * as Shared from "./SharedBreaker.ts"
import type { Call } from "./Call.ts"
import type * as SharedState from "./SharedState.ts"
import * as Stage from "./Stage.ts"

/**
 * @since 0.1.0
 */
export type State =
  | { readonly _tag: "Closed"; readonly failures: number }
  | { readonly _tag: "Open"; readonly until: number; readonly failedProbes: number }
  | { readonly _tag: "HalfOpen"; readonly probing: boolean; readonly failedProbes: number }

/**
 * The state names used in stats and metrics.
 *
 * @since 0.1.0
 */
export type StateName = "closed" | "open" | "half_open"

/**
 * @since 0.1.0
 */
export const stateName = (state: State): StateName =>
  state._tag === "Closed" ? "closed" : state._tag === "Open" ? "open" : "half_open"

/**
 * Proof of admission: whether this call is the half-open probe, whether its
 * outcome was recorded, and the state change its admission made (announced
 * once the ticket's release is registered).
 *
 * @since 0.1.0
 */
export interface Ticket {
  readonly probe: boolean
  decided: boolean
  readonly transition: readonly [State, State] | undefined
  /** Set when a shared store admitted the call: its outcome goes there too (the probe's lease, by name). */
  readonly shared?: { readonly lease: string | undefined } | undefined
}

/**
 * How a call ended, as the breaker sees it.
 *
 * @since 0.1.0
 */
export type Outcome = "success" | "unhealthy" | "answered" | "interrupted"

/**
 * @since 0.1.0
 */
export interface CircuitBreaker {
  /** Admits a call (a state change only, no hooks), or fails with `CircuitOpen` carrying when to try again. */
  readonly admit: Effect.Effect<Ticket, CircuitOpen>
  /** Runs the transition hook for the state change the admission made, if any. */
  readonly announce: (ticket: Ticket) => Effect.Effect<void>
  /** Whether a call holding `ticket` may retry now (never while open, never the probe). */
  readonly mayRetry: (ticket: Ticket) => Effect.Effect<boolean>
  /** Admits a call at once while the breaker is closed and in memory; otherwise nothing (then `admit`). */
  readonly admitNow: () => Ticket | undefined
  /** Records how an admitted call ended; only the first record of a ticket counts. */
  readonly record: (ticket: Ticket, outcome: Outcome) => Effect.Effect<void>
  /** `record`, done at once when it changes no state; otherwise the effect that does it. */
  readonly recordNow: (ticket: Ticket, outcome: Outcome, now: number) => Effect.Effect<void> | undefined
  readonly state: Effect.Effect<State>
  /** Times the breaker has tripped open (since the last `resetTrips`). */
  readonly trips: () => number
  readonly resetTrips: () => void
}

/**
 * @since 0.1.0
 */
export interface Options {
  readonly enabled: boolean
  readonly failureThreshold: number
  readonly resetTimeout: Duration.Duration
  /** Cap on the doubled open time after failed probes (default: `resetTimeout`, no growth). */
  readonly maxResetTimeout?: Duration.Duration | undefined
  /** Called on every state change, after it happened. */
  readonly onTransition?: ((from: State, to: State) => Effect.Effect<void>) | undefined
  /** Keep the state in this store (shared by processes); the `Ref` serves while it is unavailable. */
  readonly shared?: { readonly store: SharedState.Store; readonly leaseMs: number } | undefined
}

const closed: State = { _tag: "Closed", failures: 0 }
const PROBE_BUSY_RETRY = Duration.seconds(1)

/**
 * @since 0.1.0
 */
export const make = Effect.fnUntraced(function*(options: Options) {
  const ref = yield* Ref.make<State>(closed)
  const resetMs = Duration.toMillis(options.resetTimeout)
  const maxResetMs = Math.max(resetMs, Duration.toMillis(options.maxResetTimeout ?? options.resetTimeout))
  let trips = 0

  // Open time after `failedProbes` consecutive failed probes.
  const openFor = (failedProbes: number) => Math.min(resetMs * 2 ** failedProbes, maxResetMs)

  const announceChange = (from: State, to: State): Effect.Effect<void> =>
    from._tag === to._tag || options.onTransition === undefined ? Effect.void : options.onTransition(from, to)

  const admit: CircuitBreaker["admit"] = !options.enabled
    ? Effect.sync(() => ({ probe: false, decided: false, transition: undefined }))
    : Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.flatMap(
        Ref.modify(ref, (state): readonly [Ticket | CircuitOpen, State] => {
          switch (state._tag) {
            case "Closed":
              return [{ probe: false, decided: false, transition: undefined }, state]
            case "Open": {
              if (now < state.until) {
                const wait = Duration.millis(state.until - now)
                return [new CircuitOpen({ retryAfter: wait, detail: "the backend failed repeatedly" }), state]
              }
              const next: State = { _tag: "HalfOpen", probing: true, failedProbes: state.failedProbes }
              return [{ probe: true, decided: false, transition: [state, next] }, next]
            }
            case "HalfOpen": {
              if (state.probing) {
                return [new CircuitOpen({ retryAfter: PROBE_BUSY_RETRY, detail: "a probe call is in flight" }), state]
              }
              const next: State = { _tag: "HalfOpen", probing: true, failedProbes: state.failedProbes }
              return [{ probe: true, decided: false, transition: undefined }, next]
            }
          }
        }),
        (result) => result instanceof CircuitOpen ? Effect.fail(result) : Effect.succeed(result)
      ))

  const next = (state: State, ticket: Ticket, outcome: Outcome, now: number): State => {
    if (ticket.probe) {
      const failedProbes = state._tag === "Closed" ? 0 : state.failedProbes
      switch (outcome) {
        case "success":
        case "answered":
          return closed
        case "unhealthy":
          return { _tag: "Open", until: now + openFor(failedProbes + 1), failedProbes: failedProbes + 1 }
        case "interrupted":
          // The probe never told us anything: let the next call probe.
          return state._tag === "HalfOpen" ? { _tag: "HalfOpen", probing: false, failedProbes } : state
      }
    }
    if (state._tag !== "Closed") return state
    switch (outcome) {
      case "success":
      case "answered":
        return state.failures === 0 ? state : closed
      case "interrupted":
        return state
      case "unhealthy": {
        const failures = state.failures + 1
        return failures >= options.failureThreshold
          ? { _tag: "Open", until: now + resetMs, failedProbes: 0 }
          : { _tag: "Closed", failures }
      }
    }
  }

  const apply = (ticket: Ticket, outcome: Outcome): Effect.Effect<void> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.flatMap(
        Ref.modify(ref, (state): readonly [readonly [State, State], State] => {
          const to = next(state, ticket, outcome, now)
          return [[state, to], to]
        }),
        ([from, to]) => {
          if (to._tag === "Open" && from._tag !== "Open") trips++
          return announceChange(from, to)
        }
      ))

  const mayRetry: CircuitBreaker["mayRetry"] = (ticket) =>
    ticket.probe || !options.enabled
      ? Effect.succeed(!ticket.probe)
      : Effect.map(Ref.get(ref), (state) => state._tag === "Closed")

  const local = { admit, apply, mayRetry, state: Ref.get(ref) }
  const shared = options.shared === undefined || !options.enabled
    ? local
    : Shared.make(options.shared.store, {
      failureThreshold: options.failureThreshold,
      resetMs,
      maxResetMs,
      leaseMs: options.shared.leaseMs
    }, local, {
      announce: announceChange,
      tripped: () => {
        trips++
      },
      reset: Ref.set(ref, closed)
    })

  const record: CircuitBreaker["record"] = (ticket, outcome) => {
    if (!options.enabled || ticket.decided) return Effect.void
    ticket.decided = true
    return shared.apply(ticket, outcome)
  }

  // The fast path's two halves. A closed breaker in memory admits without a
  // state change, and most outcomes leave it as it is (`next` answers the
  // same state): then nothing needs an effect.
  const inMemory = options.enabled && shared === local
  const admitNow: CircuitBreaker["admitNow"] = () => {
    if (!options.enabled) return { probe: false, decided: false, transition: undefined }
    if (!inMemory || Ref.getUnsafe(ref)._tag !== "Closed") return undefined
    return { probe: false, decided: false, transition: undefined }
  }
  const recordNow: CircuitBreaker["recordNow"] = (ticket, outcome, now) => {
    if (!options.enabled || ticket.decided) return undefined
    if (inMemory) {
      const state = Ref.getUnsafe(ref)
      if (next(state, ticket, outcome, now) === state) {
        ticket.decided = true
        return undefined
      }
    }
    return record(ticket, outcome)
  }

  return {
    admit: shared.admit,
    announce: (ticket) => ticket.transition === undefined ? Effect.void : announceChange(...ticket.transition),
    mayRetry: shared.mayRetry,
    admitNow,
    record,
    recordNow,
    state: shared.state,
    trips: () => trips,
    resetTrips: () => {
      trips = 0
    }
  } satisfies CircuitBreaker
})

/**
 * How a call ended, as the breaker sees it. A call cut by its deadline (or
 * interrupted) while failing against an unhealthy target counts as
 * unhealthy: otherwise a flapping backend that sees few calls never opens.
 *
 * @since 0.1.0
 */
export const outcomeOf = (exit: Exit.Exit<unknown, unknown>, call: Call): Outcome => {
  if (Exit.isSuccess(exit)) return "success"
  const failure = failureOf(exit)
  const cut = failure === undefined || (failure.reason._tag === "Timeout" && failure.reason.phase === "total")
  if (cut) return call.lastError !== undefined && countsForBreaker(call.lastError.reason) ? "unhealthy" : "interrupted"
  // A wait that could not fit sent nothing: only the attempts before it tell us anything.
  const judged = call.refused ? call.lastError : failure
  if (judged === undefined) return "interrupted"
  return countsForBreaker(judged.reason) ? "unhealthy" : "answered"
}

/**
 * The breaker stage: a ticket per call, recorded once when the call ends
 * (or, for a streaming probe, at its first content).
 *
 * @since 0.1.0
 */
export const stage = (breaker: CircuitBreaker, fail: (call: Call, reason: Reason) => LlmError): Stage.Stage<Ticket> => ({
  take: () => breaker.admitNow() ?? Stage.busy,
  acquire: (call) => Effect.mapError(breaker.admit, (reason) => fail(call, reason)),
  acquired: (ticket) => breaker.announce(ticket),
  release: (ticket, exit, call, fiber) => breaker.recordNow(ticket, outcomeOf(exit, call), Stage.now(fiber))
})
