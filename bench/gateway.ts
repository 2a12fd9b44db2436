/**
 * 6. The gateway: the same client (Node's fetch with a keep-alive agent)
 * straight to the loopback server and through the gateway (in this process,
 * pipeline on, one backend over the server). Sequential calls give the
 * added latency p50/p99; 64 concurrent give the throughput ratio. Both
 * sides share the 2 cores with the server process, as the issue measures.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { Context, Effect, Layer } from "effect"
import { HttpServer } from "effect/http"
import { hashKey } from "../src/gateway/Clients.ts"
import * as Gateway from "../src/gateway/Gateway.ts"
import * as GatewayConfig from "../src/gateway/GatewayConfig.ts"
import * as Support from "./support.ts"

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
}

const call = (url: string, key: string) => () =>
  fetch(`${url}/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body }).then((r) => r.text())

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

export const run = (n: number, ms: number) =>
  Effect.gen(function*() {
    const server = yield* Effect.acquireRelease(Effect.promise(() => Support.startServer()), (s) => Effect.sync(s.stop))
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
    const upstreamClient = yield* Layer.build(NodeHttpClient.layerUndici)
    const gateway = yield* Gateway.make(config).pipe(Effect.provideContext(upstreamClient))
    const served = yield* Layer.build(Gateway.layer(gateway))
    const address = Context.get(served, HttpServer.HttpServer).address
    const through = `http://127.0.0.1:${address._tag === "UnixPathAddress" ? 0 : address.port}/v1`
    const direct = call(server.url, Support.KEY)
    const viaGateway = call(through, "bench-client")
    return yield* Effect.promise(async () => {
      await latency(direct, 200)
      await latency(viaGateway, 200)
      const d = await latency(direct, n)
      const g = await latency(viaGateway, n)
      await throughput(direct, 64, 300)
      await throughput(viaGateway, 64, 300)
      const dps = await throughput(direct, 64, ms)
      const gps = await throughput(viaGateway, 64, ms)
      return {
        directP50Ms: d.p50,
        directP99Ms: d.p99,
        gatewayP50Ms: g.p50,
        gatewayP99Ms: g.p99,
        addedP50Ms: g.p50 - d.p50,
        addedP99Ms: g.p99 - d.p99,
        directPerSecond: dps,
        gatewayPerSecond: gps,
        ratio: gps / dps
      } satisfies Row
    })
  }).pipe(Effect.scoped)
