/**
 * 4. Memory: bytes per queued call with QUEUED calls waiting for a permit,
 * and the heap after 10,000 and after 1,000,000 calls through the pipeline
 * (it must stay flat: rings and percentile windows are bounded). Needs
 * --expose-gc (the bench script passes it).
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
  readonly bytesPerQueuedCall: number
  readonly heapAfter10k: number
  readonly heapAfter1M: number
  readonly calls: number
}

export const run = (totalCalls: number) =>
  Effect.gen(function*() {
    if (!Support.gc()) return yield* Effect.die("run with --expose-gc")
    // Queued calls: one call holds the only permit forever, the rest wait.
    const gate = yield* Deferred.make<void>()
    const blocking: Provider = { provider: "memory", chat: () => Effect.as(Deferred.await(gate), response) }
    const policy = yield* Policy.make("memory", { maxConcurrentRequests: 1, queueSize: QUEUED + 10 })
    const queued = yield* Pipeline.make(blocking, { model: "m", policy })
    const before = heap()
    const fibers = []
    for (let i = 0; i <= QUEUED; i++) fibers.push(yield* Effect.forkChild(queued.chat(request)))
    while ((yield* queued.monitor.stats).queue_depth < QUEUED) yield* Effect.yieldNow
    const after = heap()
    yield* Effect.forEach(fibers, Fiber.interrupt, { discard: true })

    // Flat heap: many calls through the pipeline.
    const provider: Provider = { provider: "memory", chat: () => Effect.succeed(response) }
    const backend = yield* Pipeline.make(provider, { model: "m", policy: yield* Policy.make("memory", { maxConcurrentRequests: 1 }) })
    for (let i = 0; i < 10_000; i++) yield* backend.chat(request)
    const at10k = heap()
    for (let i = 10_000; i < totalCalls; i++) yield* backend.chat(request)
    const at1M = heap()
    return { bytesPerQueuedCall: (after - before) / QUEUED, heapAfter10k: at10k, heapAfter1M: at1M, calls: totalCalls } satisfies Result
  })
