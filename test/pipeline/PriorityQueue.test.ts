import { assert, describe, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Exit, Fiber, Stream } from "effect"
import { TestClock } from "effect/testing"
import type { Priority } from "../../src/domain/CallOptions.ts"
import { Message } from "../../src/index.ts"
import * as LlmError from "../../src/LlmError.ts"
import * as PriorityQueue from "../../src/pipeline/PriorityQueue.ts"
import * as Stage from "../../src/pipeline/Stage.ts"
import * as Harness from "../support/pipeline.ts"
import * as Scripted from "../support/ScriptedProvider.ts"

const hi = { messages: [Message.user("Hi")] }

/** One call holds the only permit until `gate` opens. */
const saturated = (policy: Parameters<typeof Harness.make>[1] = {}) =>
  Effect.gen(function*() {
    const gate = yield* Deferred.make<void>()
    const harness = yield* Harness.make([{ _tag: "Gate", gate }], { maxConcurrentRequests: 1, ...policy })
    const holder = yield* Effect.forkChild(harness.backend.chat(hi, { requestId: "holder" }))
    yield* Effect.yieldNow
    assert.strictEqual(harness.scripted.running.now, 1)
    return { ...harness, gate, holder }
  })

const enqueue = (backend: Effect.Success<ReturnType<typeof Harness.make>>["backend"], id: string, priority: Priority) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(backend.chat(hi, { requestId: id, priority }))
    yield* Effect.yieldNow
    return fiber
  })

describe("priority queue", () => {
  it.effect("under saturation: high before normal before low, FIFO within a level", () =>
    Effect.gen(function*() {
      const { backend, scripted, gate } = yield* saturated()
      const fibers = []
      for (const [id, priority] of [["low-1", "low"], ["normal-1", "normal"], ["high-1", "high"], ["low-2", "low"], ["high-2", "high"], ["normal-2", "normal"]] as const) {
        fibers.push(yield* enqueue(backend, id, priority))
      }
      assert.strictEqual((yield* backend.monitor.stats).queue_depth, 6)
      yield* Deferred.succeed(gate, undefined)
      for (const fiber of fibers) assert.isTrue(Exit.isSuccess(yield* Fiber.await(fiber)))
      assert.deepStrictEqual(scripted.requestIds, ["holder", "high-1", "high-2", "normal-1", "normal-2", "low-1", "low-2"])
    }))

  for (
    const [title, agingInterval, order] of [
      ["aging: a low call that waited long enough goes before a newer high call", "1 second", ["holder", "old-low", "new-high"]],
      ["without enough waiting, the newer high call still goes first", "1 hour", ["holder", "new-high", "old-low"]]
    ] as const
  ) {
    it.effect(title, () =>
      Effect.gen(function*() {
        const { backend, scripted, gate } = yield* saturated({ agingInterval })
        const low = yield* enqueue(backend, "old-low", "low")
        yield* TestClock.adjust("2 seconds")
        const high = yield* enqueue(backend, "new-high", "high")
        yield* Deferred.succeed(gate, undefined)
        yield* Fiber.await(low)
        yield* Fiber.await(high)
        assert.deepStrictEqual(scripted.requestIds, [...order])
      }))
  }

  it.effect("a full queue rejects at once with QueueFull", () =>
    Effect.gen(function*() {
      const { backend, gate } = yield* saturated({ queueSize: 2 })
      yield* enqueue(backend, "a", "normal")
      yield* enqueue(backend, "b", "normal")
      const rejected = yield* Effect.flip(backend.chat(hi, { priority: "high" }))
      assert.strictEqual(rejected.reason._tag, "QueueFull")
      yield* Deferred.succeed(gate, undefined)
      assert.strictEqual((yield* backend.monitor.stats).errors_by_type["QueueFull"], 1)
    }))

  it.effect("with queueFull 'wait', a call waits for room instead of failing", () =>
    Effect.gen(function*() {
      const { backend, scripted, gate } = yield* saturated({ queueSize: 1, queueFull: "wait" })
      const a = yield* enqueue(backend, "a", "normal")
      const b = yield* enqueue(backend, "b", "high")
      assert.strictEqual((yield* backend.monitor.stats).queue_depth, 2)
      yield* Deferred.succeed(gate, undefined)
      assert.isTrue(Exit.isSuccess(yield* Fiber.await(a)))
      assert.isTrue(Exit.isSuccess(yield* Fiber.await(b)))
      assert.deepStrictEqual(scripted.requestIds, ["holder", "a", "b"])
    }))

  it.effect("an interrupted waiter leaves the queue and never runs; it is accounted as interrupted", () =>
    Effect.gen(function*() {
      const { backend, scripted, gate, holder } = yield* saturated()
      const waiter = yield* enqueue(backend, "gone", "high")
      assert.strictEqual((yield* backend.monitor.stats).queue_depth, 1)
      yield* Fiber.interrupt(waiter)
      assert.strictEqual((yield* backend.monitor.stats).queue_depth, 0)
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.await(holder)
      const after = yield* backend.chat(hi, { requestId: "after" })
      assert.strictEqual(after.text, "ok")
      assert.deepStrictEqual(scripted.requestIds, ["holder", "after"])
      const stats = yield* backend.monitor.stats
      assert.strictEqual(stats.interrupted_requests, 1)
      assert.strictEqual(stats.total_requests, stats.successful_requests + stats.failed_requests + stats.interrupted_requests)
    }))

  it.effect("concurrency never exceeds the limit", () =>
    Effect.gen(function*() {
      const gates = yield* Effect.forEach(Array.from({ length: 20 }), () => Deferred.make<void>())
      const { backend, scripted } = yield* Harness.make(gates.map((gate) => ({ _tag: "Gate", gate }) as const), { maxConcurrentRequests: 3 })
      const fibers = yield* Effect.forEach(gates, () => Effect.forkChild(backend.chat(hi)))
      yield* Effect.yieldNow
      assert.strictEqual(scripted.running.now, 3)
      assert.strictEqual((yield* backend.monitor.stats).in_flight, 3)
      for (const gate of gates) {
        yield* Deferred.succeed(gate, undefined)
        yield* Effect.yieldNow
      }
      yield* Effect.forEach(fibers, Fiber.await)
      assert.strictEqual(scripted.running.max, 3)
      assert.strictEqual(scripted.attempts.length, 20)
    }))

  it.effect("queue wait is measured and reported", () =>
    Effect.gen(function*() {
      const { backend, gate } = yield* saturated()
      const waiter = yield* enqueue(backend, "w", "normal")
      yield* TestClock.adjust("1500 millis")
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.await(waiter)
      const stats = yield* backend.monitor.stats
      assert.strictEqual(stats.queue_wait.max_ms, 1500)
      const recent = yield* backend.monitor.recent
      assert.strictEqual(recent.find((c) => c.requestId === "w")?.queueWaitMs, 1500)
    }))

  it.effect("a stream holds its permit until it ends", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const { backend, scripted } = yield* Harness.make([{ _tag: "Gate", gate }, Scripted.ok("after")], { maxConcurrentRequests: 1 })
      const streaming = yield* Effect.forkChild(Stream.runDrain(backend.stream(hi, { requestId: "stream" })))
      yield* Effect.yieldNow
      const chat = yield* enqueue(backend, "chat", "high")
      assert.strictEqual((yield* backend.monitor.stats).queue_depth, 1)
      assert.strictEqual(yield* backend.monitor.load, 2, "one holding the permit, one waiting")
      assert.deepStrictEqual(scripted.requestIds, ["stream"])
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.await(streaming)
      assert.isTrue(Exit.isSuccess(yield* Fiber.await(chat)))
      assert.strictEqual(yield* backend.monitor.load, 0)
      assert.deepStrictEqual(scripted.requestIds, ["stream", "chat"])
    }))

  it.effect("an interrupted stream gives its permit back", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const { backend, scripted } = yield* Harness.make([{ _tag: "Gate", gate }, Scripted.ok("after")], { maxConcurrentRequests: 1 })
      const streaming = yield* Effect.forkChild(Stream.runDrain(backend.stream(hi, { requestId: "stream" })))
      yield* Effect.yieldNow
      yield* Fiber.interrupt(streaming)
      const after = yield* backend.chat(hi, { requestId: "after" })
      assert.strictEqual(after.text, "after")
      assert.deepStrictEqual(scripted.requestIds, ["stream", "after"])
      assert.strictEqual((yield* backend.monitor.stats).interrupted_requests, 1)
    }))
})

