// Scratch: raw HttpClient vs provider (fresh request each call) vs whole backend (and the
// pipeline over the raw call with a key, and over the provider), interleaved in
// one process against one in-process node:http server, CPU per call (incl. server) and fiber
// runLoop entries per call. `N=2000 ROUNDS=5 node scripts/run.mjs node --import tsx bench/loopback/compare.mts`
import { Effect, Redacted } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { NodeHttpClient } from "@effect/platform-node"
import { createServer } from "node:http"
import * as Backend from "../../src/providers/Backend.ts"
import * as Dialect from "../../src/providers/openai-compat/Dialect.ts"
import * as OpenAiCompat from "../../src/providers/openai-compat/OpenAiCompat.ts"
import * as OpenAi from "../../src/providers/openai/OpenAi.ts"
import * as Validate from "../../src/pipeline/Validate.ts"
import { Message } from "../../src/index.ts"
import * as Pipeline from "../../src/pipeline/Pipeline.ts"
import type { Provider } from "../../src/pipeline/Provider.ts"
import { ChatResponse } from "../../src/domain/Chat.ts"
import * as Content from "../../src/domain/Content.ts"

const body = JSON.stringify({ id: "c", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } })
const server = createServer((req, res) => { req.resume(); req.on("end", () => { res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }); res.end(body) }) })
await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))
const port = (server.address() as { port: number }).port
const N = Number(process.env.N ?? 2000)
const ROUNDS = Number(process.env.ROUNDS ?? 5)
let loops = 0
let ops = 0
const program = Effect.gen(function*() {
  const fiber = yield* Effect.withFiber((f) => Effect.succeed(f))
  const proto = Object.getPrototypeOf(fiber)
  const runLoop = proto.runLoop
  proto.runLoop = function(this: { currentOpCount: number }, ...args: Array<unknown>) { loops++; try { return runLoop.apply(this, args) } finally { ops += this.currentOpCount } }
  const client = yield* HttpClient.HttpClient
  const raw = HttpClientRequest.post(`http://127.0.0.1:${port}/v1/chat/completions`).pipe(HttpClientRequest.bodyJsonUnsafe({ model: "m", messages: [{ role: "user", content: "hi" }] }), client.execute, Effect.flatMap((r) => r.json))
  const base = { apiKey: Redacted.make("sk-x"), baseUrl: `http://127.0.0.1:${port}/v1`, model: "m" }
  const parts = yield* Backend.parts({ provider: "openai", defaultBaseUrl: "x", requiresKey: true, translate: (http) => OpenAiCompat.make(http, Dialect.openai) }, base)
  const hi = { messages: [Message.user("hi")] }
  const key = Redacted.make("sk-x")
  const provider = Effect.flatMap(Validate.chatRequest("openai", hi), (request) => parts.provider.chat!(request, { requestId: "req_1", model: "m", apiKey: key }))
  const backend = yield* OpenAi.make(base)
  const response = new ChatResponse({ provider: "memory", model: "m", content: [Content.text("ok")], finishReason: "stop" })
  const rawHeaders = HttpClientRequest.post(`http://127.0.0.1:${port}/v1/chat/completions`).pipe(HttpClientRequest.bodyJsonUnsafe({ model: "m", messages: [{ role: "user", content: "hi" }] }), client.execute)
  const keyedPipe = yield* Pipeline.make({ provider: "memory", chat: (_r, ctx) => Effect.orDie(Effect.flatMap(rawHeaders, (res) => Effect.andThen(ctx.onHeaders!(res.headers), Effect.as(res.json, response)))) } satisfies Provider, { model: "m", keys: [{ name: "default", value: key }] })
  const overProvider = yield* Pipeline.make({ provider: "openai", chat: (r, ctx) => parts.provider.chat!(r, ctx) } satisfies Provider, { model: "m", keys: [{ name: "default", value: key }] })
  const all: Record<string, Effect.Effect<unknown, unknown>> = { raw, provider, backend: backend.chat(hi), keyed: keyedPipe.chat(hi), overProvider: overProvider.chat(hi), fresh: Effect.suspend(() => backend.chat(hi)) }
  const variants: Record<string, Effect.Effect<unknown, unknown>> = process.env.ONLY ? Object.fromEntries(process.env.ONLY.split(",").flatMap((k) => all[k] === undefined ? [] : [[k, all[k]]])) : all
  const results: Record<string, Array<number>> = {}
  for (const run of Object.values(variants)) for (let i = 0; i < 300; i++) yield* run
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(variants)) {
      const l0 = loops; const o0 = ops; const c0 = process.cpuUsage()
      for (let i = 0; i < N; i++) yield* run
      const c = process.cpuUsage(c0)
      ;(results[name] ??= []).push((c.user + c.system) / N)
      if (round === 0) console.log(name, "runLoop entries/call", ((loops - l0) / N).toFixed(2), "ops/call", ((ops - o0) / N).toFixed(0))
    }
  }
  for (const [name, xs] of Object.entries(results)) {
    const s = [...xs].sort((a, b) => a - b)
    console.log(name.padEnd(9), "CPU µs/call median", s[Math.floor(s.length / 2)]!.toFixed(0), "min", s[0]!.toFixed(0), "max", s[s.length - 1]!.toFixed(0))
  }
}).pipe(Effect.provide(NodeHttpClient.layerUndici)) as Effect.Effect<void, unknown>
await Effect.runPromise(program)
server.close()
