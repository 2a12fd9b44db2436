// Where a call's CPU goes at 64 concurrent, layer by layer (not part of `npm run bench`): the raw
// Effect HttpClient on undici to the loopback server, then each layer of ours added on top, in one
// process, interleaved rounds, each layer's extra CPU per call read against `raw` in the same round:
//
//   node scripts/run.mjs node --experimental-transform-types --no-warnings bench/loopback/layers.mts
//
// - raw: HttpClient execute + JSON body (the bench's "HttpClient undici" row);
// - client span: the same request as ours builds it, through `ClientSpan.around` and `Outbound.execute`;
// - transport: `ProviderHttp.json` with the wire Schema's hand check (headers checked, body capped);
// - translation: the OpenAI provider's `chat` on that transport (request to wire, wire to domain);
// - backend: the whole backend (validation, the call's record, queue, breaker, key, retry, attempt timeout, stats).
//
// MEM=1 swaps the loopback server for an in-memory client that answers after a `setImmediate` (an
// answer that suspends, like a socket, without the kernel); FETCH=1 runs every layer on
// `FetchHttpClient` instead of undici, LEAN=1 on our `UndiciHttpClient`. C (default 64), ROUNDS (12), MS (1000).
import { Effect, Layer, Redacted } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest, HttpClientResponse } from "effect/http"
import { Message } from "../../src/index.ts"
import * as Validate from "../../src/pipeline/Validate.ts"
import * as Dialect from "../../src/providers/openai-compat/Dialect.ts"
import * as OpenAiCompat from "../../src/providers/openai-compat/OpenAiCompat.ts"
import * as Wire from "../../src/providers/openai-compat/Wire.ts"
import * as WireShape from "../../src/providers/openai-compat/WireShape.ts"
import * as ClientSpan from "../../src/transport/ClientSpan.ts"
import * as Outbound from "../../src/transport/Outbound.ts"
import * as ProviderHttp from "../../src/transport/ProviderHttp.ts"
import { UndiciHttpClient } from "../../src/node/index.ts"
import * as Support from "../support.ts"
import * as Transports from "../transports.ts"

const C = Number(process.env["C"] ?? 64)
const ROUNDS = Number(process.env["ROUNDS"] ?? 12)
const MS = Number(process.env["MS"] ?? 1000)

const length = String(Buffer.byteLength(Support.completionBody))
const suspending = Layer.succeed(HttpClient.HttpClient)(HttpClient.make((request) =>
  Effect.callback<HttpClientResponse.HttpClientResponse>((resume) => {
    setImmediate(() =>
      resume(Effect.succeed(HttpClientResponse.fromWeb(request, new Response(Support.completionBody, { headers: { "content-type": "application/json", "content-length": length } }))))
    )
  })
))