describe("the admission stage alone (outside a sequence: its own acquire and cleanup)", () => {
  const make = Effect.gen(function*() {
    const queue = yield* PriorityQueue.make({
      budget: { capMs: 60_000, minAttemptMs: 0 },
      fail: (_, reason) => LlmError.make("q", reason),
      maxConcurrent: 1,
      capacity: 10,
      whenFull: "reject",
      agingInterval: Duration.seconds(10)
    })
    let granted = 0
    let entered = 0
    const stage = PriorityQueue.stage(queue, { acquired: () => void granted++, entered: () => void entered++, released: () => undefined })
    return { queue, stage, granted: () => granted, entered: () => entered }
  })

  it.effect("waits for the permit, leaves the queue when interrupted, and passes the permit on", () =>
    Effect.gen(function*() {
      const { entered, granted, queue, stage } = yield* make
      const gate = yield* Deferred.make<void>()
      const holder = yield* Effect.forkChild(Stage.effect(stage, Harness.call("holder"), () => Deferred.await(gate)))
      yield* Effect.yieldNow
      const gone = yield* Effect.forkChild(Stage.effect(stage, Harness.call("gone"), () => Effect.void))
      const next = yield* Effect.forkChild(Stage.effect(stage, Harness.call("next"), () => Effect.succeed("ran")))
      yield* Effect.yieldNow
      assert.deepStrictEqual([queue.inFlight(), queue.depth()], [1, 2])
      yield* Fiber.interrupt(gone)
      assert.strictEqual(queue.depth(), 1)
      yield* Deferred.succeed(gate, undefined)
      assert.strictEqual(yield* Fiber.join(next), "ran")
      yield* Fiber.join(holder)
      assert.deepStrictEqual([queue.inFlight(), queue.depth(), granted(), entered()], [0, 0, 2, 2])
    }))
})
