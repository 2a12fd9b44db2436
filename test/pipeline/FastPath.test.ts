/**
 * The uncontended call's fast path: with a free permit, a closed breaker and
 * a ready key, every stage is taken and released as plain function calls.
 * Counted from outside: the effect operations the scheduler saw per call
 * (deterministic for a pinned `effect`), so a change that sends the common
 * call back through the effectful stages fails here rather than only in the
 * benchmark.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Redacted, Scheduler } from "effect"
import { Message } from "../../src/index.ts"
import * as Harness from "../support/pipeline.ts"
import * as Scripted from "../support/ScriptedProvider.ts"

const hi = { messages: [Message.user("Hi")] }
const keys = [{ name: "a", value: Redacted.make("sk-a-0000000000") }, { name: "b", value: Redacted.make("sk-b-0000000000") }]

// Operations run by `effect`, counted by a scheduler that asks the default one.
const opsOf = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const base = new Scheduler.MixedScheduler()
    let ops = 0
    const counting: Scheduler.Scheduler = {
      executionMode: base.executionMode,
      shouldYield: (fiber) => {
        ops++
        return base.shouldYield(fiber)
      },
      makeDispatcher: () => base.makeDispatcher()
    }
    yield* Effect.provideService(effect, Scheduler.Scheduler, counting)
    return ops
  })

describe("the uncontended fast path", () => {
  it.effect("an uncontended call takes its stages at once; a call that had to wait runs the effectful ones", () =>
    Effect.gen(function*() {
      const { backend } = yield* Harness.make([], { maxConcurrentRequests: 1 }, Scripted.ok(), keys)
      yield* backend.chat(hi)
      const fast = yield* opsOf(backend.chat(hi))

      // The same call while another holds the only permit: it queues, then runs.
      const gate = yield* Deferred.make<void>()
      const held = yield* Harness.make([{ _tag: "Gate", gate }], { maxConcurrentRequests: 1 }, Scripted.ok(), keys)
      const holder = yield* Effect.forkChild(held.backend.chat(hi))
      yield* Effect.yieldNow
      const waiter = yield* Effect.forkChild(opsOf(held.backend.chat(hi)))
      yield* Effect.yieldNow
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(holder)
      const slow = yield* Fiber.join(waiter)

      assert.isAtMost(fast, 45, `uncontended: ${fast} operations`)
      assert.isAbove(slow, fast, `queued: ${slow}, uncontended: ${fast}`)
      const stats = yield* backend.monitor.stats
      assert.deepStrictEqual([stats.total_requests, stats.successful_requests, stats.in_flight], [2, 2, 0])
      assert.deepStrictEqual(stats.keys.map((k) => [k.name, k.requests, k.inFlight]), [["a", 1, 0], ["b", 1, 0]])
    }))
})
