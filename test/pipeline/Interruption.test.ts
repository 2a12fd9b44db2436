/**
 * Forced-yield interruption scans: the caller runs with the scheduler forced
 * to yield every N operations and is interrupted after k yields of the test
 * fiber, for every (N, k) in a grid. Afterwards the resource it was using
 * must be free: a fresh call gets its permit, the breaker can still probe,
 * the key's in-flight count is back to 0. Effect's own `Semaphore` goes
 * through the same scan as the control.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Redacted, Scheduler, Semaphore, Stream } from "effect"
import { TestClock } from "effect/testing"
import * as LlmError from "../../src/LlmError.ts"
import { Message } from "../../src/index.ts"
import * as Harness from "../support/pipeline.ts"
import * as Scripted from "../support/ScriptedProvider.ts"

const hi = { messages: [Message.user("Hi")] }
// N = 1 never makes progress: the fiber yields again before its first operation. (N = 2 can
// stall some of Effect's own primitives, but only ever at a point the scan interrupts anyway.)
const Ns = [2, 3, 4, 5, 6, 8, 10, 13, 16, 24, 32, 64]
const ks = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16]

const yields = (k: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < k; i++) yield* Effect.yieldNow
  })

/** Forks `effect` with the scheduler forced to yield every `n` operations. */
const forced = <A, E>(effect: Effect.Effect<A, E>, n: number) =>
  Effect.forkChild(Effect.provideService(effect, Scheduler.MaxOpsBeforeYield, n))

/** Whether `effect` completes successfully within a bounded number of yields (and virtual seconds). */
const getsThrough = <A, E>(effect: Effect.Effect<A, E>, advance = false) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(effect)
    for (let i = 0; i < 300; i++) {
      yield* Effect.yieldNow
      const exit = fiber.pollUnsafe()
      if (exit !== undefined) return Exit.isSuccess(exit)
      if (advance) yield* TestClock.adjust("1 second")
    }
    yield* Fiber.interrupt(fiber)
    return false
  })

/** Runs `point` over the grid; returns the (N, k) points where the resource was left held. */
const scan = <E>(point: (n: number, k: number) => Effect.Effect<boolean, E>) =>
  Effect.gen(function*() {
    const broken: Array<string> = []
    for (const n of Ns) {
      for (const k of ks) {
        if (!(yield* point(n, k))) broken.push(`N=${n},k=${k}`)
      }
    }
    return broken
  })

describe("interruption scans: the control", () => {
  it.effect("Effect's Semaphore frees its permit at every scan point", () =>
    Effect.gen(function*() {
      const broken = yield* scan((n, k) =>
        Effect.gen(function*() {
          const semaphore = yield* Semaphore.make(1)
          const gate = yield* Deferred.make<void>()
          const holder = yield* Effect.forkChild(semaphore.withPermits(1)(Deferred.await(gate)))
          yield* Effect.yieldNow
          const caller = yield* forced(semaphore.withPermits(1)(Effect.void), n)
          yield* yields(Math.max(0, k - 1))
          yield* Deferred.succeed(gate, undefined)
          yield* yields(k > 0 ? 1 : 0)
          yield* Fiber.interrupt(caller)
          yield* Fiber.await(holder)
          return yield* getsThrough(semaphore.withPermits(1)(Effect.void))
        })
      )
      assert.deepStrictEqual(broken, [])
    }))
})

