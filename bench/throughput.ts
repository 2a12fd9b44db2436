/**
 * 2. Throughput over loopback against one server process, at several
 * concurrencies: the true limits (raw `fetch`, raw `undici`), the raw Effect
 * `HttpClient` on each transport, our backend with the whole pipeline on
 * each transport, the official `openai` SDK, and the Vercel `ai` SDK with
 * its OpenAI provider. Each run interleaves the clients; ratios are taken
 * within a run.
 */
import { Effect } from "effect"
import * as Support from "./support.ts"
import * as Transports from "./transports.ts"

export const clients = Transports.clients
export type ClientName = Transports.ClientName

const effectLoop = (call: Effect.Effect<unknown, unknown>, concurrency: number, ms: number) =>
  Effect.gen(function*() {
    let done = 0
    const deadline = Date.now() + ms
    const worker = Effect.gen(function*() {
      while (Date.now() < deadline) {
        yield* call
        done++
      }
    })
    const start = performance.now()
    yield* Effect.all(Array.from({ length: concurrency }, () => worker), { concurrency: "unbounded" })
    return done / ((performance.now() - start) / 1000)
  })

const promiseLoop = async (call: () => Promise<unknown>, concurrency: number, ms: number) => {
  let done = 0
  const deadline = Date.now() + ms
  const worker = async () => {
    while (Date.now() < deadline) {
      await call()
      done++
    }
  }
  const start = performance.now()
  await Promise.all(Array.from({ length: concurrency }, worker))
  return done / ((performance.now() - start) / 1000)
}

export interface Row {
  readonly concurrency: number
  readonly perSecond: Record<ClientName, Support.Summary>
  /** Ratio to raw undici (the fastest transport measured) in the same run. */
  readonly ratioToRaw: Record<ClientName, Support.Summary>
  /** Ours over the raw Effect `HttpClient` on the same transport, in the same run. */
  readonly oursToSameTransport: Record<keyof typeof Transports.sameTransport, Support.Summary>
  /** Ours (undici) over the `openai` SDK, in the same run. */
  readonly oursUndiciToOpenAi: Support.Summary
  /** Ours (lean undici) over the `openai` SDK, in the same run. */
  readonly oursLeanToOpenAi: Support.Summary
}

export const run = (runs: number, concurrencies: ReadonlyArray<number>, ms: number) =>
  Effect.gen(function*() {
    const server = yield* Effect.acquireRelease(Effect.promise(() => Support.startServer()), (s) => Effect.sync(s.stop))
    const rows: Array<Row> = []
    for (const concurrency of concurrencies) {
      const built = yield* Transports.make(server.url, concurrency)
      const loop = (name: ClientName, t: number): Effect.Effect<number, unknown> => {
        const { effect, promise } = built[name]
        return effect !== undefined
          ? effectLoop(effect, concurrency, t)
          : Effect.promise(() => promiseLoop(promise!, concurrency, t))
      }
      for (const name of clients) yield* loop(name, 150) // warm-up
      const perRun = Object.fromEntries(clients.map((c) => [c, [] as Array<number>])) as Record<ClientName, Array<number>>
      for (let r = 0; r < runs; r++) {
        for (const name of clients) perRun[name].push(yield* loop(name, ms))
      }
      const ratio = (name: ClientName, base: ClientName) =>
        Support.summarize(perRun[name].map((v, r) => v / perRun[base][r]!))
      rows.push({
        concurrency,
        perSecond: Object.fromEntries(clients.map((c) => [c, Support.summarize(perRun[c])])) as Record<ClientName, Support.Summary>,
        ratioToRaw: Object.fromEntries(clients.map((c) => [c, ratio(c, "raw undici")])) as Record<ClientName, Support.Summary>,
        oursToSameTransport: {
          "ours fetch": ratio("ours fetch", "HttpClient fetch"),
          "ours undici": ratio("ours undici", "HttpClient undici"),
          "ours lean": ratio("ours lean", "HttpClient lean")
        },
        oursUndiciToOpenAi: ratio("ours undici", "openai SDK"),
        oursLeanToOpenAi: ratio("ours lean", "openai SDK")
      })
    }
    return rows
  }).pipe(Effect.scoped)
