/**
 * 4. Memory. Per waiting call: QUEUED calls waiting for a permit (each
 * caller's own fiber included), and as the baseline QUEUED bare fibers each
 * waiting on a `Deferred` with no pipeline (what any waiting caller costs);
 * their difference is what the pipeline adds per waiting call. Each a median
 * of `runs`. Then the heap after 10,000 and after 1,000,000 calls through
 * the pipeline (it must stay flat: rings and percentile windows are
 * bounded). Needs --expose-gc (the bench script passes it).
 */
import { Deferred, Effect, Fiber } from "effect"
import { ChatRequest, ChatResponse } from "../src/domain/Chat.ts"
import * as Content from "../src/domain/Content.ts"
import * as Message from "../src/domain/Message.ts"
import * as Pipeline from "../src/pipeline/Pipeline.ts"
import * as Policy from "../src/pipeline/Policy.ts"
import type { Provider } from "../src/pipeline/Provider.ts"
import * as Support from "./support.ts"

export const QUEUED = 10_000
const request = new ChatRequest({ model: "m", messages: [Message.user("Hi")] })
const response = new ChatResponse({ provider: "memory", model: "m", content: [Content.text("ok")], finishReason: "stop" })
const heap = () => {
  Support.gc()
  return process.memoryUsage().heapUsed
}

export interface Result {
  /** A queued call, its caller's fiber included. */
  readonly bytesPerQueuedCall: Support.Summary
  /** A bare fiber waiting on a Deferred. */
  readonly bytesPerWaitingFiber: Support.Summary
  /** What the pipeline adds per waiting call (the two above, per run). */
  readonly bytesAddedPerQueuedCall: Support.Summary
  readonly heapAfter10k: number
  readonly heapAfter1M: number
  readonly calls: number
}

// Bytes per fiber while QUEUED fibers run `wait` and sit blocked.
const perWaiter = <E>(wait: Effect.Effect<unknown, E>, ready: Effect.Effect<boolean>) =>
  Effect.gen(function*() {
    const before = heap()
    const fibers = []
    for (let i = 0; i < QUEUED; i++) fibers.push(yield* Effect.forkChild(wait))
    while (!(yield* ready)) yield* Effect.yieldNow
    const after = heap()
    yield* Effect.forEach(fibers, Fiber.interrupt, { discard: true })
    return (after - before) / QUEUED
  })

/**
 * A backend whose one permit a call holds forever (room for `waiting`
 * more in its queue): the call holding it, and the backend.
 */
export const saturated = (waiting: number) =>
  Effect.gen(function*() {
    const gate = yield* Deferred.make<void>()
    const blocking: Provider = { provider: "memory", chat: () => Effect.as(Deferred.await(gate), response) }
    const policy = yield* Policy.make("memory", { maxConcurrentRequests: 1, queueSize: waiting + 10 })
    const queued = yield* Pipeline.make(blocking, { model: "m", policy })
    const holder = yield* Effect.forkChild(queued.chat(request))
    while ((yield* queued.monitor.stats).in_flight < 1) yield* Effect.yieldNow
    return { holder, queued }
  })

const queueCost = Effect.gen(function*() {
  const bare = yield* Deferred.make<void>()
  let started = 0
  const fiber = yield* perWaiter(Effect.andThen(Effect.sync(() => started++), Deferred.await(bare)), Effect.sync(() => started === QUEUED))

  const { holder, queued } = yield* saturated(QUEUED)
  const call = yield* perWaiter(queued.chat(request), Effect.map(queued.monitor.stats, (s) => s.queue_depth === QUEUED))
  yield* Fiber.interrupt(holder)
  return { call, fiber }
})

export const run = (runs: number, totalCalls: number) =>
  Effect.gen(function*() {
    if (!Support.gc()) return yield* Effect.die("run with --expose-gc")
    const costs = []
    for (let i = 0; i < runs; i++) costs.push(yield* queueCost)

    // Flat heap: many calls through the pipeline.
    const provider: Provider = { provider: "memory", chat: () => Effect.succeed(response) }
    const backend = yield* Pipeline.make(provider, { model: "m", policy: yield* Policy.make("memory", { maxConcurrentRequests: 1 }) })
    for (let i = 0; i < 10_000; i++) yield* backend.chat(request)
    const at10k = heap()
    for (let i = 10_000; i < totalCalls; i++) yield* backend.chat(request)
    const at1M = heap()
    return {
      bytesPerQueuedCall: Support.summarize(costs.map((c) => c.call)),
      bytesPerWaitingFiber: Support.summarize(costs.map((c) => c.fiber)),
      bytesAddedPerQueuedCall: Support.summarize(costs.map((c) => c.call - c.fiber)),
      heapAfter10k: at10k,
      heapAfter1M: at1M,
      calls: totalCalls
    } satisfies Result
  })
