/**
 * A throwaway `redis-server` on 127.0.0.1 (a free port, a temp dir, no
 * persistence) for the shared-state tests, which can kill and restart it on
 * the same port. `available` says why it cannot run when the binary is absent.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import * as Net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

const candidates = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]
export const binary = candidates.find((path) => existsSync(path))

/** Why the suite is skipped, or undefined when it runs (under CI it never skips). */
export const skipReason = binary === undefined && process.env["CI"] !== "true"
  ? "redis-server is not installed (apt-get install redis-server)"
  : undefined

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = Net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as Net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })

const waitReady = (port: number, deadline: number): Promise<void> =>
  new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = Net.connect(port, "127.0.0.1")
      socket.once("connect", () => {
        socket.write("PING\r\n")
      })
      socket.once("data", () => {
        socket.destroy()
        resolve()
      })
      socket.once("error", () => {
        socket.destroy()
        if (Date.now() > deadline) reject(new Error("redis-server did not start"))
        else setTimeout(attempt, 50)
      })
    }
    attempt()
  })

export interface RedisServer {
  readonly url: string
  readonly port: number
  readonly kill: () => Promise<void>
  readonly start: () => Promise<void>
  readonly stop: () => Promise<void>
  /** SIGSTOP / SIGCONT: a server that holds its connections and answers nothing (operations time out). */
  readonly pause: () => void
  readonly resume: () => void
}

/** `args`: extra `redis-server` options, e.g. `["--requirepass", "..."]`. */
export const start = async (args: ReadonlyArray<string> = []): Promise<RedisServer> => {
  if (binary === undefined) throw new Error("redis-server is not installed")
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), "llm-redis-"))
  let child: ChildProcess | undefined
  const launch = async () => {
    child = spawn(binary, ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no", ...args], {
      stdio: "ignore"
    })
    await waitReady(port, Date.now() + 10_000)
  }
  const kill = () =>
    new Promise<void>((resolve) => {
      const running = child
      child = undefined
      if (running === undefined || running.exitCode !== null) return resolve()
      running.once("exit", () => resolve())
      running.kill("SIGKILL")
    })
  await launch()
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    start: launch,
    pause: () => {
      child?.kill("SIGSTOP")
    },
    resume: () => {
      child?.kill("SIGCONT")
    },
    stop: async () => {
      child?.kill("SIGCONT")
      await kill()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
