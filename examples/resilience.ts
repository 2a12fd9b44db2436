/**
 * The resilience pipeline at work: a local fake that fails ~35% of requests
 * (429, 500, 503, dropped connections) and answers slowly, one OpenAI backend
 * allowed 3 calls at a time, and 30 calls of mixed priority fired at once.
 * Retries absorb the faults, the queue serves high priority first, and the
 * stats report shows what happened.
 *
 *   npm run example examples/resilience.ts
 */
import { Console, Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { Message, OpenAi } from "../src/index.ts"
import type { Priority } from "../src/domain/CallOptions.ts"
import * as FakeOpenAi from "./support/FakeOpenAi.ts"

const program = Effect.gen(function*() {
  const fake = yield* Effect.acquireRelease(
    Effect.promise(() => FakeOpenAi.serve({ faultRate: 0.35, latencyMs: 40 })),
    (served) => Effect.promise(() => served.close())
  )
  yield* Console.log(`fake server at ${fake.url} (35% faults, 40 ms per answer)\n`)

  const llm = yield* OpenAi.make({
    apiKey: Redacted.make("sk-example-not-a-real-key"),
    baseUrl: fake.url,
    model: "fake-model",
    policy: { maxConcurrentRequests: 3, initialRetryDelay: 50, maxRetryDelay: 400, maxRetries: 5, failureThreshold: 10 }
  })

  const call = (i: number, priority: Priority) =>
    llm.chat({ messages: [Message.user(`question ${i}`)] }, { priority, requestId: `${priority}-${i}` }).pipe(
      Effect.map(() => "ok" as const),
      Effect.catchTag("LlmError", (error) => Effect.succeed(error.reason._tag))
    )

  // Low first, then normal, then high: under load the queue still serves high first.
  const priorities: ReadonlyArray<Priority> = [...Array(10).fill("low"), ...Array(10).fill("normal"), ...Array(10).fill("high")]
  const outcomes = yield* Effect.forEach(priorities, (priority, i) => call(i, priority), { concurrency: "unbounded" })

  const tally = outcomes.reduce<Record<string, number>>((acc, o) => ({ ...acc, [o]: (acc[o] ?? 0) + 1 }), {})
  yield* Console.log(`outcomes: ${JSON.stringify(tally)}`)
  const recent = yield* llm.monitor.recent
  const wait = (p: Priority) => {
    const waits = recent.filter((c) => c.priority === p).map((c) => c.queueWaitMs)
    return (waits.reduce((a, b) => a + b, 0) / waits.length).toFixed(0)
  }
  yield* Console.log(`mean queue wait: high ${wait("high")} ms, normal ${wait("normal")} ms, low ${wait("low")} ms`)
  yield* Console.log(`requests the server saw: ${fake.hits.get("/chat/completions")}\n`)
  yield* Console.log(yield* llm.monitor.report("text"))
})

program.pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer), Effect.runPromise)
