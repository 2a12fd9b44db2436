/**
 * 6. The gateway: the same client (Node's fetch with a keep-alive agent)
 * straight to the loopback server and through the gateway (pipeline on, one
 * backend over the server). Sequential calls give the added latency
 * p50/p99; 64 concurrent give the throughput ratio. Every answer must be a
 * 200: a run that measured errors fails rather than print a number.
 *
 * Measured two ways, each against direct calls in the same run:
 * - `own process`: the gateway served by its CLI in a child process, as it is
 *   deployed (and as the issue measured its peers): load client, gateway and
 *   server are three processes on the machine's 2 cores;
 * - `in process`: the gateway in the bench's own process, sharing one event
 *   loop with the load client (the first round's row).
 */
import { Context, Effect, Layer } from "effect"
import { HttpServer } from "effect/http"
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { hashKey } from "../src/gateway/Clients.ts"
import * as Gateway from "../src/gateway/Gateway.ts"
import * as GatewayConfig from "../src/gateway/GatewayConfig.ts"
import * as Support from "./support.ts"
import * as UndiciHttpClient from "../src/node/UndiciHttpClient.ts"

const body = JSON.stringify({ model: "bench-model", messages: [{ role: "user", content: "Hi" }] })

export interface Row {
  readonly directP50Ms: number
  readonly directP99Ms: number
  readonly gatewayP50Ms: number
  readonly gatewayP99Ms: number
  readonly addedP50Ms: number
  readonly addedP99Ms: number
  readonly directPerSecond: number
  readonly gatewayPerSecond: number
  readonly ratio: number
  /** CPU time of the gateway's process per call during the 64-concurrent run (own process only, Linux). */
  readonly gatewayCpuUsPerCall?: number | undefined
}

const call = (url: string, key: string) => () =>
  fetch(`${url}/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body }).then(
    async (r) => {
      const text = await r.text()
      if (r.status !== 200) throw new Error(`${url}: status ${r.status}: ${text.slice(0, 300)}`)
    }
  )

const latency = async (f: () => Promise<unknown>, n: number) => {
  const times: Array<number> = []
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    await f()
    times.push(performance.now() - t)
  }
  times.sort((a, b) => a - b)
  return { p50: Support.percentile(times, 0.5), p99: Support.percentile(times, 0.99) }
}

const throughput = async (f: () => Promise<unknown>, concurrency: number, ms: number) => {
  let done = 0
  const deadline = Date.now() + ms
  const start = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < deadline) {
      await f()
      done++
    }
  }))
  return done / ((performance.now() - start) / 1000)
}

const configOf = (upstream: string) => ({
  listen: { host: "127.0.0.1", port: 0 },
  clients: [{ name: "bench", keyHash: hashKey("bench-client") }],
  accessLog: false,
  backends: [{
    name: "up",
    provider: "openai",
    baseUrl: upstream,
    apiKeyEnv: "BENCH_UPSTREAM_KEY",
    model: "bench-model",
    policy: { max_concurrent_requests: 64, queue_size: 100000, max_retries: 2 }
  }]
})

// User + system CPU of a process in µs, from /proc (undefined elsewhere).
const cpuOf = (pid: number | undefined): number | undefined => {
  if (pid === undefined) return undefined
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
    return (Number(fields[11]) + Number(fields[12])) * (1_000_000 / 100)
  } catch {
    return undefined
  }
}

const measure = (direct: () => Promise<unknown>, viaGateway: () => Promise<unknown>, n: number, ms: number, pid?: number) =>
  Effect.promise(async (): Promise<Row> => {
    await latency(direct, 200)
    await latency(viaGateway, 200)
    const d = await latency(direct, n)
    const g = await latency(viaGateway, n)
    await throughput(direct, 64, 300)
    await throughput(viaGateway, 64, 300)
    const dps = await throughput(direct, 64, ms)
    const cpuBefore = cpuOf(pid)
    const gps = await throughput(viaGateway, 64, ms)
    const cpuAfter = cpuOf(pid)
    return {
      directP50Ms: d.p50,
      directP99Ms: d.p99,
      gatewayP50Ms: g.p50,
      gatewayP99Ms: g.p99,
      addedP50Ms: g.p50 - d.p50,
      addedP99Ms: g.p99 - d.p99,
      directPerSecond: dps,
      gatewayPerSecond: gps,
      ratio: gps / dps,
      gatewayCpuUsPerCall: cpuBefore === undefined || cpuAfter === undefined ? undefined : (cpuAfter - cpuBefore) / (gps * (ms / 1000))
    }
  })

/** The gateway in this process. */
export const inProcess = (n: number, ms: number) =>
  Effect.gen(function*() {
    const server = yield* Effect.acquireRelease(Effect.promise(() => Support.startServer()), (s) => Effect.sync(s.stop))
    process.env["BENCH_UPSTREAM_KEY"] = Support.KEY
    const config = yield* GatewayConfig.fromJson(configOf(server.url))
    // The client layer lives as long as the bench's scope: provided to
    // `make` alone, its dispatcher would be closed once `make` returns and
    // every upstream call would fail.
    const upstreamClient = yield* Layer.build(UndiciHttpClient.layer)
    const gateway = yield* Gateway.make(config).pipe(Effect.provideContext(upstreamClient))
    const served = yield* Layer.build(Gateway.layer(gateway))
    const address = Context.get(served, HttpServer.HttpServer).address
    const through = `http://127.0.0.1:${address._tag === "UnixPathAddress" ? 0 : address.port}/v1`
    return yield* measure(call(server.url, Support.KEY), call(through, "bench-client"), n, ms)
  }).pipe(Effect.scoped)

