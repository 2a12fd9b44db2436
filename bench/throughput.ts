/**
 * 2. Throughput over loopback against one server process, at several
 * concurrencies: the raw `HttpClient` (our transport's physical limit), our
 * backend with the whole pipeline on, the official `openai` SDK, and the
 * Vercel `ai` SDK with its OpenAI provider. Each run interleaves the clients;
 * ratios to raw are taken within a run.
 */
import { createOpenAI } from "@ai-sdk/openai"
import { generateText } from "ai"
import { Effect } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import OpenAI from "openai"
import { Message } from "../src/index.ts"
import * as Support from "./support.ts"

export const clients = ["raw HttpClient", "ours (pipeline on)", "openai SDK", "ai SDK"] as const
export type ClientName = typeof clients[number]

const body = { model: "bench-model", messages: [{ role: "user", content: "Hi" }] }

const effectLoop = (call: Effect.Effect<unknown, unknown>, concurrency: number, ms: number) =>
  Effect.gen(function*() {
    let done = 0
    const deadline = Date.now() + ms
    const worker = Effect.gen(function*() {
      while (Date.now() < deadline) {
        yield* call
        done++
      }
    })
    const start = performance.now()
    yield* Effect.all(Array.from({ length: concurrency }, () => worker), { concurrency: "unbounded" })
    return done / ((performance.now() - start) / 1000)
  })

const promiseLoop = async (call: () => Promise<unknown>, concurrency: number, ms: number) => {
  let done = 0
  const deadline = Date.now() + ms
  const worker = async () => {
    while (Date.now() < deadline) {
      await call()
      done++
    }
  }
  const start = performance.now()
  await Promise.all(Array.from({ length: concurrency }, worker))
  return done / ((performance.now() - start) / 1000)
}

export interface Row {
  readonly concurrency: number
  readonly perSecond: Record<ClientName, Support.Summary>
  readonly ratioToRaw: Record<ClientName, Support.Summary>
}

export const run = (runs: number, concurrencies: ReadonlyArray<number>, ms: number) =>
  Effect.gen(function*() {
    const server = yield* Effect.acquireRelease(Effect.promise(() => Support.startServer()), (s) => Effect.sync(s.stop))
    const http = yield* HttpClient.HttpClient
    const raw = HttpClientRequest.post(`${server.url}/chat/completions`).pipe(
      HttpClientRequest.bodyJsonUnsafe(body),
      HttpClientRequest.bearerToken(Support.KEY),
      http.execute,
      Effect.flatMap((res) => res.json)
    )
    const openai = new OpenAI({ apiKey: Support.KEY, baseURL: server.url, maxRetries: 0 })
    const ai = createOpenAI({ apiKey: Support.KEY, baseURL: server.url })
    const rows: Array<Row> = []
    for (const concurrency of concurrencies) {
      const ours = yield* Support.backend(server.url, concurrency)
      const calls: Record<ClientName, (ms: number) => Effect.Effect<number, unknown>> = {
        "raw HttpClient": (t) => effectLoop(raw, concurrency, t),
        "ours (pipeline on)": (t) => effectLoop(ours.chat({ messages: [Message.user("Hi")] }), concurrency, t),
        "openai SDK": (t) =>
          Effect.promise(() => promiseLoop(() => openai.chat.completions.create({ model: "bench-model", messages: [{ role: "user", content: "Hi" }] }), concurrency, t)),
        "ai SDK": (t) => Effect.promise(() => promiseLoop(() => generateText({ model: ai.chat("bench-model"), prompt: "Hi", maxRetries: 0 }), concurrency, t))
      }
      for (const name of clients) yield* calls[name](200) // warm-up
      const perRun: Record<ClientName, Array<number>> = { "raw HttpClient": [], "ours (pipeline on)": [], "openai SDK": [], "ai SDK": [] }
      for (let r = 0; r < runs; r++) {
        for (const name of clients) perRun[name].push(yield* calls[name](ms))
      }
      const summary = {} as Record<ClientName, Support.Summary>
      const ratio = {} as Record<ClientName, Support.Summary>
      for (const name of clients) {
        summary[name] = Support.summarize(perRun[name])
        ratio[name] = Support.summarize(perRun[name].map((v, r) => v / perRun["raw HttpClient"][r]!))
      }
      rows.push({ concurrency, perSecond: summary, ratioToRaw: ratio })
    }
    return rows
  }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer))
