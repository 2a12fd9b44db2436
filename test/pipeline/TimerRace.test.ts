/**
 * The one-fiber attempt timeout: under the default clock (live) and under
 * `TestClock` (the generic race), the loser is interrupted and its
 * finalizer has run before the caller continues, and a winner leaves no
 * timer behind.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Scheduler } from "effect"
import { TestClock } from "effect/testing"
import * as TimerRace from "../../src/pipeline/TimerRace.ts"

const timedOut = () => Effect.fail("timed out" as const)

// A slow effect whose finalizer records when it ran, relative to `orElse`.
const slow = (log: Array<string>, ms: number) =>
  Effect.sleep(Duration.millis(ms)).pipe(
    Effect.as("answer"),
    Effect.onExit((exit) => Effect.sync(() => log.push(Exit.hasInterrupts(exit) ? "interrupted" : "finished")))
  )

describe("TimerRace.timeoutOrElse", () => {
  it.live("default clock: the timer fires, the effect is interrupted before orElse runs", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const error = yield* Effect.flip(TimerRace.timeoutOrElse(slow(log, 5_000), Duration.millis(20), () =>
        Effect.suspend(() => {
          log.push("orElse")
          return timedOut()
        })))
      assert.strictEqual(error, "timed out")
      assert.deepStrictEqual(log, ["interrupted", "orElse"])
    }))

  it.live("default clock: the effect wins, orElse never runs and no timer is left", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      let orElse = 0
      const value = yield* TimerRace.timeoutOrElse(slow(log, 10), Duration.millis(200), () => {
        orElse++
        return timedOut()
      })
      assert.strictEqual(value, "answer")
      yield* Effect.sleep(Duration.millis(300))
      assert.strictEqual(orElse, 0)
      assert.deepStrictEqual(log, ["finished"])
    }))

  it.live("default clock: a synchronous effect answers at once and orElse never runs", () =>
    Effect.gen(function*() {
      let orElse = 0
      const value = yield* TimerRace.timeoutOrElse(Effect.succeed(1), Duration.millis(1), () => {
        orElse++
        return timedOut()
      })
      yield* Effect.sleep(Duration.millis(20))
      assert.strictEqual(value, 1)
      assert.strictEqual(orElse, 0)
    }))

  it.live("default clock: interrupting the caller interrupts and awaits the effect", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const fiber = yield* Effect.forkChild(TimerRace.timeoutOrElse(slow(log, 5_000), Duration.seconds(10), timedOut))
      yield* Effect.sleep(Duration.millis(20))
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(log, ["interrupted"])
    }))

  it.effect("TestClock: the timeout follows virtual time", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const fiber = yield* Effect.forkChild(TimerRace.timeoutOrElse(slow(log, 5_000), Duration.seconds(1), timedOut))
      yield* TestClock.adjust(Duration.millis(999))
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust(Duration.millis(1))
      const exit = yield* Fiber.await(fiber)
      assert.deepStrictEqual(exit, Exit.fail("timed out"))
      assert.deepStrictEqual(log, ["interrupted"])
    }))
})

describe("TimerRace.timeoutOrElse under forced-yield interruption", () => {
  // Interrupting the caller anywhere (scheduler forced to yield every n ops, interrupt after k
  // yields) must never orphan the attempt: every started attempt has run its finalizer.
  it.live("no interruption point leaves the detached attempt running", () =>
    Effect.gen(function*() {
      let running = 0
      let started = 0
      const attempt = Effect.suspend(() => {
        running++
        started++
        return Effect.never
      }).pipe(Effect.ensuring(Effect.sync(() => running--)))
      for (const n of [2, 3, 5, 8, 32]) {
        for (let k = 0; k < 12; k++) {
          const fiber = yield* Effect.forkChild(Effect.provideService(
            TimerRace.timeoutOrElse(attempt, Duration.seconds(30), timedOut),
            Scheduler.MaxOpsBeforeYield,
            n
          ))
          for (let i = 0; i < k; i++) yield* Effect.yieldNow
          yield* Fiber.interrupt(fiber)
        }
      }
      yield* Effect.sleep(Duration.millis(20))
      assert.isAbove(started, 0)
      assert.strictEqual(running, 0)
    }))
})
