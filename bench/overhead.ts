/**
 * 1. Added overhead per call. Both sides are served by the same in-memory
 * responder (no sockets): a bare `HttpClient` POST whose JSON body is parsed,
 * against our OpenAI backend (validation, queue and permit, breaker, retry
 * wrapper, key choice, rate limiter, attempt timeout, translation, Schema
 * decoding, stats, tracking). Also the pipeline alone, over an in-memory
 * provider. Sequential calls, p50/p99 in microseconds.
 */
import { Effect } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { ChatRequest, ChatResponse } from "../src/domain/Chat.ts"
import * as Content from "../src/domain/Content.ts"
import * as Message from "../src/domain/Message.ts"
import * as Pipeline from "../src/pipeline/Pipeline.ts"
import type { Provider } from "../src/pipeline/Provider.ts"
import * as Support from "./support.ts"
import * as Transports from "./transports.ts"

const request = new ChatRequest({ model: "bench-model", messages: [Message.user("Hi")] })
const wireBody = { model: "bench-model", messages: [{ role: "user", content: "Hi" }] }

const timeCalls = (call: Effect.Effect<unknown, unknown>, n: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < Math.min(5000, n); i++) yield* call
    const times = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const start = performance.now()
      yield* call
      times[i] = (performance.now() - start) * 1000
    }
    times.sort()
    return { p50: Support.percentile(times, 0.5), p99: Support.percentile(times, 0.99) }
  })

export interface Row {
  readonly label: string
  readonly p50: Support.Summary
  readonly p99: Support.Summary
  readonly addedP50: Support.Summary | undefined
}

export const run = (runs: number, n: number) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const ours = yield* Support.backend("http://memory.invalid/v1", 1000)
    const response = new ChatResponse({ provider: "memory", model: "m", content: [Content.text("ok")], finishReason: "stop" })
    const provider: Provider = { provider: "memory", chat: () => Effect.succeed(response) }
    const pipeline = yield* Pipeline.make(provider, { model: "bench-model" })

    const bare = HttpClientRequest.post("http://memory.invalid/v1/chat/completions").pipe(
      HttpClientRequest.bodyJsonUnsafe(wireBody),
      client.execute,
      Effect.flatMap((res) => res.json)
    )
    const cases = [
      ["bare HttpClient call (in memory)", bare],
      ["our OpenAI backend (in memory)", ours.chat(request)],
      ["pipeline alone (in-memory provider)", pipeline.chat(request)],
      ["bare provider call (in-memory provider)", provider.chat!(request, { requestId: "r", model: "m", apiKey: undefined })]
    ] as const
    const samples = cases.map(() => ({ p50: [] as Array<number>, p99: [] as Array<number> }))
    for (let r = 0; r < runs; r++) {
      for (const [i, [, call]] of cases.entries()) {
        const t = yield* timeCalls(call, n)
        samples[i]!.p50.push(t.p50)
        samples[i]!.p99.push(t.p99)
      }
    }
    const addedOf = (i: number, base: number) => samples[i]!.p50.map((v, r) => v - samples[base]!.p50[r]!)
    return cases.map(([label], i): Row => ({
      label,
      p50: Support.summarize(samples[i]!.p50),
      p99: Support.summarize(samples[i]!.p99),
      addedP50: i === 1 ? Support.summarize(addedOf(1, 0)) : i === 2 ? Support.summarize(addedOf(2, 3)) : undefined
    }))
  }).pipe(Effect.provide(Support.memoryClient))

/**
 * 1b. Sequential calls over loopback, each client built as in the
 * throughput section: what a call costs end to end on each transport, and
 * what our backend adds over the raw Effect `HttpClient` on the same one.
 */
export const loopback = (runs: number, n: number) =>
  Effect.gen(function*() {
    const server = yield* Effect.acquireRelease(Effect.promise(() => Support.startServer()), (s) => Effect.sync(s.stop))
    const built = yield* Transports.make(server.url, 1)
    const labels = Transports.clients
    const asEffect = (name: Transports.ClientName): Effect.Effect<unknown, unknown> => {
      const { effect, promise } = built[name]
      return effect ?? Effect.promise(promise!)
    }
    const samples = labels.map(() => ({ p50: [] as Array<number>, p99: [] as Array<number> }))
    for (let r = 0; r < runs; r++) {
      for (const [i, name] of labels.entries()) {
        const t = yield* timeCalls(asEffect(name), n)
        samples[i]!.p50.push(t.p50)
        samples[i]!.p99.push(t.p99)
      }
    }
    return labels.map((label, i): Row => {
      const base = label in Transports.sameTransport
        ? labels.indexOf(Transports.sameTransport[label as keyof typeof Transports.sameTransport])
        : -1
      return {
        label,
        p50: Support.summarize(samples[i]!.p50),
        p99: Support.summarize(samples[i]!.p99),
        addedP50: base < 0 ? undefined : Support.summarize(samples[i]!.p50.map((v, r) => v - samples[base]!.p50[r]!))
      }
    })
  }).pipe(Effect.scoped)