describe("interruption scans: the pipeline's resources", () => {
  it.effect("queue permit: a caller interrupted while waiting or just granted leaves no permit held", () =>
    Effect.gen(function*() {
      const broken = yield* scan((n, k) =>
        Effect.gen(function*() {
          const gate = yield* Deferred.make<void>()
          const { backend } = yield* Harness.make([{ _tag: "Gate", gate }], { maxConcurrentRequests: 1 }, Scripted.ok())
          const holder = yield* Effect.forkChild(backend.chat(hi))
          yield* Effect.yieldNow
          const caller = yield* forced(backend.chat(hi), n)
          // Open the holder's gate one yield before the interruption, so both
          // the waiting window and the just-granted window are scanned.
          yield* yields(Math.max(0, k - 1))
          yield* Deferred.succeed(gate, undefined)
          yield* yields(k > 0 ? 1 : 0)
          yield* Fiber.interrupt(caller)
          yield* Fiber.await(holder)
          const stats = yield* backend.monitor.stats
          if (stats.in_flight !== 0 || stats.queue_depth !== 0) return false
          return yield* getsThrough(backend.chat(hi))
        })
      )
      assert.deepStrictEqual(broken, [])
    }))

  it.effect("breaker probe: an interrupted probe never leaves the breaker half-open with a probe in flight", () =>
    Effect.gen(function*() {
      const broken = yield* scan((n, k) =>
        Effect.gen(function*() {
          const gate = yield* Deferred.make<void>()
          const { backend } = yield* Harness.make(
            [Scripted.fail(new LlmError.ServerError({}))],
            { maxRetries: 0, failureThreshold: 1, resetTimeout: "10 seconds" },
            { _tag: "Gate", gate }
          )
          yield* Effect.exit(backend.chat(hi))
          yield* TestClock.adjust("10 seconds")
          const probe = yield* forced(backend.chat(hi), n)
          yield* yields(k)
          yield* Fiber.interrupt(probe)
          yield* Deferred.succeed(gate, undefined)
          // The breaker can still probe: a fresh call is admitted, succeeds and closes it.
          const through = yield* getsThrough(backend.chat(hi))
          return through && (yield* backend.monitor.breaker) === "closed"
        })
      )
      assert.deepStrictEqual(broken, [])
    }))

  const keyed = [{ name: "only", value: Redacted.make("sk-only-000000"), maxConcurrent: 1 }]

  for (const shape of ["chat", "stream"] as const) {
    it.effect(`key lease (${shape}): a caller interrupted during its rate wait gives its key back`, () =>
      Effect.gen(function*() {
        const broken = yield* scan((n, k) =>
          Effect.gen(function*() {
            const { backend } = yield* Harness.make([], { requestsPerMinute: 1 }, Scripted.ok(), keyed)
            // Spends the minute's only request: the next call waits 60 s for rate tokens.
            yield* backend.chat(hi)
            const call = shape === "chat" ? backend.chat(hi) : Stream.runDrain(backend.stream(hi))
            const caller = yield* forced(call, n)
            yield* yields(k)
            yield* Fiber.interrupt(caller)
            const [key] = (yield* backend.monitor.stats).keys
            if (key?.inFlight !== 0) return false
            return yield* getsThrough(backend.chat(hi), true)
          })
        )
        assert.deepStrictEqual(broken, [])
      }))
  }

  for (const shape of ["chat", "stream"] as const) {
    it.effect(`an uncontended call (${shape}, every stage taken at once) interrupted anywhere frees permit, ticket and key, accounted once`, () =>
      Effect.gen(function*() {
        const broken = yield* scan((n, k) =>
          Effect.gen(function*() {
            const gate = yield* Deferred.make<void>()
            const { backend, scripted } = yield* Harness.make([{ _tag: "Gate", gate }], { maxConcurrentRequests: 1 }, Scripted.ok(), keyed)
            const call = shape === "chat" ? backend.chat(hi) : Stream.runDrain(backend.stream(hi))
            const caller = yield* forced(call, n)
            yield* yields(k)
            yield* Fiber.interrupt(caller)
            const stats = yield* backend.monitor.stats
            // Counted from outside: the calls the provider saw, against what the stats say.
            if (stats.in_flight !== 0 || stats.queue_depth !== 0 || stats.keys[0]?.inFlight !== 0) return false
            if (stats.total_requests !== stats.interrupted_requests || stats.total_requests > 1) return false
            if (scripted.attempts.length > stats.total_requests) return false
            if ((yield* backend.monitor.breaker) !== "closed") return false
            // The gate is the first attempt's, whoever makes it: open it for the next call.
            yield* Deferred.succeed(gate, undefined)
            return yield* getsThrough(backend.chat(hi))
          })
        )
        assert.deepStrictEqual(broken, [])
      }))
  }

  it.effect("a 400-caller fuzz with forced yields and random interruptions leaves both permits free and no dead waiter", () =>
    Effect.gen(function*() {
      let seed = 12345
      const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff
      const gate = yield* Deferred.make<void>()
      const steps = Array.from({ length: 400 }, (_, i) => i % 3 === 0 ? { _tag: "Gate", gate } as const : Scripted.ok())
      const { backend } = yield* Harness.make(steps, { maxConcurrentRequests: 2, queueSize: 400 })
      const callers = []
      for (let i = 0; i < 400; i++) {
        // N = 2 stalls some of Effect's own primitives for good (Semaphore + sleep included), so a
        // caller that must finish uses N >= 3.
        callers.push(yield* forced(backend.chat(hi), 3 + Math.floor(random() * 30)))
        if (random() < 0.3) yield* yields(Math.floor(random() * 8))
        if (random() < 0.25) yield* Fiber.interrupt(callers[Math.floor(random() * callers.length)]!)
        if (i === 200) yield* Deferred.succeed(gate, undefined)
      }
      yield* Deferred.succeed(gate, undefined)
      for (let i = 0; i < 20_000 && callers.some((f) => f.pollUnsafe() === undefined); i++) yield* Effect.yieldNow
      const stuck = callers.filter((f) => f.pollUnsafe() === undefined).length
      const stats = yield* backend.monitor.stats
      assert.strictEqual(stuck, 0)
      assert.deepStrictEqual([stats.in_flight, stats.queue_depth], [0, 0])
      // A caller interrupted before its fiber reached the pipeline made no call: at most 400.
      assert.isAtMost(stats.total_requests, 400)
      assert.isAbove(stats.interrupted_requests, 0)
      assert.isTrue(yield* getsThrough(backend.chat(hi)))
      assert.isTrue(yield* getsThrough(backend.chat(hi)))
    }))
})
