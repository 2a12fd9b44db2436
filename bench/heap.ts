/**
 * `npm run bench:heap`: where a long run's heap goes. Runs CALLS calls (default
 * 1,000,000) through the pipeline with an in-memory provider, prints the heap
 * (after a full GC) at checkpoints, and with SNAPSHOT=1 takes a heap snapshot
 * after 10,000 calls and at the end and prints the object groups (constructor
 * or type name) whose count grew most: a bounded structure shows no growth.
 * With QUEUED=n (and no CALLS run), diffs snapshots before and while n calls
 * wait for a permit instead: what a waiting call is made of.
 * Needs --expose-gc (the script passes it).
 */
import { Deferred, Effect, Fiber } from "effect"
import { writeHeapSnapshot } from "node:v8"
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { Session } from "node:inspector"

import { ChatRequest, ChatResponse } from "../src/domain/Chat.ts"
import * as Content from "../src/domain/Content.ts"
import * as Message from "../src/domain/Message.ts"
import * as Pipeline from "../src/pipeline/Pipeline.ts"
import * as Policy from "../src/pipeline/Policy.ts"
import type { Provider } from "../src/pipeline/Provider.ts"
import * as Support from "./support.ts"

interface Snapshot {
  readonly snapshot: { readonly meta: { readonly node_fields: ReadonlyArray<string>; readonly node_types: ReadonlyArray<unknown> } }
  readonly nodes: ReadonlyArray<number>
  readonly strings: ReadonlyArray<string>
}

/** Count and self size per object group ("type:name") of one snapshot file. */
const groups = (file: string): Map<string, { count: number; bytes: number }> => {
  const data = JSON.parse(readFileSync(file, "utf8")) as Snapshot
  const fields = data.snapshot.meta.node_fields
  const types = data.snapshot.meta.node_types[0] as ReadonlyArray<string>
  const width = fields.length
  const [typeAt, nameAt, sizeAt] = [fields.indexOf("type"), fields.indexOf("name"), fields.indexOf("self_size")]
  const out = new Map<string, { count: number; bytes: number }>()
  for (let i = 0; i < data.nodes.length; i += width) {
    const type = types[data.nodes[i + typeAt]!]!
    const name = type === "string" || type === "concatenated string" || type === "sliced string" ? "" : data.strings[data.nodes[i + nameAt]!]!
    const key = `${type}:${name.slice(0, 60)}`
    const entry = out.get(key) ?? { count: 0, bytes: 0 }
    entry.count++
    entry.bytes += data.nodes[i + sizeAt]!
    out.set(key, entry)
  }
  return out
}

const snap = (name: string): string => {
  Support.gc()
  return writeHeapSnapshot(`.bench/${name}.heapsnapshot`)
}

const request = new ChatRequest({ model: "m", messages: [Message.user("Hi")] })
const response = new ChatResponse({ provider: "memory", model: "m", content: [Content.text("ok")], finishReason: "stop" })

const diff = (first: string, last: string) => {
  const [a, b] = [groups(first), groups(last)]
  const grown = [...b.entries()].map(([key, v]) => {
    const before = a.get(key) ?? { count: 0, bytes: 0 }
    return { key, count: v.count - before.count, bytes: v.bytes - before.bytes }
  }).filter((g) => g.count !== 0 || g.bytes !== 0).sort((x, y) => y.bytes - x.bytes).slice(0, Number(process.env["TOP"] ?? "25"))
  for (const g of grown) console.log(`${String(g.count).padStart(9)} ${String(g.bytes).padStart(11)}  ${g.key}`)
  if (process.env["KEEP"] !== "1") for (const f of [first, last]) rmSync(f)
}

const queued = (n: number) =>
  Effect.gen(function*() {
    // With KEEP=1, script ids (the snapshots' closure locations) to file names.
    const scripts: Record<string, string> = {}
    const session = new Session()
    session.connect()
    session.on("Debugger.scriptParsed", (m) => {
      scripts[m.params.scriptId] = m.params.url
    })
    session.post("Debugger.enable")
    const gate = yield* Deferred.make<void>()
    const blocking: Provider = { provider: "memory", chat: () => Effect.as(Deferred.await(gate), response) }
    const policy = yield* Policy.make("memory", { maxConcurrentRequests: 1, queueSize: n + 10 })
    const backend = yield* Pipeline.make(blocking, { model: "m", policy })
    const holder = yield* Effect.forkChild(backend.chat(request))
    // Warm the path, so the snapshots differ by the waiting calls only.
    const warm = []
    for (let i = 0; i < 100; i++) warm.push(yield* Effect.forkChild(backend.chat(request)))
    yield* Effect.yieldNow
    yield* Effect.forEach(warm, Fiber.interrupt, { discard: true })
    const first = snap("queued-before")
    const fibers = []
    for (let i = 0; i < n; i++) fibers.push(yield* Effect.forkChild(backend.chat(request)))
    while ((yield* backend.monitor.stats).queue_depth < n) yield* Effect.yieldNow
    const last = snap("queued-while")
    if (process.env["KEEP"] === "1") writeFileSync(".bench/scripts.json", JSON.stringify(scripts))
    session.disconnect()
    console.log(`groups grown while ${n} calls wait (objects, bytes):`)
    diff(first, last)
    yield* Effect.forEach([holder, ...fibers], Fiber.interrupt, { discard: true })
  })

const program = Effect.gen(function*() {
  if (!Support.gc()) return yield* Effect.die("run with --expose-gc")
  mkdirSync(".bench", { recursive: true })
  if (process.env["QUEUED"] !== undefined) return yield* queued(Number(process.env["QUEUED"]))
  const total = Number(process.env["CALLS"] ?? "1000000")
  const snapshots = process.env["SNAPSHOT"] === "1"
  const provider: Provider = { provider: "memory", chat: () => Effect.succeed(response) }
  const backend = yield* Pipeline.make(provider, {
    model: "m",
    policy: yield* Policy.make("memory", { maxConcurrentRequests: 1 })
  })
  const mb = () => {
    Support.gc()
    return (process.memoryUsage().heapUsed / 1e6).toFixed(2)
  }
  let done = 0
  const checkpoints = [10_000, 100_000, 250_000, 500_000, 750_000, total].filter((n) => n <= total)
  let first: string | undefined
  for (const at of checkpoints) {
    for (; done < at; done++) yield* backend.chat(request)
    console.log(`${String(at).padStart(8)} calls: heap ${mb()} MB`)
    if (snapshots && at === 10_000) first = snap("heap-10k")
  }
  if (first === undefined) return
  const last = snap("heap-end")
  console.log("\ngroups grown from 10k to the end (objects, bytes):")
  diff(first, last)
})

Effect.runPromise(program).catch((error) => {
  console.error(error)
  process.exitCode = 1
})
