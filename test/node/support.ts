/**
 * A raw node:http server for the lean client's tests: each request is
 * answered by the test's handler with the `ServerResponse` itself, and the
 * server records how each exchange ended (finished, or its connection closed
 * before the answer was written out).
 */
import { Effect, type Scope } from "effect"
import * as Http from "node:http"
import * as Listen from "../support/Listen.ts"

export interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: Http.IncomingHttpHeaders
  readonly body: Buffer
  /** "finished" once the answer was written out, "closed" if the client went away first. */
  ended: "open" | "finished" | "closed"
  /** Bytes the server managed to hand to the socket for this answer. */
  written: number
}

export interface RawServer {
  readonly url: string
  readonly seen: ReadonlyArray<Seen>
}

export type Answer = (res: Http.ServerResponse, seen: Seen) => void

export const make = (answer: Answer): Effect.Effect<RawServer, never, Scope.Scope> =>
  Effect.suspend(() => {
    const seen: Array<Seen> = []
    const server = Http.createServer((req, res) => {
      const parts: Array<Buffer> = []
      req.on("data", (part: Buffer) => parts.push(part))
      req.on("end", () => {
        const record: Seen = {
          method: req.method ?? "",
          url: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(parts),
          ended: "open",
          written: 0
        }
        seen.push(record)
        res.on("finish", () => {
          if (record.ended === "open") record.ended = "finished"
        })
        res.on("close", () => {
          if (record.ended === "open") record.ended = "closed"
        })
        answer(res, record)
      })
    })
    return Effect.map(Listen.local(server), (url): RawServer => ({ url, seen }))
  })

/** Writes `total` bytes of `x` in 16 KiB pieces as fast as the socket takes them, counting what it took. */
export const flood = (res: Http.ServerResponse, seen: Seen, total: number): void => {
  const piece = Buffer.alloc(16 * 1024, "x")
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(total) })
  const pump = () => {
    while (seen.written < total && !res.destroyed) {
      const size = Math.min(piece.length, total - seen.written)
      seen.written += size
      if (!res.write(size === piece.length ? piece : piece.subarray(0, size))) return void res.once("drain", pump)
    }
    if (!res.destroyed) res.end()
  }
  pump()
}
