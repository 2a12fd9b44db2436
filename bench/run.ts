/**
 * The benchmark suite: `npm run bench` (the default sections) or
 * `npm run bench -- overhead throughput` (some). The long sections run only
 * when named, so the default run stays under 5 minutes: `gateway` (about
 * 100 s: the gateway served two ways against direct calls) and `cache`
 * (semantic lookups at 10,000 and 100,000 entries). Prints tables and writes
 * .bench/results.json (`.bench/results-<sections>.json` for a named subset, so
 * a section run alone never overwrites the default run's file). Every figure is the median of RUNS runs with min-max;
 * every comparison is a ratio measured within the same run.
 */
import { Effect } from "effect"
import * as Cache from "./cache.ts"
import { mkdirSync, writeFileSync } from "node:fs"
import { cpus } from "node:os"
import * as GatewayBench from "./gateway.ts"
import * as Memory from "./memory.ts"
import * as Overhead from "./overhead.ts"
import * as Saturation from "./saturation.ts"
import * as Streaming from "./streaming.ts"
import * as Support from "./support.ts"
import * as Throughput from "./throughput.ts"

const RUNS = Number(process.env["RUNS"] ?? "5")
const all = ["overhead", "throughput", "streaming", "memory", "saturation"] as const
const named = [...all, "gateway", "cache"] as const
const chosen = process.argv.slice(2).filter((a) => (named as ReadonlyArray<string>).includes(a))
const sections: ReadonlyArray<string> = chosen.length === 0 ? all : chosen

const table = (head: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>) => {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n")
}

