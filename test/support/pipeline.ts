import { type Duration, Effect, Exit } from "effect"
import { TestClock } from "effect/testing"
import * as Call from "../../src/pipeline/Call.ts"
import * as Pipeline from "../../src/pipeline/Pipeline.ts"
import * as Policy from "../../src/pipeline/Policy.ts"
import * as Scripted from "./ScriptedProvider.ts"

/** A pipeline over a scripted provider. Jitter is off unless asked for. */
export const make = (
  steps: ReadonlyArray<Scripted.Step>,
  policy: Policy.Input = {},
  fallback?: Scripted.Step,
  keys?: ReadonlyArray<Pipeline.ApiKey>
) =>
  Effect.gen(function*() {
    const scripted = Scripted.make(steps, fallback)
    const validated = yield* Policy.make("scripted", { jitter: false, ...policy })
    const backend = yield* Pipeline.make(scripted.provider, { model: "m", policy: validated, keys })
    return { backend, scripted }
  })

/** Runs `effect` to its end under TestClock, advancing virtual time as it sleeps. */
export const settle = <A, E>(effect: Effect.Effect<A, E>, step: Duration.Input = "100 millis", limit = 100_000) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(effect)
    for (let i = 0; i < limit; i++) {
      yield* Effect.yieldNow
      const done = fiber.pollUnsafe()
      if (done !== undefined) return done
      yield* TestClock.adjust(step)
    }
    return yield* Effect.die(`did not settle within ${limit} steps`)
  })

export const isFailure = Exit.isFailure

/** A fresh call record, for tests of single stages (no deadline, no retries, normal priority). */
export const call = (requestId = "req_1"): Call.Call =>
  Call.make({
    requestId,
    model: "m",
    request: undefined,
    operation: "chat",
    streaming: false,
    priority: "normal",
    pinned: undefined,
    sessionId: undefined,
    cost: 1,
    start: 0,
    deadlineAt: Infinity,
    maxRetries: 0
  })
