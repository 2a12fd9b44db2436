/**
 * The circuit breaker's admission and records against a shared store: the
 * same rule as the in-memory breaker (consecutive unhealthy calls trip it, one
 * probe at half open, doubling open time per failed probe), with the state in
 * the store so that failures seen by different processes add up and exactly
 * one process probes. The probe is a lease with a TTL: a prober that crashes
 * frees it when the lease ends. While the store is unavailable the in-memory
 * breaker decides; when it is back, the in-memory state is dropped.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect } from "effect"
import { CircuitOpen } from "../LlmError.ts"
import type { Outcome, State, Ticket } from "./CircuitBreaker.ts"
import type * as SharedState from "./SharedState.ts"

/**
 * The in-memory breaker's parts the shared one falls back to.
 *
 * @since 0.1.0
 */
export interface Local {
  readonly admit: Effect.Effect<Ticket, CircuitOpen>
  readonly apply: (ticket: Ticket, outcome: Outcome) => Effect.Effect<void>
  readonly mayRetry: (ticket: Ticket) => Effect.Effect<boolean>
  readonly state: Effect.Effect<State>
}

/**
 * What the breaker does with a change the store reports.
 *
 * @since 0.1.0
 */
export interface Hooks {
  readonly announce: (from: State, to: State) => Effect.Effect<void>
  readonly tripped: () => void
  /** Drops the in-memory state (when the store is back). */
  readonly reset: Effect.Effect<void>
}

const PROBE_BUSY_RETRY_MS = 1_000

// Hooks only look at the state's kind; times are the store's, not ours.
const named = (name: "closed" | "open" | "half_open", now: number): State =>
  name === "closed"
    ? { _tag: "Closed", failures: 0 }
    : name === "open"
    ? { _tag: "Open", until: now, failedProbes: 0 }
    : { _tag: "HalfOpen", probing: true, failedProbes: 0 }

/**
 * @since 0.1.0
 */
export const make = (store: SharedState.Store, rule: SharedState.BreakerRule, local: Local, hooks: Hooks) => {
  store.onRestore(hooks.reset)

  const admit: Effect.Effect<Ticket, CircuitOpen> = Effect.matchEffect(store.admit(rule), {
    onFailure: () => local.admit,
    onSuccess: (admission): Effect.Effect<Ticket, CircuitOpen> => {
      switch (admission._tag) {
        case "Closed":
          return Effect.succeed({ probe: false, decided: false, transition: undefined, shared: { lease: undefined } })
        case "Probe":
          return Effect.map(Clock.currentTimeMillis, (now) => ({
            probe: true,
            decided: false,
            transition: admission.wasOpen ? [named("open", now), named("half_open", now)] as const : undefined,
            shared: { lease: admission.token }
          }))
        case "Open":
          return Effect.fail(
            new CircuitOpen({ retryAfter: Duration.millis(admission.retryMs), detail: "the backend failed repeatedly" })
          )
        case "Probing":
          return Effect.fail(
            new CircuitOpen({
              retryAfter: Duration.millis(Math.min(admission.retryMs, PROBE_BUSY_RETRY_MS)),
              detail: "a probe call is in flight"
            })
          )
      }
    }
  })

  const apply = (ticket: Ticket, outcome: Outcome): Effect.Effect<void> => {
    const shared = ticket.shared
    if (shared === undefined) return local.apply(ticket, outcome)
    return Effect.matchEffect(store.record(rule, ticket.probe ? shared.lease : undefined, outcome), {
      onFailure: () => local.apply(ticket, outcome),
      onSuccess: (change) => {
        if (change === undefined) return Effect.void
        const [from, to] = change
        if (to === "open" && from !== "open") hooks.tripped()
        return Effect.flatMap(Clock.currentTimeMillis, (now) => hooks.announce(named(from, now), named(to, now)))
      }
    })
  }

  const mayRetry = (ticket: Ticket): Effect.Effect<boolean> =>
    ticket.probe
      ? Effect.succeed(false)
      : ticket.shared === undefined
      ? local.mayRetry(ticket)
      : Effect.matchEffect(store.breaker, {
        onFailure: () => local.mayRetry(ticket),
        onSuccess: (view) => Effect.succeed(view._tag === "Closed")
      })

  const state: Effect.Effect<State> = Effect.matchEffect(store.breaker, {
    onFailure: () => local.state,
    onSuccess: (view) =>
      Effect.map(Clock.currentTimeMillis, (now): State =>
        view._tag === "Open" ? { _tag: "Open", until: now + view.ms, failedProbes: view.failedProbes } : view)
  })

  return { admit, apply, mayRetry, state }
}
