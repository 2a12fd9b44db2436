/**
 * A routed call interrupted anywhere, under forced yields: the caller runs
 * with the scheduler forced to yield every N operations and is interrupted
 * after k yields of the test fiber. The call falls over from a failing
 * target to a gated one, so the scan crosses the router's plan, both
 * attempts, the fail-over and its accounting. Afterwards no target holds a
 * permit, the router counted the call at most once and as what it was, and
 * the next routed call gets through.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Scheduler } from "effect"
import * as LlmError from "../../src/LlmError.ts"
import { Message, Router } from "../../src/index.ts"
import * as Harness from "../support/pipeline.ts"
import * as Scripted from "../support/ScriptedProvider.ts"

const hi = { messages: [Message.user("Hi")] }
const Ns = [2, 3, 4, 5, 6, 8, 10, 13, 16, 24, 32, 64]
const ks = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16]
const overloaded = new LlmError.Overloaded({ detail: "busy" })

describe("router interruption scan", () => {
  it.effect("a routed call interrupted anywhere leaves every target free and is accounted once", () =>
    Effect.gen(function*() {
      const broken: Array<string> = []
      let counted = 0
      for (const n of Ns) {
        for (const k of ks) {
          const gate = yield* Deferred.make<void>()
          const first = yield* Harness.make([Scripted.fail(overloaded)], { maxConcurrentRequests: 1, maxRetries: 0 }, Scripted.ok("first"))
          const second = yield* Harness.make([{ _tag: "Gate", gate, text: "second" }], { maxConcurrentRequests: 1, maxRetries: 0 }, Scripted.ok("second"))
          const router = yield* Router.make({ targets: [{ backend: first.backend }, { backend: second.backend }] })
          const caller = yield* Effect.forkChild(Effect.provideService(router.chat(hi), Scheduler.MaxOpsBeforeYield, n))
          for (let i = 0; i < k; i++) yield* Effect.yieldNow
          yield* Fiber.interrupt(caller)
          const exit = yield* Fiber.await(caller)
          const stats = yield* router.monitor.stats
          const targets = [yield* first.backend.monitor.stats, yield* second.backend.monitor.stats]
          const free = targets.every((t) => t.in_flight === 0 && t.queue_depth === 0)
          // Counted from outside: what the caller's exit says against what the router recorded.
          const once = stats.total_requests <= 1 &&
            stats.total_requests === stats.successful_requests + stats.failed_requests + stats.interrupted_requests &&
            (Exit.isSuccess(exit) ? stats.successful_requests === 1 : stats.successful_requests === 0)
          counted += stats.total_requests
          // The targets saw no more attempts than they counted.
          const attempts = first.scripted.attempts.length + second.scripted.attempts.length
          const seen = targets.reduce((sum, t) => sum + t.attempts_started, 0)
          yield* Deferred.succeed(gate, undefined)
          const next = yield* Effect.exit(Effect.timeout(router.chat(hi), "1 second"))
          if (!free || !once || attempts > seen || !Exit.isSuccess(next)) broken.push(`N=${n},k=${k}`)
        }
      }
      assert.deepStrictEqual(broken, [])
      // Otherwise the scan says nothing: most points reach the router's accounting.
      assert.isAbove(counted, Ns.length * ks.length / 2)
    }), { timeout: 60_000 })
})