const program = Effect.gen(function*() {
  const results: Record<string, unknown> = {
    node: process.version,
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    runs: RUNS,
    date: new Date().toISOString()
  }
  console.log(`node ${process.version}, ${cpus().length} cores, median of ${RUNS} runs (min-max)\n`)
  const started = performance.now()

  if (sections.includes("overhead")) {
    const rows = yield* Overhead.run(RUNS, 20_000)
    results["overhead"] = rows
    console.log("1. Added overhead per call, in memory (µs)")
    console.log(table(["case", "p50", "p99", "added p50"], rows.map((r) => [r.label, Support.fmt(r.p50), Support.fmt(r.p99), r.addedP50 === undefined ? "" : Support.fmt(r.addedP50)])))
    console.log("   added p50: backend vs bare HttpClient call; pipeline vs bare provider call\n")
    const loopback = yield* Overhead.loopback(RUNS, 2000)
    results["overheadLoopback"] = loopback
    console.log("1b. Sequential calls over loopback (µs per call, p50)")
    console.log(table(["client", "p50", "p99", "added p50 vs same transport"], loopback.map((r) => [r.label, Support.fmt(r.p50), Support.fmt(r.p99), r.addedP50 === undefined ? "" : Support.fmt(r.addedP50)])))
    console.log("")
  }
  if (sections.includes("throughput")) {
    const rows = yield* Throughput.run(RUNS, [1, 16, 64, 256], Number(process.env["THROUGHPUT_MS"] ?? "500"))
    results["throughput"] = rows
    console.log("2. Throughput over loopback (calls/s; ratio to raw undici in the same run)")
    console.log(table(["concurrency", ...Throughput.clients], rows.map((r) => [
      String(r.concurrency),
      ...Throughput.clients.map((c) => `${r.perSecond[c].median.toFixed(0)} (${r.ratioToRaw[c].median.toFixed(2)}x)`)
    ])))
    console.log("   ours over the raw client on the same transport, ours (lean) over raw undici, and ours over the openai SDK:")
    console.log(table(["concurrency", "ours/HttpClient fetch", "ours/HttpClient undici", "ours/HttpClient lean", "ours lean/raw undici", "ours undici/openai SDK", "ours lean/openai SDK"], rows.map((r) => [
      String(r.concurrency),
      Support.fmt(r.oursToSameTransport["ours fetch"], 2),
      Support.fmt(r.oursToSameTransport["ours undici"], 2),
      Support.fmt(r.oursToSameTransport["ours lean"], 2),
      Support.fmt(r.ratioToRaw["ours lean"], 2),
      Support.fmt(r.oursUndiciToOpenAi, 2),
      Support.fmt(r.oursLeanToOpenAi, 2)
    ])))
    console.log("")
  }
  if (sections.includes("streaming")) {
    const rows = yield* Streaming.run(RUNS + 2)
    results["streaming"] = rows
    console.log(`3. Streaming ${Streaming.CHUNKS} chunks over loopback`)
    console.log(table(["reader", "µs per chunk", "first token ms"], rows.map((r) => [r.label, Support.fmt(r.perChunkUs, 2), Support.fmt(r.firstTokenMs, 2)])))
    console.log("")
  }
  if (sections.includes("memory")) {
    const r = yield* Memory.run(RUNS, Number(process.env["CALLS"] ?? "1000000"))
    results["memory"] = r
    console.log("4. Memory")
    console.log(table(["measure", "value"], [
      [`bytes per queued call, its caller's fiber included (${Memory.QUEUED} waiting)`, Support.fmt(r.bytesPerQueuedCall, 0)],
      [`bytes per bare fiber waiting on a Deferred (baseline)`, Support.fmt(r.bytesPerWaitingFiber, 0)],
      [`bytes the pipeline adds per queued call`, Support.fmt(r.bytesAddedPerQueuedCall, 0)],
      ["heap after 10,000 calls (MB)", (r.heapAfter10k / 1e6).toFixed(1)],
      [`heap after ${r.calls.toLocaleString("en")} calls (MB)`, (r.heapAfter1M / 1e6).toFixed(1)]
    ]))
    console.log("")
  }
  if (sections.includes("saturation")) {
    const rows = yield* Saturation.run
    results["saturation"] = rows
    console.log(`5. Saturation: ${Saturation.BURST} calls at once, ${Saturation.CONCURRENCY} at a time, ${Saturation.SERVICE_MS} ms each, queue ${Saturation.QUEUE}`)
    console.log(table(["priority", "completed", "rejected", "p50 ms", "p99 ms"], rows.map((r) => [r.priority, String(r.completed), String(r.rejected), r.p50Ms.toFixed(0), r.p99Ms.toFixed(0)])))
    console.log("")
  }
  if (sections.includes("gateway")) {
    const r = yield* GatewayBench.run(RUNS, 2000, 2000)
    results["gateway"] = r
    const of = (rows: ReadonlyArray<GatewayBench.Row>, pick: (row: GatewayBench.Row) => number, digits: number) =>
      Support.fmt(Support.summarize(rows.map(pick)), digits)
    console.log("6. Gateway: fetch straight to the server vs through the gateway (every answer a 200)")
    console.log(table(["", "p50 ms", "p99 ms", "calls/s at 64"], [
      ...([["own process", r.ownProcess], ["in process", r.inProcess]] as const).flatMap(([label, rows]) => [
        [`${label}: direct`, of(rows, (x) => x.directP50Ms, 3), of(rows, (x) => x.directP99Ms, 3), of(rows, (x) => x.directPerSecond, 0)],
        [`${label}: gateway`, of(rows, (x) => x.gatewayP50Ms, 3), of(rows, (x) => x.gatewayP99Ms, 3), of(rows, (x) => x.gatewayPerSecond, 0)],
        [`${label}: added / ratio`, of(rows, (x) => x.addedP50Ms, 3), of(rows, (x) => x.addedP99Ms, 3), `${of(rows, (x) => x.ratio, 2)}x`]
      ])
    ]))
    const cpu = r.ownProcess.flatMap((x) => (x.gatewayCpuUsPerCall === undefined ? [] : [x.gatewayCpuUsPerCall]))
    if (cpu.length > 0) console.log(`   gateway process CPU per call at 64 concurrent: ${Support.fmt(Support.summarize(cpu), 0)} µs`)
    console.log("   own process: the gateway's CLI in a child process (as deployed); in process: in the bench's event loop with the load client")
    console.log("   target: added p50 <= 0.5 ms, ratio >= 0.5x\n")
  }
  if (sections.includes("cache")) {
    const semantic = Cache.semantic(RUNS, [10_000, 100_000])
    const exact = yield* Cache.exact(RUNS, 20_000)
    results["cache"] = { semantic, exact }
    console.log(`7. Semantic cache lookups: one partition, ${Cache.DIMENSIONS} dimensions, half hits (ms per lookup)`)
    console.log(table(["entries", "p50 ms", "p99 ms", "hit rate", "vectors MB"], semantic.map((r) => [
      r.entries.toLocaleString("en"),
      Support.fmt(r.p50Ms, 2),
      Support.fmt(r.p99Ms, 2),
      r.hitRate.toFixed(2),
      r.megabytes.toFixed(0)
    ])))
    console.log("   target: p50 <= 5 ms at 10,000 entries")
    console.log(table(["exact cache, in memory", "p50 µs"], exact.map((r) => [r.label, Support.fmt(r.p50Us)])))
    console.log("")
  }
  results["seconds"] = (performance.now() - started) / 1000
  mkdirSync(".bench", { recursive: true })
  const file = chosen.length === 0 ? ".bench/results.json" : `.bench/results-${chosen.join("-")}.json`
  writeFileSync(file, JSON.stringify(results, null, 2))
  console.log(`done in ${(results["seconds"] as number).toFixed(0)} s; results in ${file}`)
})

Effect.runPromise(program).catch((error) => {
  console.error(error)
  process.exitCode = 1
})