const program = Effect.scoped(Effect.gen(function*() {
  const server = process.env["MEM"] ? undefined : yield* Effect.acquireRelease(Effect.promise(() => Support.startServer()), (s) => Effect.sync(s.stop))
  const url = server?.url ?? "http://memory.invalid/v1"
  const context = yield* Layer.build(server === undefined ? suspending : process.env["FETCH"] ? FetchHttpClient.layer : process.env["LEAN"] ? UndiciHttpClient.layer : Transports.undiciLayer)
  const client = Layer.succeedContext(context)
  const http = yield* Effect.provide(Effect.service(HttpClient.HttpClient), client)
  const wire = { model: "bench-model", messages: [{ role: "user", content: "Hi" }] }
  const key = Redacted.make(Support.KEY)
  const call = { requestId: "req_0123456789abcdef", model: "bench-model", apiKey: key, keyName: "default" }
  const utf8 = new TextDecoder()
  const request = () =>
    HttpClientRequest.make("POST")(`${url}/chat/completions`, { accept: "application/json" }).pipe(
      HttpClientRequest.bodyJsonUnsafe(wire),
      HttpClientRequest.setHeader("x-client-request-id", call.requestId),
      HttpClientRequest.bearerToken(key)
    )
  const redaction: ClientSpan.Redaction = { secretHeaders: [], scrub: (text) => text }
  const transport = yield* Effect.provide(
    ProviderHttp.make({ provider: "openai", baseUrl: url, secrets: [key], requestIdHeader: "x-client-request-id", providerRequestIdHeaders: ["x-request-id"] }),
    client
  )
  const provider = OpenAiCompat.make(transport, Dialect.openai)
  const checked = Validate.chatRequestResult("openai", { messages: [Message.user("Hi")] })
  if (checked._tag === "Failure") return yield* Effect.die(checked.failure)
  const backend = yield* Effect.provide(Support.backend(url, C), client)
  const input = { messages: [Message.user("Hi")] }

  const all: ReadonlyArray<readonly [string, Effect.Effect<unknown, unknown>]> = [
    ["raw", Effect.suspend(() => Effect.flatMap(http.execute(HttpClientRequest.bodyJsonUnsafe(HttpClientRequest.bearerToken(HttpClientRequest.post(`${url}/chat/completions`), Support.KEY), wire)), (r) => r.json))],
    ["client span", Effect.suspend(() =>
      Effect.flatMap(
        ClientSpan.around(request(), () => ({}), redaction, (outgoing) =>
          Effect.map(Effect.orDie(Outbound.execute(http, outgoing, [])), (response) => ({ response, headers: response.headers }))),
        ({ response }) => Effect.map(response.arrayBuffer, (buffer) => JSON.parse(utf8.decode(buffer)))
      ))],
    ["transport", Effect.suspend(() => transport.json({ method: "POST", path: "/chat/completions", body: wire }, call, Wire.ChatCompletion, WireShape.isCompletion))],
    ["translation", Effect.suspend(() => provider.chat!(checked.success, call))],
    ["backend", Effect.suspend(() => backend.chat(input))]
  ]
  const only = process.env["ONLY"]?.split(",")
  const layers = only === undefined ? all : all.filter(([name]) => only.includes(name))

  const load = (one: Effect.Effect<unknown, unknown>, ms: number) => Effect.gen(function*() {
    const deadline = Date.now() + ms
    let done = 0
    yield* Effect.all(Array.from({ length: C }, () => Effect.gen(function*() {
      while (Date.now() < deadline) {
        yield* one
        done++
      }
    })), { concurrency: "unbounded", discard: true })
    return done
  })
  for (const [, one] of layers) yield* load(one, 700)
  const cpu = layers.map(() => [] as Array<number>)
  const rate = layers.map(() => [] as Array<number>)
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order, so no layer always runs right after the same one.
    const order = round % 2 === 0 ? layers.map((_, i) => i) : layers.map((_, i) => layers.length - 1 - i)
    for (const i of order) {
      const before = process.cpuUsage()
      const started = Date.now()
      const done = yield* load(layers[i]![1], MS)
      const used = process.cpuUsage(before)
      cpu[i]!.push((used.user + used.system) / done)
      rate[i]!.push((done * 1000) / (Date.now() - started))
    }
  }
  const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[values.length >> 1]!
  console.log(`CPU µs per call at ${C} concurrent (${server === undefined ? "in memory, answered after setImmediate" : process.env["FETCH"] ? "fetch, loopback" : process.env["LEAN"] ? "lean undici client, loopback" : "undici, loopback"}), median of ${ROUNDS} rounds`)
  console.log(`${"layer".padEnd(12)} ${"CPU/call".padStart(9)} ${"over raw".padStart(9)} ${"calls/s".padStart(8)}  ratio to raw (min-max)`)
  layers.forEach(([name], i) => {
    const over = cpu[i]!.map((x, r) => x - cpu[0]![r]!)
    const ratios = rate[i]!.map((x, r) => x / rate[0]![r]!)
    console.log(`${name.padEnd(12)} ${median(cpu[i]!).toFixed(1).padStart(9)} ${median(over).toFixed(1).padStart(9)} ${median(rate[i]!).toFixed(0).padStart(8)}  ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`)
  })
}))

Effect.runPromise(program)
