/**
 * 3. Streaming: one long SSE stream (CHUNKS chunks) from the loopback server,
 * read by a minimal raw decoder (fetch, TextDecoder, split frames, JSON.parse),
 * by our backend (full pipeline, assembled chunks) on fetch and on the lean
 * undici client, and by the `openai` SDK.
 * Per-chunk cost and time to the first content chunk.
 */
import { Effect, Layer, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import OpenAI from "openai"
import { Message } from "../src/index.ts"
import { UndiciHttpClient } from "../src/node/index.ts"
import * as Support from "./support.ts"

export const CHUNKS = 5000
const body = JSON.stringify({ model: "bench-model", messages: [{ role: "user", content: "Hi" }], stream: true })

const rawStream = async (url: string) => {
  const start = performance.now()
  let first = 0
  let count = 0
  const response = await fetch(`${url}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${Support.KEY}` },
    body
  })
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ""
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    buffer += value
    let at: number
    while ((at = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, at)
      buffer = buffer.slice(at + 2)
      if (!frame.startsWith("data: ") || frame === "data: [DONE]") continue
      const json = JSON.parse(frame.slice(6)) as { choices: Array<{ delta?: { content?: string } }> }
      if (json.choices[0]?.delta?.content) {
        if (count === 0) first = performance.now() - start
        count++
      }
    }
  }
  return { totalMs: performance.now() - start, firstMs: first, count }
}

const sdkStream = async (client: OpenAI) => {
  const start = performance.now()
  let first = 0
  let count = 0
  const stream = await client.chat.completions.create({ model: "bench-model", messages: [{ role: "user", content: "Hi" }], stream: true })
  for await (const chunk of stream) {
    if (chunk.choices[0]?.delta?.content) {
      if (count === 0) first = performance.now() - start
      count++
    }
  }
  return { totalMs: performance.now() - start, firstMs: first, count }
}

export interface Row {
  readonly label: string
  readonly perChunkUs: Support.Summary
  readonly firstTokenMs: Support.Summary
}

export const run = (runs: number) =>
  Effect.gen(function*() {
    const server = yield* Effect.acquireRelease(
      Effect.promise(() => Support.startServer({ CHUNKS: String(CHUNKS) })),
      (s) => Effect.sync(s.stop)
    )
    const ours = yield* Support.backend(server.url, 4)
    const lean = yield* Effect.provideContext(Support.backend(server.url, 4), yield* Layer.build(UndiciHttpClient.layer))
    const streamOf = (ours: typeof lean) => Effect.gen(function*() {
      const start = performance.now()
      let first = 0
      let count = 0
      yield* Stream.runForEach(ours.stream({ messages: [Message.user("Hi")] }), (chunk) =>
        Effect.sync(() => {
          if (chunk._tag === "TextDelta") {
            if (count === 0) first = performance.now() - start
            count++
          }
        }))
      return { totalMs: performance.now() - start, firstMs: first, count }
    })
    const sdk = new OpenAI({ apiKey: Support.KEY, baseURL: server.url, maxRetries: 0 })
    const cases = [
      ["raw decode", () => Effect.promise(() => rawStream(server.url))],
      ["ours (pipeline on)", () => streamOf(ours)],
      ["ours on lean undici", () => streamOf(lean)],
      ["openai SDK", () => Effect.promise(() => sdkStream(sdk))]
    ] as const
    const perChunk = cases.map(() => [] as Array<number>)
    const first = cases.map(() => [] as Array<number>)
    for (const [, go] of cases) yield* go() // warm-up
    for (let r = 0; r < runs; r++) {
      for (const [i, [label, go]] of cases.entries()) {
        const result = yield* go()
        if (result.count !== CHUNKS) return yield* Effect.die(`${label} read ${result.count} of ${CHUNKS} chunks`)
        perChunk[i]!.push((result.totalMs * 1000) / CHUNKS)
        first[i]!.push(result.firstMs)
      }
    }
    return cases.map(([label], i): Row => ({
      label,
      perChunkUs: Support.summarize(perChunk[i]!),
      firstTokenMs: Support.summarize(first[i]!)
    }))
  }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer))
