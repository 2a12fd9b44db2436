/**
 * A profiling run of the gateway path alone (not part of `npm run bench`):
 * the loopback server in its own process, the gateway in this one, and a
 * bounded load of 64 concurrent fetch clients for SECONDS (default 5). Run
 * with PROFILE=<file> to write a CPU profile of the load alone (after a
 * one-second warm-up, so start-up and compilation stay out of it):
 *
 *   PROFILE=.bench/gateway.cpuprofile node scripts/run.mjs tsx bench/gateway-profile.ts
 *
 * STREAM=1 profiles streamed answers (20 chunks each) instead.
 */
import * as UndiciHttpClient from "../src/node/UndiciHttpClient.ts"
import { Context, Effect, Layer } from "effect"
import { HttpServer } from "effect/http"
import { writeFileSync } from "node:fs"
import { Session } from "node:inspector/promises"
import { hashKey } from "../src/gateway/Clients.ts"
import * as Gateway from "../src/gateway/Gateway.ts"
import * as GatewayConfig from "../src/gateway/GatewayConfig.ts"
import * as Support from "./support.ts"

const seconds = Number(process.env["SECONDS"] ?? "5")
const stream = process.env["STREAM"] === "1"
const body = JSON.stringify({ model: "bench-model", messages: [{ role: "user", content: "Hi" }], ...(stream ? { stream: true } : {}) })

const statuses = new Map<number, number>()
let sample: string | undefined

const program = Effect.gen(function*() {
  const server = yield* Effect.acquireRelease(Effect.promise(() => Support.startServer({ CHUNKS: "20" })), (s) => Effect.sync(s.stop))
  process.env["BENCH_UPSTREAM_KEY"] = Support.KEY
  const config = yield* GatewayConfig.fromJson({
    listen: { host: "127.0.0.1", port: 0 },
    clients: [{ name: "bench", keyHash: hashKey("bench-client") }],
    accessLog: false,
    backends: [{
      name: "up",
      provider: "openai",
      baseUrl: server.url,
      apiKeyEnv: "BENCH_UPSTREAM_KEY",
      model: "bench-model",
      policy: { max_concurrent_requests: 64, queue_size: 100000, max_retries: 2 }
    }]
  })
  // The client layer lives as long as the bench's scope: provided to \`make\`
    // alone, its dispatcher would be closed once \`make\` returns and every
    // upstream call would fail.
    const upstreamClient = yield* Layer.build(UndiciHttpClient.layer)
    const gateway = yield* Gateway.make(config).pipe(Effect.provideContext(upstreamClient))
  const served = yield* Layer.build(Gateway.layer(gateway))
  const address = Context.get(served, HttpServer.HttpServer).address
  const url = `http://127.0.0.1:${address._tag === "UnixPathAddress" ? 0 : address.port}/v1/chat/completions`
  const call = () =>
    fetch(url, { method: "POST", headers: { authorization: "Bearer bench-client", "content-type": "application/json" }, body }).then(async (r) => {
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1)
      const text = await r.text()
      if (r.status !== 200 && sample === undefined) sample = text
    })
  const load = async (ms: number) => {
    let n = 0
    const deadline = Date.now() + ms
    await Promise.all(Array.from({ length: 64 }, async () => {
      while (Date.now() < deadline) {
        await call()
        n++
      }
    }))
    return n
  }
  const profile = process.env["PROFILE"]
  const done = yield* Effect.promise(async () => {
    await load(1000)
    statuses.clear()
    const session = new Session()
    if (profile !== undefined) {
      session.connect()
      await session.post("Profiler.enable")
      await session.post("Profiler.start")
    }
    const n = await load(seconds * 1000)
    if (profile !== undefined) {
      const { profile: written } = await session.post("Profiler.stop")
      writeFileSync(profile, JSON.stringify(written))
    }
    return n
  })
  console.log([...statuses], sample)
  console.log(`${done} calls in ${seconds} s: ${(done / seconds).toFixed(0)}/s`)
}).pipe(Effect.scoped)

Effect.runPromise(program).then(() => process.exit(0))
