/**
 * Four worker processes, one OpenAI-style backend, one `requestsPerMinute`
 * limit shared through Redis: starts a throwaway `redis-server` (when it is
 * installed) and a local fake OpenAI server, forks the workers, and prints
 * the combined rate the server saw. Run: `npm run example examples/shared-limits.ts`.
 */
import { Effect, Layer, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { Message, OpenAi } from "effect-llm-backends"
import { RedisState } from "effect-llm-backends/redis"
import { fork, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import * as Http from "node:http"
import * as Net from "node:net"
import { fileURLToPath } from "node:url"

const LIMIT = 120 // requests per minute, for all workers together
const WORKERS = 4

if (process.argv[2] === "worker") {
  const [, , , baseUrl, redisUrl] = process.argv

  const program = Effect.gen(function*() {
    const llm = yield* OpenAi.make({ apiKey: Redacted.make("sk-demo"), baseUrl, model: "demo", policy: { requestsPerMinute: LIMIT, retryAfterCap: "5 seconds", deadline: "6 seconds" } })
    const results = yield* Effect.forEach(Array.from({ length: 40 }), () => Effect.exit(llm.chat({ messages: [Message.user("hi")] })), { concurrency: 4 })
    process.send!({ ok: results.filter((r) => r._tag === "Success").length, mode: (yield* llm.monitor.stats).shared_state })
  })

  Effect.runPromise(program.pipe(
    Effect.provide(Layer.mergeAll(RedisState.layer({ redis: { url: redisUrl! }, prefix: `demo-${process.ppid}`, timeout: 500 }), FetchHttpClient.layer))
  )).then(() => process.exit(0))
} else {
  const port = await new Promise<number>((resolve) => {
    const probe = Net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as Net.AddressInfo
      probe.close(() => resolve(port))
    })
  })
  const binary = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].find((path) => existsSync(path))
  const redis = binary === undefined ? undefined : spawn(binary, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" })
  if (redis === undefined) console.log("redis-server not found: each worker falls back to its own limit (expect about 4x the rate)")
  await new Promise((resolve) => setTimeout(resolve, 300))

  const arrivals: Array<number> = []
  const server = Http.createServer((req, res) => {
    req.resume()
    req.on("end", () => {
      arrivals.push(Date.now())
      res.writeHead(200, { "content-type": "application/json" })
      res.end(JSON.stringify({ id: "1", object: "chat.completion", created: 1, model: "demo", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }] }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const baseUrl = `http://127.0.0.1:${(server.address() as Net.AddressInfo).port}/v1`
  const self = fileURLToPath(import.meta.url)
  const started = Date.now()
  const reports = await Promise.all(Array.from({ length: WORKERS }, () =>
    new Promise<{ ok: number; mode: string }>((resolve) => {
      const child = fork(self, ["worker", baseUrl, `redis://127.0.0.1:${port}`], { execArgv: ["--import", "tsx"], stdio: ["ignore", "ignore", "inherit", "ipc"] })
      child.on("message", (message) => resolve(message as { ok: number; mode: string }))
    })))
  const seconds = (Date.now() - started) / 1000
  reports.forEach((r, i) => console.log(`worker ${i + 1}: ${r.ok} calls answered (state: ${r.mode})`))
  console.log(`all workers: ${arrivals.length} requests in ${seconds.toFixed(1)} s; limit ${LIMIT}/min allows ${LIMIT} at once plus ${LIMIT / 60}/s`)
  server.close()
  redis?.kill("SIGKILL")
}
