/**
 * A circuit breaker as a `Ref` state machine driven by Effect's `Clock`:
 * CLOSED counts consecutive failing calls; at the threshold it trips OPEN and
 * rejects calls until the reset timeout has passed; then HALF_OPEN admits
 * exactly one probe call: its success closes the breaker, its failure opens
 * it again. Only failures that say the target is unhealthy count (5xx,
 * overload, timeouts, network); a caller error (4xx) is proof the target
 * answered and resets the count.
 *
 * It is fed once per logical call, never once per retry: one call retrying
 * five times must not trip a breaker whose threshold is five calls.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, Ref } from "effect"
import { CircuitOpen } from "../LlmError.ts"

/**
 * @since 0.1.0
 */
export type State =
  | { readonly _tag: "Closed"; readonly failures: number }
  | { readonly _tag: "Open"; readonly until: number }
  | { readonly _tag: "HalfOpen"; readonly probing: boolean }

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
 * Proof of admission: whether this call is the half-open probe.
 *
 * @since 0.1.0
 */
export interface Ticket {
  readonly probe: boolean
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
  /** Admits a call, or fails with `CircuitOpen` carrying when to try again. */
  readonly admit: Effect.Effect<Ticket, CircuitOpen>
  /** Whether a call holding `ticket` may retry now (never while open, never the probe). */
  readonly mayRetry: (ticket: Ticket) => Effect.Effect<boolean>
  /** Records how an admitted call ended. */
  readonly record: (ticket: Ticket, outcome: Outcome) => Effect.Effect<void>
  readonly state: Effect.Effect<State>
  /** Times the breaker has tripped open. */
  readonly trips: () => number
}

/**
 * @since 0.1.0
 */
export interface Options {
  readonly enabled: boolean
  readonly failureThreshold: number
  readonly resetTimeout: Duration.Duration
  /** Called on every state change. */
  readonly onTransition?: ((from: State, to: State) => Effect.Effect<void>) | undefined
}

const closed: State = { _tag: "Closed", failures: 0 }
const PROBE_BUSY_RETRY = Duration.seconds(1)

/**
 * @since 0.1.0
 */
export const make = Effect.fnUntraced(function*(options: Options) {
  const ref = yield* Ref.make<State>(closed)
  const resetMs = Duration.toMillis(options.resetTimeout)
  let trips = 0

  const transition = (from: State, to: State): Effect.Effect<void> => {
    if (from._tag === to._tag) return Effect.void
    if (to._tag === "Open" && from._tag === "Closed") trips++
    if (to._tag === "Open" && from._tag === "HalfOpen") trips++
    return options.onTransition?.(from, to) ?? Effect.void
  }

  const change = (f: (state: State, now: number) => readonly [State, State]) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.flatMap(
        Ref.modify(ref, (state): readonly [readonly [State, State], State] => {
          const [from, to] = f(state, now)
          return [[from, to], to]
        }),
        ([from, to]) => transition(from, to)
      ))

  const admit: CircuitBreaker["admit"] = !options.enabled
    ? Effect.succeed({ probe: false })
    : Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.flatMap(
        Ref.modify(ref, (state): readonly [readonly [Ticket | CircuitOpen, State, State], State] => {
          switch (state._tag) {
            case "Closed":
              return [[{ probe: false }, state, state], state]
            case "Open": {
              if (now < state.until) {
                const wait = Duration.millis(state.until - now)
                return [[new CircuitOpen({ retryAfter: wait, detail: "the backend failed repeatedly" }), state, state], state]
              }
              const next: State = { _tag: "HalfOpen", probing: true }
              return [[{ probe: true }, state, next], next]
            }
            case "HalfOpen": {
              if (state.probing) {
                return [[new CircuitOpen({ retryAfter: PROBE_BUSY_RETRY, detail: "a probe call is in flight" }), state, state], state]
              }
              const next: State = { _tag: "HalfOpen", probing: true }
              return [[{ probe: true }, state, next], next]
            }
          }
        }),
        ([result, from, to]) =>
          Effect.andThen(transition(from, to), result instanceof CircuitOpen ? Effect.fail(result) : Effect.succeed(result))
      ))

  const record: CircuitBreaker["record"] = (ticket, outcome) =>
    !options.enabled ? Effect.void : change((state, now) => {
      if (ticket.probe) {
        switch (outcome) {
          case "success":
          case "answered":
            return [state, closed]
          case "unhealthy":
            return [state, { _tag: "Open", until: now + resetMs }]
          case "interrupted":
            // The probe never told us anything: let the next call probe.
            return [state, state._tag === "HalfOpen" ? { _tag: "HalfOpen", probing: false } : state]
        }
      }
      if (state._tag !== "Closed") return [state, state]
      switch (outcome) {
        case "success":
        case "answered":
          return [state, closed]
        case "interrupted":
          return [state, state]
        case "unhealthy": {
          const failures = state.failures + 1
          return [state, failures >= options.failureThreshold ? { _tag: "Open", until: now + resetMs } : { _tag: "Closed", failures }]
        }
      }
    })

  const mayRetry: CircuitBreaker["mayRetry"] = (ticket) =>
    ticket.probe || !options.enabled
      ? Effect.succeed(!ticket.probe)
      : Effect.map(Ref.get(ref), (state) => state._tag === "Closed")

  return { admit, mayRetry, record, state: Ref.get(ref), trips: () => trips } satisfies CircuitBreaker
})
