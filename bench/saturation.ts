/**
 * 5. Saturation: a burst of calls, a third each high, normal and low
 * (interleaved), against a backend that serves CONCURRENCY at a time with a
 * SERVICE_MS service time and a bounded queue. Reports completion time
 * percentiles by priority and rejections (QueueFull): the numbers that show
 * priority works.
 */
import { Effect } from "effect"
import { ChatRequest, ChatResponse } from "../src/domain/Chat.ts"
import * as Content from "../src/domain/Content.ts"
import type { Priority } from "../src/domain/CallOptions.ts"
import * as Message from "../src/domain/Message.ts"
import * as Pipeline from "../src/pipeline/Pipeline.ts"
import * as Policy from "../src/pipeline/Policy.ts"
import type { Provider } from "../src/pipeline/Provider.ts"
import * as Support from "./support.ts"

export const BURST = 3000
export const CONCURRENCY = 4
export const SERVICE_MS = 5
export const QUEUE = 1500

const request = new ChatRequest({ model: "m", messages: [Message.user("Hi")] })
const response = new ChatResponse({ provider: "memory", model: "m", content: [Content.text("ok")], finishReason: "stop" })

export interface Row {
  readonly priority: Priority
  readonly completed: number
  readonly rejected: number
  readonly p50Ms: number
  readonly p99Ms: number
}

export const run = Effect.gen(function*() {
  const provider: Provider = { provider: "memory", chat: () => Effect.as(Effect.sleep(SERVICE_MS), response) }
  const policy = yield* Policy.make("memory", { maxConcurrentRequests: CONCURRENCY, queueSize: QUEUE, queueFull: "reject" })
  const backend = yield* Pipeline.make(provider, { model: "m", policy })
  const priorities: ReadonlyArray<Priority> = ["high", "normal", "low"]
  const results = yield* Effect.forEach(
    Array.from({ length: BURST }, (_, i) => priorities[i % 3]!),
    (priority) =>
      Effect.gen(function*() {
        const start = performance.now()
        const outcome = yield* Effect.result(backend.chat(request, { priority }))
        return { priority, ms: performance.now() - start, ok: outcome._tag === "Success" }
      }),
    { concurrency: "unbounded" }
  )
  return priorities.map((priority): Row => {
    const mine = results.filter((r) => r.priority === priority)
    const times = mine.filter((r) => r.ok).map((r) => r.ms).sort((a, b) => a - b)
    return {
      priority,
      completed: times.length,
      rejected: mine.length - times.length,
      p50Ms: times.length === 0 ? 0 : Support.percentile(times, 0.5),
      p99Ms: times.length === 0 ? 0 : Support.percentile(times, 0.99)
    }
  })
})
