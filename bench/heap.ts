/**
 * `npm run bench:heap`: where a long run's heap goes. Runs CALLS calls (default
 * 1,000,000) through the pipeline with an in-memory provider, prints the heap
 * (after a full GC) at checkpoints, and with SNAPSHOT=1 takes a heap snapshot
 * after 10,000 calls and at the end and prints the object groups (constructor
 * or type name) whose count grew most: a bounded structure shows no growth.
 * Needs --expose-gc (the script passes it).
 */
import { Effect } from "effect"
import { writeHeapSnapshot } from "node:v8"
import { mkdirSync, readFileSync, rmSync } from "node:fs"
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

const program = Effect.gen(function*() {
  if (!Support.gc()) return yield* Effect.die("run with --expose-gc")
  mkdirSync(".bench", { recursive: true })
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
  const [a, b] = [groups(first), groups(last)]
  const grown = [...b.entries()].map(([key, v]) => {
    const before = a.get(key) ?? { count: 0, bytes: 0 }
    return { key, count: v.count - before.count, bytes: v.bytes - before.bytes }
  }).filter((g) => g.count !== 0 || g.bytes !== 0).sort((x, y) => y.bytes - x.bytes).slice(0, 25)
  console.log("\ngroups grown from 10k to the end (objects, bytes):")
  for (const g of grown) console.log(`${String(g.count).padStart(9)} ${String(g.bytes).padStart(11)}  ${g.key}`)
  if (process.env["KEEP"] !== "1") for (const f of [first, last]) rmSync(f)
})

Effect.runPromise(program).catch((error) => {
  console.error(error)
  process.exitCode = 1
})
