/**
 * The parent side of the shared-state tests: a fake OpenAI server that
 * records every arrival (time on the parent's clock, model, key) and answers
 * as the test says, and worker processes driven over IPC.
 */
import { type ChildProcess, fork } from "node:child_process"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { fileURLToPath } from "node:url"
import type { CallResult, Command, WorkerConfig } from "./worker.ts"

export interface Arrival {
  readonly at: number
  readonly model: string
  readonly key: string
}

export interface Answer {
  readonly status?: number
  readonly headers?: Record<string, string>
  readonly delayMs?: number
  readonly hang?: boolean
  readonly totalTokens?: number
}

export interface Server {
  readonly url: string
  readonly arrivals: Array<Arrival>
  answer: (arrival: Arrival, index: number) => Answer
  readonly close: () => Promise<void>
}

const completion = (model: string, totalTokens: number) => ({
  id: "c1",
  object: "chat.completion",
  created: 1,
  model,
  choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
  usage: { prompt_tokens: totalTokens - 1, completion_tokens: 1, total_tokens: totalTokens }
})

export const server = async (): Promise<Server> => {
  const sockets = new Set<import("node:net").Socket>()
  const state: Server = {
    url: "",
    arrivals: [],
    answer: () => ({}),
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        http.close(() => resolve())
      })
  }
  const http = Http.createServer((req, res) => {
    let body = ""
    req.on("data", (chunk) => (body += chunk))
    req.on("end", () => {
      let model = ""
      try {
        model = (JSON.parse(body) as { model?: string }).model ?? ""
      } catch {
        model = ""
      }
      const arrival = { at: Date.now(), model, key: (req.headers.authorization ?? "").replace(/^Bearer sk-/, "") }
      const index = state.arrivals.push(arrival) - 1
      const answer = state.answer(arrival, index)
      if (answer.hang === true) return
      const send = () => {
        const status = answer.status ?? 200
        res.writeHead(status, { "content-type": "application/json", ...answer.headers })
        res.end(JSON.stringify(status === 200 ? completion(model, answer.totalTokens ?? 10) : { error: { message: "fault", type: "server_error" } }))
      }
      if (answer.delayMs === undefined) send()
      else setTimeout(send, answer.delayMs)
    })
  })
  http.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve))
  return Object.assign(state, { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/v1` })
}

export interface Worker {
  readonly chat: (command: Omit<Command, "id" | "op">) => Promise<ReadonlyArray<CallResult>>
  readonly stats: () => Promise<Record<string, any>>
  readonly kill: () => void
  readonly exit: () => Promise<void>
  readonly process: ChildProcess
}

const workerPath = fileURLToPath(new URL("./worker.ts", import.meta.url))

export const worker = (config: WorkerConfig): Promise<Worker> =>
  new Promise((resolve, reject) => {
    const child = fork(workerPath, [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, WORKER_CONFIG: JSON.stringify(config) },
      stdio: ["ignore", process.env["WORKER_LOGS"] === "1" ? "inherit" : "ignore", "inherit", "ipc"]
    })
    let next = 0
    const pending = new Map<number, (value: any) => void>()
    const ask = (command: Omit<Command, "id">) =>
      new Promise<any>((done) => {
        const id = next++
        pending.set(id, done)
        child.send({ ...command, id })
      })
    const timer = setTimeout(() => reject(new Error("worker did not start")), 20_000)
    child.on("message", (message: any) => {
      if (message.ready === true) {
        clearTimeout(timer)
        resolve({
          chat: (command) => ask({ ...command, op: "chat" }).then((m) => m.results),
          stats: () => ask({ op: "stats" }).then((m) => m.stats),
          kill: () => child.kill("SIGKILL"),
          exit: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done()
              child.once("exit", () => done())
              child.send({ op: "exit", id: -1 })
            }),
          process: child
        })
        return
      }
      pending.get(message.id)?.(message)
      pending.delete(message.id)
    })
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`worker exited with ${code}`))
    })
  })

export const workers = (n: number, config: WorkerConfig, offsets: ReadonlyArray<number> = []) =>
  Promise.all(Array.from({ length: n }, (_, i) => worker({ ...config, clockOffsetMs: offsets[i] ?? 0 })))

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The most arrivals in any window of `windowMs` (ending at an arrival). */
export const maxInWindow = (times: ReadonlyArray<number>, windowMs: number) => {
  const sorted = [...times].sort((a, b) => a - b)
  let best = 0
  let start = 0
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++
    best = Math.max(best, end - start + 1)
  }
  return best
}
