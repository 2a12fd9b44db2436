// Scratch: a CPU profile of 64 concurrent calls over loopback for one client of bench/transports.ts,
// with CPU per call and the samples by module:
// `CLIENT="ours undici" node scripts/run.mjs node --experimental-transform-types --no-warnings bench/loopback/c64profile.mts`
import { Effect } from "effect"
import { Session } from "node:inspector/promises"
import { writeFileSync, mkdirSync } from "node:fs"
import * as Transports from "../transports.ts"
import * as Support from "../support.ts"
const name = (process.env.CLIENT ?? "ours undici") as Transports.ClientName
await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
  const server = yield* Effect.acquireRelease(Effect.promise(() => Support.startServer()), (s) => Effect.sync(s.stop))
  const built = yield* Transports.make(server.url, 64)
  const { effect, promise } = built[name]
  const one = effect ?? Effect.promise(promise!)
  const load = (ms: number) => Effect.gen(function*() {
    const deadline = Date.now() + ms; let n = 0
    yield* Effect.all(Array.from({ length: 64 }, () => Effect.gen(function*() { while (Date.now() < deadline) { yield* one; n++ } })), { concurrency: "unbounded", discard: true })
    return n
  })
  yield* load(2000)
  const session = new Session(); session.connect()
  yield* Effect.promise(() => session.post("Profiler.enable"))
  yield* Effect.promise(() => session.post("Profiler.setSamplingInterval", { interval: Number(process.env.INTERVAL ?? 1000) }).then(() => session.post("Profiler.start")))
  const c0 = process.cpuUsage()
  const n = yield* load(4000)
  const c = process.cpuUsage(c0)
  const { profile } = yield* Effect.promise(() => session.post("Profiler.stop"))
  mkdirSync(".bench", { recursive: true })
  const file = `.bench/c64-${name.replace(" ", "-")}.cpuprofile`
  writeFileSync(file, JSON.stringify(profile))
  console.log(name, (n / 4).toFixed(0), "calls/s", ((c.user + c.system) / n).toFixed(0), "µs CPU/call;", file)
  const nodes = new Map((profile.nodes as Array<any>).map((x) => [x.id, x]))
  const module = (url: string, fn: string) =>
    !url ? (fn.startsWith("(") ? fn : "native") : url.includes("/effect/dist/http/") ? "effect/http" : url.includes("/effect/dist/Schema") ? "effect/Schema"
    : url.includes("/effect/") ? "effect core" : url.includes("platform-node") ? "@effect/platform-node" : url.includes("undici") ? "undici"
    : url.startsWith("node:") ? "node internals" : url.includes("/src/pipeline/") ? "src/pipeline" : url.includes("/src/") ? "src (transport, providers, domain)" : "other"
  const by = new Map<string, number>()
  for (const id of profile.samples as Array<number>) {
    const f = nodes.get(id).callFrame
    const k = module(f.url, f.functionName)
    by.set(k, (by.get(k) ?? 0) + 1)
  }
  const total = (profile.samples as Array<number>).length
  for (const [k, v] of [...by].sort((a, b) => b[1] - a[1])) console.log(`${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`)
})))
