// Scratch: our backend and a router over it, of an old tree against the tree now, in one process,
// interleaved rounds: CPU µs per call at 64 concurrent on undici to the loopback server, with call
// options (as the gateway passes them). Put the old tree in .ab/old first (see gatewayab.mts), then
// `node scripts/run.mjs node --experimental-transform-types --no-warnings bench/loopback/routerab.mts` (ROUNDS=10).
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer, Redacted } from "effect"
import * as Support from "../support.ts"
const trees = { old: "../../.ab/old/src", new: "../../src" } as const
const program = Effect.scoped(Effect.gen(function*() {
  const server = yield* Effect.acquireRelease(Effect.promise(() => Support.startServer()), (s) => Effect.sync(s.stop))
  const ctx = yield* Layer.build(NodeHttpClient.layerUndici)
  const cases: Array<[string, Effect.Effect<unknown, unknown>]> = []
  for (const [label, root] of Object.entries(trees)) {
    const Lib = yield* Effect.promise(() => import(`${root}/index.ts`))
    const backend: any = yield* Effect.provideContext(Lib.OpenAi.make({ apiKey: Redacted.make(Support.KEY), baseUrl: server.url, model: "bench-model", policy: { maxConcurrentRequests: 64, queueSize: 1_000_000, maxRetries: 2, recentCalls: 100 } }), ctx)
    const router = yield* Lib.Router.make({ targets: [{ backend }] })
    const request = { model: "bench-model", messages: [Lib.Message.user("Hi")] }
    cases.push([`${label} backend`, Effect.suspend(() => backend.chat(request, { priority: "normal", requestId: "gw-abc" }))])
    cases.push([`${label} router`, Effect.suspend(() => router.chat(request, { priority: "normal", requestId: "gw-abc" }))])
  }
  const load = (one: Effect.Effect<unknown, unknown>, ms: number) => Effect.gen(function*() {
    const deadline = Date.now() + ms; let n = 0
    yield* Effect.all(Array.from({ length: 64 }, () => Effect.gen(function*() { while (Date.now() < deadline) { yield* one; n++ } })), { concurrency: "unbounded", discard: true })
    return n
  })
  for (const [, f] of cases) yield* load(f, 400)
  const got = new Map<string, Array<number>>()
  for (let r = 0; r < Number(process.env.ROUNDS ?? 10); r++) {
    const order = r % 2 === 0 ? cases : [...cases].reverse()
    for (const [k, f] of order) { const c0 = process.cpuUsage(); const n = yield* load(f, 500); const c = process.cpuUsage(c0); got.set(k, [...(got.get(k) ?? []), (c.user + c.system) / n]) }
  }
  for (const line of Support.oldAgainstNew(got, ["backend", "router"])) console.log(line)
}))
// The trees are imported at run time, so their services are not known to the type checker.
await Effect.runPromise(program as Effect.Effect<void, unknown>)
