/**
 * Where a gateway call's time goes (not part of `npm run bench`): CPU µs per
 * call, 64 concurrent, of each layer on its own against the loopback server,
 * median of ROUNDS (default 3) with min-max, in this one process:
 *
 *   node scripts/run.mjs tsx bench/gateway-breakdown.ts
 *
 * - fetch: Node's fetch straight to the server (the bench's load client);
 * - HttpClient: Effect's client on undici straight to the server;
 * - backend.chat: our OpenAI backend (pipeline, provider, transport) on that client;
 * - router.chat: the gateway's router over that backend;
 * - gateway, stub backend: fetch to the gateway whose router answers at once
 *   (the HTTP serving and the gateway's own work, plus the fetch client);
 * - bare route: fetch to an Effect HttpRouter route that reads the body and
 *   answers the same JSON (the floor the gateway's own work sits on).
 *
 * ONLY=name,name runs just the rows whose label starts with one of them (e.g. to profile one with --cpu-prof).
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Layer } from "effect"
import { HttpClient, HttpClientRequest, HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "effect/http"
import { createServer } from "node:http"
import * as Message from "../src/domain/Message.ts"
import { hashKey } from "../src/gateway/Clients.ts"
import * as Gateway from "../src/gateway/Gateway.ts"
import * as GatewayConfig from "../src/gateway/GatewayConfig.ts"
import * as OpenAiWire from "../src/gateway/OpenAiWire.ts"
import * as Support from "./support.ts"
import * as UndiciHttpClient from "../src/node/UndiciHttpClient.ts"

const ROUNDS = Number(process.env["ROUNDS"] ?? "3")
const body = JSON.stringify({ model: "bench-model", messages: [{ role: "user", content: "Hi" }] })

// CPU of this process per call over `ms` of 64 concurrent calls.
const cpuPerCall = async (f: () => Promise<unknown>, ms: number) => {
  let done = 0
  const deadline = Date.now() + ms
  const before = process.cpuUsage()
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (Date.now() < deadline) {
      await f()
      done++
    }
  }))
  const used = process.cpuUsage(before)
  return (used.user + used.system) / done
}

const portOf = (context: Context.Context<HttpServer.HttpServer>) => {
  const address = Context.get(context, HttpServer.HttpServer).address
  return address._tag === "UnixPathAddress" ? 0 : address.port
}

const program = Effect.gen(function*() {
  const server = yield* Effect.acquireRelease(Effect.promise(() => Support.startServer()), (s) => Effect.sync(s.stop))
  process.env["BENCH_UPSTREAM_KEY"] = Support.KEY
  const clientContext = yield* Layer.build(UndiciHttpClient.layer)
  const client = Context.get(clientContext, HttpClient.HttpClient)
  const config = yield* GatewayConfig.fromJson({
    listen: { host: "127.0.0.1", port: 0 },
    clients: [{ name: "bench", keyHash: hashKey("bench-client") }],
    accessLog: false,
    backends: [{ name: "up", provider: "openai", baseUrl: server.url, apiKeyEnv: "BENCH_UPSTREAM_KEY", model: "bench-model", policy: { max_concurrent_requests: 64, queue_size: 100000, max_retries: 2 } }]
  })
  const gateway = yield* Gateway.make(config).pipe(Effect.provideContext(clientContext))
  const request = { model: "bench-model", messages: [Message.user("Hi")] }
  const answer = yield* gateway.backends.router.chat(request)
  const stubbed: Gateway.Gateway = { ...gateway, backends: { ...gateway.backends, router: { ...gateway.backends.router, chat: () => Effect.succeed(answer) } } }
  const stubPort = portOf(yield* Layer.build(Gateway.layer(stubbed, { port: 0 })))
  const fixed = JSON.stringify(OpenAiWire.completion(answer, "chatcmpl-bench", 0))
  const bare = HttpRouter.add("POST", "/v1/chat/completions", Effect.gen(function*() {
    const incoming = yield* HttpServerRequest.HttpServerRequest
    JSON.parse(yield* Effect.orDie(incoming.text))
    return HttpServerResponse.text(fixed, { contentType: "application/json" })
  }))
  const barePort = portOf(yield* Layer.build(HttpRouter.serve(bare, { disableLogger: true, disableListenLog: true }).pipe(
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
  )))
  const post = (url: string, key: string) => () =>
    fetch(url, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body }).then((r) => r.text())
  const backend = gateway.backends.byName.get("up")!
  const all: ReadonlyArray<readonly [string, () => Promise<unknown>]> = [
    ["fetch", post(`${server.url}/chat/completions`, Support.KEY)],
    ["HttpClient (undici)", () =>
      Effect.runPromise(client.execute(HttpClientRequest.post(`${server.url}/chat/completions`).pipe(
        HttpClientRequest.bodyText(body, "application/json"),
        HttpClientRequest.bearerToken(Support.KEY)
      )).pipe(Effect.flatMap((r) => r.text), Effect.scoped))],
    ["backend.chat", () => Effect.runPromise(backend.chat(request))],
    ["router.chat", () => Effect.runPromise(gateway.backends.router.chat(request))],
    ["gateway, stub backend", post(`http://127.0.0.1:${stubPort}/v1/chat/completions`, "bench-client")],
    ["bare route", post(`http://127.0.0.1:${barePort}/v1/chat/completions`, "bench-client")]
  ]
  const only = process.env["ONLY"]?.split(",")
  const cases = only === undefined ? all : all.filter(([label]) => only.some((name) => label.startsWith(name)))
  const rows = yield* Effect.promise(async () => {
    for (const [, f] of cases) await cpuPerCall(f, 300)
    const samples = cases.map(() => [] as Array<number>)
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, [, f]] of cases.entries()) samples[i]!.push(await cpuPerCall(f, 1500))
    }
    return samples
  })
  console.log(`CPU µs per call at 64 concurrent, this process, median of ${ROUNDS} (min-max)`)
  for (const [i, [label]] of cases.entries()) console.log(`${label.padEnd(24)} ${Support.fmt(Support.summarize(rows[i]!), 0)}`)
}).pipe(Effect.scoped)

Effect.runPromise(program).then(() => process.exit(0))
