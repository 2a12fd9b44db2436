/**
 * What the benchmark sections share: a loopback server in its own process,
 * an in-memory HTTP responder, backends and peer clients built the same way,
 * and summary statistics (median, min, max of several runs).
 */
import { Effect, Layer, Redacted } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import { spawn } from "node:child_process"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import * as OpenAi from "../src/providers/openai/OpenAi.ts"

export const KEY = "sk-bench-not-a-real-key"

export interface Server {
  readonly url: string
  readonly stop: () => void
}

/** Starts bench/server.mjs in a child process; resolves with its base URL. */
export const startServer = (env: Record<string, string> = {}): Promise<Server> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), "server.mjs")], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"]
    })
    child.once("error", reject)
    child.stdout.once("data", (data: Buffer) => {
      resolve({ url: `http://127.0.0.1:${String(data).trim()}/v1`, stop: () => child.kill("SIGTERM") })
    })
  })

export const completionBody = JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 0,
  model: "bench-model",
  choices: [{ index: 0, message: { role: "assistant", content: "Hello from the benchmark server." }, finish_reason: "stop" }],
  usage: { prompt_tokens: 10, completion_tokens: 7, total_tokens: 17 }
})

const completionLength = String(Buffer.byteLength(completionBody))

/** An HttpClient that answers every request with the completion, from memory (framed like the loopback server's: with its content-length). */
export const memoryClient: Layer.Layer<HttpClient.HttpClient> = Layer.succeed(HttpClient.HttpClient)(
  HttpClient.make((request) =>
    Effect.sync(() =>
      HttpClientResponse.fromWeb(request, new Response(completionBody, { headers: { "content-type": "application/json", "content-length": completionLength } }))
    )
  )
)

/** Our OpenAI backend, with a queue and permits sized for the load (the pipeline is all there). */
export const backend = (url: string, concurrency: number) =>
  OpenAi.make({
    apiKey: Redacted.make(KEY),
    baseUrl: url,
    model: "bench-model",
    policy: { maxConcurrentRequests: concurrency, queueSize: 1_000_000, maxRetries: 2, recentCalls: 100 }
  })

export interface Summary {
  readonly median: number
  readonly min: number
  readonly max: number
}

export const summarize = (values: ReadonlyArray<number>): Summary => {
  const sorted = [...values].sort((a, b) => a - b)
  return { median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, max: sorted[sorted.length - 1]! }
}

export const percentile = (sorted: Float64Array | ReadonlyArray<number>, q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!

export const fmt = (s: Summary, digits = 1) =>
  `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}-${s.max.toFixed(digits)})`

export const gc = (): boolean => {
  const collect = (globalThis as { gc?: () => void }).gc
  if (collect === undefined) return false
  collect()
  collect()
  return true
}

/**
 * Old against new, from interleaved rounds (`old <kind>` and `new <kind>` samples of CPU µs per
 * call, one per round): per kind the medians and the median of the per-round ratios new/old,
 * with their range, as printable lines.
 */
export const oldAgainstNew = (got: ReadonlyMap<string, ReadonlyArray<number>>, kinds: ReadonlyArray<string>): Array<string> => {
  const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[values.length >> 1]!
  return kinds.map((kind) => {
    const before = got.get(`old ${kind}`)!
    const after = got.get(`new ${kind}`)!
    const ratios = before.map((x, i) => after[i]! / x)
    return `${kind.padEnd(8)} old ${median(before).toFixed(0)} new ${median(after).toFixed(0)} µs/call; new/old per round median ${median(ratios).toFixed(3)} (${Math.min(...ratios).toFixed(3)}-${Math.max(...ratios).toFixed(3)})`
  })
}