const cli = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "gateway", "cli.ts")

// Serves the gateway through its CLI in a child process; resolves with its base URL.
const startGateway = (upstream: string) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<{ readonly url: string; readonly pid: number | undefined; readonly stop: () => void }>((resolve, reject) => {
        const file = join(mkdtempSync(join(tmpdir(), "bench-gateway-")), "gateway.json")
        writeFileSync(file, JSON.stringify(configOf(upstream)))
        // GATEWAY_CLI=<file> serves another CLI (e.g. an older tree's, for an A/B in one run).
        const child = spawn(process.execPath, ["--experimental-transform-types", "--no-warnings", process.env["GATEWAY_CLI"] ?? cli, "serve", "--config", file, "--port", "0"], {
          env: { ...process.env, BENCH_UPSTREAM_KEY: Support.KEY },
          stdio: ["ignore", "pipe", "inherit"]
        })
        child.once("error", reject)
        child.once("exit", (code) => reject(new Error(`the gateway exited (${code}) before listening`)))
        let out = ""
        child.stdout.on("data", (data: Buffer) => {
          out += String(data)
          const port = /listening on http:\/\/[^:]+:(\d+)/.exec(out)?.[1]
          if (port !== undefined) resolve({ url: `http://127.0.0.1:${port}/v1`, pid: child.pid, stop: () => child.kill("SIGTERM") })
        })
      })
    ),
    (g) => Effect.sync(g.stop)
  )

/** The gateway in its own process, as deployed. */
export const ownProcess = (n: number, ms: number) =>
  Effect.gen(function*() {
    const server = yield* Effect.acquireRelease(Effect.promise(() => Support.startServer()), (s) => Effect.sync(s.stop))
    const gateway = yield* startGateway(server.url)
    return yield* measure(call(server.url, Support.KEY), call(gateway.url, "bench-client"), n, ms, gateway.pid)
  }).pipe(Effect.scoped)

/** Both, each `runs` times. */
export const run = (runs: number, n: number, ms: number) =>
  Effect.gen(function*() {
    const own: Array<Row> = []
    const inside: Array<Row> = []
    for (let i = 0; i < runs; i++) {
      own.push(yield* ownProcess(n, ms))
      inside.push(yield* inProcess(n, ms))
    }
    return { ownProcess: own, inProcess: inside }
  })
