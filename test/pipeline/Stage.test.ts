/**
 * Stages held as one sequence: acquired in order, released in reverse, each
 * exactly once, with only the waiting interruptible. Counted from outside:
 * every acquisition and release the stages saw.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Scheduler } from "effect"
import * as LlmError from "../../src/LlmError.ts"
import * as Stage from "../../src/pipeline/Stage.ts"
import * as Harness from "../support/pipeline.ts"

const newCall = () => Harness.call()

const fault = LlmError.make("test", new LlmError.Overloaded({ detail: "no" }))

interface Log {
  readonly events: Array<string>
}

// A stage whose acquisition may wait on `gate` (interruptibly, inside restore) or fail.
const stage = (log: Log, name: string, options: { gate?: Deferred.Deferred<void>; fails?: boolean; dies?: boolean } = {}) =>
  ({
    acquire: (_call, restore) =>
      Effect.suspend(() => {
        if (options.fails === true) return Effect.fail(fault)
        const wait = options.gate === undefined ? Effect.void : restore(Deferred.await(options.gate))
        return Effect.map(wait, () => {
          log.events.push(`acquire ${name}`)
          return name
        })
      }),
    release: (resource, exit) =>
      Effect.suspend(() => {
        log.events.push(`release ${resource} ${exit._tag}`)
        return options.dies === true ? Effect.die("release bug") : Effect.void
      })
  }) satisfies Stage.Stage<string>

// A stage that takes its resource at once (no effect) unless `busy` says not, and
// whose release is synchronous unless `after` gives it an effect to hand back.
const quick = (
  log: Log,
  name: string,
  options: { busy?: () => boolean; after?: boolean; throws?: "take" | "release" } = {}
) =>
  ({
    take: () => {
      if (options.throws === "take") throw new Error("take bug")
      if (options.busy?.() === true) return Stage.busy
      log.events.push(`take ${name}`)
      return name
    },
    acquire: () =>
      Effect.sync(() => {
        log.events.push(`acquire ${name}`)
        return name
      }),
    release: (resource, exit) => {
      log.events.push(`release ${resource} ${exit._tag}`)
      if (options.throws === "release") throw new Error("release bug")
      return options.after === true ? Effect.sync(() => log.events.push(`after ${resource}`)) : undefined
    }
  }) satisfies Stage.Stage<string>

describe("Stage.sequence", () => {
  it.effect("acquires in order, releases in reverse once, each told the outcome", () =>
    Effect.gen(function*() {
      const log: Log = { events: [] }
      const sequence = Stage.sequence(stage(log, "a"), stage(log, "b"), stage(log, "c"))
      const held = Stage.holder(sequence)
      const value = yield* Stage.effectAll(sequence, newCall(), held, Effect.sync(() => held.join("+")))
      assert.strictEqual(value, "a+b+c")
      assert.deepStrictEqual(log.events, ["acquire a", "acquire b", "acquire c", "release c Success", "release b Success", "release a Success"])
    }))

  it.effect("a later stage failing frees the earlier ones, and use never runs", () =>
    Effect.gen(function*() {
      const log: Log = { events: [] }
      let used = 0
      const sequence = Stage.sequence(stage(log, "a"), stage(log, "b"), stage(log, "c", { fails: true }))
      const exit = yield* Effect.exit(Stage.effectAll(sequence, newCall(), [], Effect.sync(() => used++)))
      assert.isTrue(Exit.isFailure(exit))
      assert.strictEqual(used, 0)
      assert.deepStrictEqual(log.events, ["acquire a", "acquire b", "release b Failure", "release a Failure"])
    }))

  it.effect("a release that dies does not keep the earlier ones from running; the defect is the result", () =>
    Effect.gen(function*() {
      const log: Log = { events: [] }
      const sequence = Stage.sequence(stage(log, "a"), stage(log, "b", { dies: true }), stage(log, "c"))
      const exit = yield* Effect.exit(Stage.effectAll(sequence, newCall(), [], Effect.void))
      assert.isTrue(Exit.isFailure(exit) && exit.cause.reasons.some((reason) => reason._tag === "Die"))
      assert.deepStrictEqual(log.events.filter((e) => e.startsWith("release")), ["release c Success", "release b Success", "release a Success"])
    }))

  it.effect("an interruption at any point releases exactly what was acquired (forced-yield scan)", () =>
    Effect.gen(function*() {
      let scanned = 0
      for (const n of [2, 3, 4, 5, 8, 13]) {
        for (let k = 0; k < 12; k++) {
          const log: Log = { events: [] }
          const gate = yield* Deferred.make<void>()
          const sequence = Stage.sequence(stage(log, "a"), stage(log, "b", { gate }), stage(log, "c"))
          const fiber = yield* Effect.forkChild(
            Effect.provideService(Stage.effectAll(sequence, newCall(), [], Effect.never), Scheduler.MaxOpsBeforeYield, n)
          )
          for (let i = 0; i < k; i++) yield* Effect.yieldNow
          if (k % 2 === 1) yield* Deferred.succeed(gate, undefined)
          yield* Fiber.interrupt(fiber)
          const acquired = log.events.filter((e) => e.startsWith("acquire")).map((e) => e.slice(8))
          const released = log.events.filter((e) => e.startsWith("release")).map((e) => e.split(" ")[1])
          assert.deepStrictEqual(released, [...acquired].reverse(), `n=${n} k=${k}: ${log.events.join(", ")}`)
          scanned++
        }
      }
      assert.strictEqual(scanned, 72)
    }))

  it.effect("stages that can take at once do, the others acquire; released in reverse once", () =>
    Effect.gen(function*() {
      const log: Log = { events: [] }
      let full = true
      const sequence = Stage.sequence(quick(log, "a"), quick(log, "b", { busy: () => full }), quick(log, "c"))
      yield* Stage.effectAll(sequence, newCall(), [], Effect.void)
      full = false
      yield* Stage.effectAll(sequence, newCall(), [], Effect.void)
      assert.deepStrictEqual(log.events, [
        // b is busy: it acquires, and c after it goes on taking at once
        "take a", "acquire b", "take c", "release c Success", "release b Success", "release a Success",
        "take a", "take b", "take c", "release c Success", "release b Success", "release a Success"
      ])
    }))

  it.effect("a release that hands back an effect runs it before the earlier stages' releases", () =>
    Effect.gen(function*() {
      const log: Log = { events: [] }
      const sequence = Stage.sequence(quick(log, "a"), quick(log, "b", { after: true }), quick(log, "c"))
      yield* Effect.exit(Stage.effectAll(sequence, newCall(), [], Effect.fail(fault)))
      assert.deepStrictEqual(log.events, [
        "take a", "take b", "take c", "release c Failure", "release b Failure", "after b", "release a Failure"
      ])
    }))

  it.effect("a take or a synchronous release that throws: every other release still runs, the defect is the result", () =>
    Effect.gen(function*() {
      const log: Log = { events: [] }
      const taking = yield* Effect.exit(
        Stage.effectAll(Stage.sequence(quick(log, "a"), quick(log, "b", { throws: "take" })), newCall(), [], Effect.void)
      )
      assert.isTrue(Exit.isFailure(taking) && taking.cause.reasons.some((reason) => reason._tag === "Die"))
      assert.deepStrictEqual(log.events, ["take a", "release a Failure"])
      log.events.length = 0
      const releasing = yield* Effect.exit(
        Stage.effectAll(Stage.sequence(quick(log, "a"), quick(log, "b", { throws: "release" }), quick(log, "c")), newCall(), [], Effect.void)
      )
      assert.isTrue(Exit.isFailure(releasing) && releasing.cause.reasons.some((reason) => reason._tag === "Die"))
      assert.deepStrictEqual(log.events.filter((e) => e.startsWith("release")), ["release c Success", "release b Success", "release a Success"])
    }))

  it.effect("taking at once, waiting, or both: an interruption at any point releases exactly what was held (forced-yield scan)", () =>
    Effect.gen(function*() {
      let scanned = 0
      for (const n of [2, 3, 4, 5, 8, 13]) {
        for (let k = 0; k < 12; k++) {
          for (const single of [false, true]) {
            const log: Log = { events: [] }
            const gate = yield* Deferred.make<void>()
            const use = Effect.never
            const body = single
              ? Stage.effect(quick(log, "a"), newCall(), () => use)
              : Stage.effectAll(Stage.sequence(quick(log, "a"), stage(log, "b", { gate }), quick(log, "c", { after: true })), newCall(), [], use)
            const fiber = yield* Effect.forkChild(Effect.provideService(body, Scheduler.MaxOpsBeforeYield, n))
            for (let i = 0; i < k; i++) yield* Effect.yieldNow
            if (k % 2 === 1) yield* Deferred.succeed(gate, undefined)
            yield* Fiber.interrupt(fiber)
            const held = log.events.filter((e) => e.startsWith("take") || e.startsWith("acquire")).map((e) => e.split(" ")[1])
            const released = log.events.filter((e) => e.startsWith("release")).map((e) => e.split(" ")[1])
            assert.deepStrictEqual(released, [...held].reverse(), `n=${n} k=${k} single=${single}: ${log.events.join(", ")}`)
            if (held.includes("c")) assert.include(log.events, "after c")
            scanned++
          }
        }
      }
      assert.strictEqual(scanned, 144)
    }))
})
