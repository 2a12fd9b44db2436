// Scratch: the gateway of an old tree against the tree now, in one process, interleaved rounds:
// CPU µs per call at 64 concurrent fetch clients through a gateway whose router is a stub, and through
// the real router and backend to the loopback server. Put the old tree in .ab/old first:
// `rm -rf .ab/old && mkdir -p .ab/old && git archive <REV> src | tar -x -C .ab/old && ln -sfn ../../node_modules .ab/old/node_modules`,
// then `node scripts/run.mjs node --experimental-transform-types --no-warnings bench/loopback/gatewayab.mts` (ROUNDS=8).
import { NodeHttpClient } from "@effect/platform-node"
import { Context, Effect, Layer } from "effect"
import { HttpServer } from "effect/http"
import * as Support from "../support.ts"
const trees = { old: "../../.ab/old/src", new: "../../src" } as const
const body = JSON.stringify({ model: "bench-model", messages: [{ role: "user", content: "Hi" }] })
const cpuPerCall = async (f: () => Promise<unknown>, ms: number) => {
  let done = 0; const deadline = Date.now() + ms; const before = process.cpuUsage()
  await Promise.all(Array.from({ length: 64 }, async () => { while (Date.now() < deadline) { await f(); done++ } }))
  const used = process.cpuUsage(before); return (used.user + used.system) / done
}
const program = Effect.scoped(Effect.gen(function*() {
  const server = yield* Effect.acquireRelease(Effect.promise(() => Support.startServer()), (s) => Effect.sync(s.stop))
  process.env["BENCH_UPSTREAM_KEY"] = Support.KEY
  const clientContext = yield* Layer.build(NodeHttpClient.layerUndici)
  const cases: Array<[string, () => Promise<unknown>]> = []
  for (const [label, root] of Object.entries(trees)) {
    const Gateway = yield* Effect.promise(() => import(`${root}/gateway/Gateway.ts`))
    const GatewayConfig = yield* Effect.promise(() => import(`${root}/gateway/GatewayConfig.ts`))
    const { hashKey } = yield* Effect.promise(() => import(`${root}/gateway/Clients.ts`))
    const Message = yield* Effect.promise(() => import(`${root}/domain/Message.ts`))
    const config = yield* GatewayConfig.fromJson({
      listen: { host: "127.0.0.1", port: 0 }, clients: [{ name: "bench", keyHash: hashKey("bench-client") }], accessLog: false,
      backends: [{ name: "up", provider: "openai", baseUrl: server.url, apiKeyEnv: "BENCH_UPSTREAM_KEY", model: "bench-model", policy: { max_concurrent_requests: 64, queue_size: 100000, max_retries: 2 } }]
    })
    const gateway = yield* Gateway.make(config).pipe(Effect.provideContext(clientContext))
    const answer = yield* gateway.backends.router.chat({ model: "bench-model", messages: [Message.user("Hi")] })
    const stubbed = { ...gateway, backends: { ...gateway.backends, router: { ...gateway.backends.router, chat: () => Effect.succeed(answer) } } }
    const port = (c: Context.Context<HttpServer.HttpServer>) => (Context.get(c, HttpServer.HttpServer).address as any).port
    const stubPort = port(yield* Layer.build(Gateway.layer(stubbed, { port: 0 })))
    const realPort = port(yield* Layer.build(Gateway.layer(gateway, { port: 0 })))
    const post = (p: number) => () => fetch(`http://127.0.0.1:${p}/v1/chat/completions`, { method: "POST", headers: { authorization: "Bearer bench-client", "content-type": "application/json" }, body }).then(async (r) => { const t = await r.text(); if (r.status !== 200) throw new Error(t) })
    cases.push([`${label} stub`, post(stubPort)], [`${label} real`, post(realPort)])
  }
  yield* Effect.promise(async () => {
    for (const [, f] of cases) await cpuPerCall(f, 500)
    const got = new Map<string, Array<number>>()
    const rounds = Number(process.env.ROUNDS ?? 8)
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? cases : [...cases].reverse()
      for (const [k, f] of order) { const v = await cpuPerCall(f, 700); got.set(k, [...(got.get(k) ?? []), v]) }
    }
    for (const line of Support.oldAgainstNew(got, ["stub", "real"])) console.log(line)
  })
}))
// The trees are imported at run time, so their services are not known to the type checker.
await Effect.runPromise(program as Effect.Effect<void, unknown>)
