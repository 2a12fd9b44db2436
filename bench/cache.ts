/**
 * 6. Response caches (not in the default sections: `npm run bench -- cache`).
 * Semantic lookups: one partition of N entries of 384-dimension unit vectors
 * (seeded random), queried with vectors half of which are near copies of a
 * stored one (hits) and half unrelated (misses); the time is the index scan
 * that every semantic lookup pays, in milliseconds. Exact hits: a cached
 * `chat` answered from the in-memory store, against the same call reaching the
 * in-memory backend, in microseconds.
 */
import { Effect } from "effect"
import * as ResponseCache from "../src/cache/ResponseCache.ts"
import { SemanticIndex, unit } from "../src/cache/SemanticIndex.ts"
import { ChatResponse } from "../src/domain/Chat.ts"
import * as Content from "../src/domain/Content.ts"
import * as Message from "../src/domain/Message.ts"
import * as Pipeline from "../src/pipeline/Pipeline.ts"
import * as Policy from "../src/pipeline/Policy.ts"
import * as Support from "./support.ts"

export const DIMENSIONS = 384
const QUERIES = 200

// A small seeded generator (mulberry32): the same vectors every run.
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const vector = (next: () => number): Float32Array => unit(Array.from({ length: DIMENSIONS }, () => next() - 0.5))!

export interface SemanticRow {
  readonly entries: number
  readonly p50Ms: Support.Summary
  readonly p99Ms: Support.Summary
  readonly hitRate: number
  readonly megabytes: number
}

const semanticOnce = (entries: number) => {
  const next = random(entries)
  const index = new SemanticIndex<number>(DIMENSIONS, entries)
  const stored: Array<Float32Array> = []
  for (let i = 0; i < entries; i++) {
    const v = vector(next)
    if (i < QUERIES) stored.push(v)
    index.add(`k${i}`, v, i)
  }
  const queries = Array.from({ length: QUERIES }, (_, i) =>
    i % 2 === 0 ? unit(Array.from(stored[i]!, (x) => x + (next() - 0.5) * 0.01))! : vector(next))
  for (const q of queries.slice(0, 20)) index.search(q, 0.9)
  const times = new Float64Array(QUERIES)
  let hits = 0
  queries.forEach((q, i) => {
    const start = performance.now()
    const found = index.search(q, 0.9)
    times[i] = performance.now() - start
    if (found.length > 0) hits++
  })
  times.sort()
  return { p50: Support.percentile(times, 0.5), p99: Support.percentile(times, 0.99), hitRate: hits / QUERIES }
}

/** Semantic lookup scans at each size, `runs` times. */
export const semantic = (runs: number, sizes: ReadonlyArray<number>): Array<SemanticRow> =>
  sizes.map((entries) => {
    const results = Array.from({ length: runs }, () => {
      Support.gc()
      return semanticOnce(entries)
    })
    return {
      entries,
      p50Ms: Support.summarize(results.map((r) => r.p50)),
      p99Ms: Support.summarize(results.map((r) => r.p99)),
      hitRate: results[0]!.hitRate,
      megabytes: (entries * DIMENSIONS * 4) / 1e6
    }
  })

export interface ExactRow {
  readonly label: string
  readonly p50Us: Support.Summary
}

const timeCalls = (call: Effect.Effect<unknown, unknown>, n: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < 2000; i++) yield* call
    const times = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const start = performance.now()
      yield* call
      times[i] = (performance.now() - start) * 1000
    }
    times.sort()
    return Support.percentile(times, 0.5)
  })

/** An exact-cache hit against the backend call it saves (both in memory). */
export const exact = (runs: number, n: number) =>
  Effect.gen(function*() {
    const answer = new ChatResponse({ provider: "bench", model: "m", content: [Content.text("Hello.")], finishReason: "stop" })
    const backend = yield* Pipeline.make({ provider: "bench", chat: () => Effect.succeed(answer) }, { model: "m", policy: Policy.passthrough })
    const cached = yield* ResponseCache.exact(backend)
    const request = { messages: [Message.user("Say hello to the benchmark, please.")], temperature: 0 }
    const rows: Array<{ label: string; values: Array<number> }> = [
      { label: "backend call (no cache)", values: [] },
      { label: "exact cache hit", values: [] }
    ]
    for (let r = 0; r < runs; r++) {
      rows[0]!.values.push(yield* timeCalls(backend.chat(request), n))
      rows[1]!.values.push(yield* timeCalls(cached.chat(request), n))
    }
    return rows.map((row): ExactRow => ({ label: row.label, p50Us: Support.summarize(row.values) }))
  })
