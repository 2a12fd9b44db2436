// Scratch A/B: the in-memory pipeline and backend of HEAD (copied to .ab/old/src by
// `git archive HEAD src | tar -x -C .ab/old`) against the working tree, interleaved in one process:
// `node scripts/run.mjs node --import tsx bench/loopback/ab.mts`
import { Effect, Layer, Redacted } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import { completionBody } from "../support.ts"

const length = String(Buffer.byteLength(completionBody))
const memoryClient = Layer.succeed(HttpClient.HttpClient)(HttpClient.make((request) => Effect.sync(() =>
  HttpClientResponse.fromWeb(request, new Response(completionBody, { headers: { "content-type": "application/json", "content-length": length } })))))
const N = Number(process.env.N ?? 20000)
const ROUNDS = Number(process.env.ROUNDS ?? 7)

const load = async (root: string) => {
  const ext = root.endsWith("dist") ? "js" : "ts"
  const Chat = await import(`${root}/domain/Chat.${ext}`)
  const Content = await import(`${root}/domain/Content.${ext}`)
  const Message = await import(`${root}/domain/Message.${ext}`)
  const Pipeline = await import(`${root}/pipeline/Pipeline.${ext}`)
  const OpenAi = await import(`${root}/providers/openai/OpenAi.${ext}`)
  const request = new Chat.ChatRequest({ model: "bench-model", messages: [Message.user("Hi")] })
  const response = new Chat.ChatResponse({ provider: "memory", model: "m", content: [Content.text("ok")], finishReason: "stop" })
  return Effect.gen(function*() {
    const pipeline = yield* Pipeline.make({ provider: "memory", chat: () => Effect.succeed(response) }, { model: "m" })
    const backend = yield* OpenAi.make({ apiKey: Redacted.make("sk-bench"), baseUrl: "http://memory.invalid/v1", model: "bench-model", policy: { maxConcurrentRequests: 1000, queueSize: 1_000_000, maxRetries: 2, recentCalls: 100 } })
    return { pipeline: pipeline.chat(request) as Effect.Effect<unknown>, backend: backend.chat(request) as Effect.Effect<unknown> }
  })
}
// OLD=../../dist compares the built package (tsc output) with the sources as tsx runs them.
const old = await load(process.env.OLD ?? "../../.ab/old/src")
const now = await load(process.env.NEW ?? "../../src")
await Effect.runPromise(Effect.gen(function*() {
  const sides = { old: yield* old, new: yield* now }
  const results: Record<string, Array<number>> = {}
  const time = (e: Effect.Effect<unknown>) => Effect.gen(function*() {
    const t = performance.now()
    for (let i = 0; i < N; i++) yield* e
    return (performance.now() - t) * 1000 / N
  })
  for (const side of Object.values(sides)) for (const e of Object.values(side)) for (let i = 0; i < 3000; i++) yield* e
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, side] of Object.entries(sides)) {
      for (const [what, e] of Object.entries(side)) (results[`${what} ${name}`] ??= []).push(yield* time(e))
    }
  }
  for (const [k, xs] of Object.entries(results).sort()) {
    const s = [...xs].sort((a, b) => a - b)
    console.log(k.padEnd(14), "µs/call median", s[Math.floor(s.length / 2)]!.toFixed(2), "min", s[0]!.toFixed(2), "max", s[s.length - 1]!.toFixed(2))
  }
}).pipe(Effect.provide(memoryClient)) as Effect.Effect<void>)
