// Scratch: what a queued call is made of (heap snapshot diff with QUEUED calls waiting):
// `node scripts/run.mjs node --expose-gc --experimental-transform-types --no-warnings bench/loopback/queueheap.mts`
// (BARE=1: the same for bare fibers waiting on a Deferred, the baseline)
import { Deferred, Effect, Fiber } from "effect"
import { writeHeapSnapshot } from "node:v8"
import { readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { ChatRequest } from "../../src/domain/Chat.ts"
import * as Message from "../../src/domain/Message.ts"
import * as Memory from "../memory.ts"
const QUEUED = 10000
const request = new ChatRequest({ model: "m", messages: [Message.user("Hi")] })
const summarize = (file: string) => {
  const snap = JSON.parse(readFileSync(file, "utf8"))
  const f = snap.snapshot.meta.node_fields as Array<string>; const types = snap.snapshot.meta.node_types[0] as Array<string>
  const n = f.length; const nodes = snap.nodes as Array<number>; const strings = snap.strings as Array<string>
  const it = f.indexOf("type"), iname = f.indexOf("name"), isize = f.indexOf("self_size")
  const m = new Map<string, [number, number]>()
  for (let i = 0; i < nodes.length; i += n) {
    const k = `${types[nodes[i + it]!]}:${strings[nodes[i + iname]!]!.slice(0, 60)}`
    const e = m.get(k) ?? [0, 0]; e[0]++; e[1] += nodes[i + isize]!; m.set(k, e)
  }
  return m
}
const program = Effect.gen(function*() {
  const { holder, queued } = yield* Memory.saturated(QUEUED)
  for (let i = 0; i < 100; i++) yield* Effect.yieldNow
  ;(globalThis as any).gc?.()
  const a = writeHeapSnapshot(`${tmpdir()}/queued-0.heapsnapshot`)
  const fibers = []
  // BARE=1: the baseline, bare fibers each waiting on a Deferred (what any waiting caller costs).
  const bare = yield* Deferred.make<void>()
  let started = 0
  const one = process.env["BARE"] === "1" ? Effect.andThen(Effect.sync(() => started++), Deferred.await(bare)) : queued.chat(request)
  for (let i = 0; i < QUEUED; i++) fibers.push(yield* Effect.forkChild(one))
  while (process.env["BARE"] === "1" ? started < QUEUED : (yield* queued.monitor.stats).queue_depth < QUEUED) yield* Effect.yieldNow
  ;(globalThis as any).gc?.()
  const b = writeHeapSnapshot(`${tmpdir()}/queued-1.heapsnapshot`)
  const m0 = summarize(a), m1 = summarize(b)
  const rows = [...m1].map(([k, [c, s]]) => [k, c - (m0.get(k)?.[0] ?? 0), s - (m0.get(k)?.[1] ?? 0)] as const).filter((r) => r[2] > QUEUED * 4).sort((x, y) => y[2] - x[2])
  let total = 0
  for (const r of [...m1].map(([k, [, s]]) => s - (m0.get(k)?.[1] ?? 0))) total += r
  console.log("total bytes per queued call", (total / QUEUED).toFixed(0))
  for (const [k, c, s] of rows.slice(0, 45)) console.log((s / QUEUED).toFixed(0).padStart(6), "B", (c / QUEUED).toFixed(2).padStart(6), "per call ", k)
  yield* Effect.forEach(fibers, Fiber.interrupt, { discard: true })
  yield* Fiber.interrupt(holder)
})
await Effect.runPromise(program as Effect.Effect<void, unknown>)
