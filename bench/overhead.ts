/**
 * Quick measure of what the pipeline adds per call: an in-memory provider
 * (no HTTP) called bare, then through Pipeline.make with the default policy
 * (validation, options, queue + permit, breaker, retry wrapper, attempt
 * timeout, stats, tracking). Sequential calls; p50/p99 in microseconds.
 * The full benchmark suite (HTTP, throughput, streams, memory) is separate.
 *
 *   npm run bench:overhead
 */
import { Effect } from "effect"
import { ChatRequest, ChatResponse } from "../src/domain/Chat.ts"
import * as Content from "../src/domain/Content.ts"
import * as Message from "../src/domain/Message.ts"
import * as Pipeline from "../src/pipeline/Pipeline.ts"
import type { Provider } from "../src/pipeline/Provider.ts"

const N = Number(process.env["N"] ?? 20_000)
const WARMUP = 5_000

const response = new ChatResponse({ provider: "memory", model: "m", content: [Content.text("ok")], finishReason: "stop" })
const provider: Provider = { provider: "memory", chat: () => Effect.succeed(response) }
const instance = new ChatRequest({ model: "m", messages: [Message.user("Hi")] })
const plain = { model: "m", messages: [Message.user("Hi")] }

const measure = (label: string, call: Effect.Effect<unknown, unknown>) =>
  Effect.gen(function*() {
    for (let i = 0; i < WARMUP; i++) yield* call
    const times = new Float64Array(N)
    for (let i = 0; i < N; i++) {
      const start = performance.now()
      yield* call
      times[i] = (performance.now() - start) * 1000
    }
    times.sort()
    const p = (q: number) => times[Math.min(N - 1, Math.floor(q * N))]!
    return { label, p50: p(0.5), p99: p(0.99) }
  })

const program = Effect.gen(function*() {
  const backend = yield* Pipeline.make(provider, { model: "m" })
  const rows = [
    yield* measure("bare provider.chat", provider.chat!(instance, { requestId: "r", model: "m", apiKey: undefined })),
    yield* measure("pipeline, ChatRequest instance", backend.chat(instance)),
    yield* measure("pipeline, plain object (decoded)", backend.chat(plain))
  ]
  const bare = rows[0]!
  console.log(`node ${process.version}, ${N} sequential calls after ${WARMUP} warm-up\n`)
  console.log("case                               p50 µs   p99 µs   added p50 µs")
  for (const row of rows) {
    console.log(
      `${row.label.padEnd(34)} ${row.p50.toFixed(1).padStart(7)}  ${row.p99.toFixed(1).padStart(7)}  ${
        row === bare ? "" : (row.p50 - bare.p50).toFixed(1).padStart(10)
      }`
    )
  }
})

Effect.runPromise(program)
