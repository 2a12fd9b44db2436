/**
 * `npm run bench:profile`: CPU profiles of the two hot paths, written as
 * `.cpuprofile` files (open them in Chrome DevTools or speedscope) with the
 * top frames by self time printed: the in-memory OpenAI backend path
 * (sequential calls, no sockets) and one long stream over loopback.
 */
import { Effect, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import { mkdirSync, writeFileSync } from "node:fs"
import { Session } from "node:inspector/promises"
import { ChatRequest } from "../src/domain/Chat.ts"
import * as Message from "../src/domain/Message.ts"
import * as Support from "./support.ts"

interface Node {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
  readonly children?: ReadonlyArray<number>
}
interface Profile {
  readonly nodes: ReadonlyArray<Node>
  readonly samples: ReadonlyArray<number>
}

const short = (url: string) => url.replace(/^.*\/node_modules\//, "").replace(/^.*\/wt-[^/]+\//, "").replace(/^file:\/\//, "")

/** The top frames by self time, as "percent  function  file:line". */
export const top = (profile: Profile, n: number): ReadonlyArray<string> => {
  const counts = new Map<number, number>()
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1)
  const byFrame = new Map<string, number>()
  for (const node of profile.nodes) {
    const c = counts.get(node.id) ?? 0
    if (c === 0) continue
    const f = node.callFrame
    const key = `${f.functionName || "(anonymous)"}  ${short(f.url)}:${f.lineNumber + 1}`
    byFrame.set(key, (byFrame.get(key) ?? 0) + c)
  }
  const total = profile.samples.length
  return [...byFrame.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, c]) =>
    `${((100 * c) / total).toFixed(1).padStart(5)} %  ${k}`
  )
}

const profiled = <A, E>(session: Session, name: string, body: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    yield* Effect.promise(() => session.post("Profiler.start"))
    yield* body
    const { profile } = yield* Effect.promise(() => session.post("Profiler.stop"))
    const file = `.bench/${name}.cpuprofile`
    writeFileSync(file, JSON.stringify(profile))
    console.log(`\n${name}: ${file}\n${top(profile as unknown as Profile, Number(process.env["TOP"] ?? "25")).join("\n")}`)
  })

const request = new ChatRequest({ model: "bench-model", messages: [Message.user("Hi")] })

const program = Effect.gen(function*() {
  mkdirSync(".bench", { recursive: true })
  const session = new Session()
  session.connect()
  yield* Effect.promise(() => session.post("Profiler.enable"))
  yield* Effect.promise(() => session.post("Profiler.setSamplingInterval", { interval: 50 }))

  const calls = Number(process.env["CALLS"] ?? "50000")
  const memory = yield* Support.backend("http://memory.invalid/v1", 1000).pipe(Effect.provide(Support.memoryClient))
  for (let i = 0; i < 5000; i++) yield* memory.chat(request)
  yield* profiled(session, "backend-memory", Effect.gen(function*() {
    for (let i = 0; i < calls; i++) yield* memory.chat(request)
  }))

  const chunks = Number(process.env["CHUNKS"] ?? "20000")
  const server = yield* Effect.acquireRelease(
    Effect.promise(() => Support.startServer({ CHUNKS: String(chunks) })),
    (s) => Effect.sync(s.stop)
  )
  const streaming = yield* Support.backend(server.url, 4).pipe(Effect.provide(FetchHttpClient.layer))
  const once = Stream.runDrain(streaming.stream({ messages: [Message.user("Hi")] }))
  yield* once
  yield* profiled(session, "stream", Effect.gen(function*() {
    for (let i = 0; i < 5; i++) yield* once
  }))
  session.disconnect()
}).pipe(Effect.scoped)

Effect.runPromise(program).catch((error) => {
  console.error(error)
  process.exitCode = 1
})
