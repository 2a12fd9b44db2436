/**
 * A server that answers with a huge body, written one chunk at a time with
 * back-pressure, and counts what it managed to write before the client let
 * go of the socket: body caps are measured from the server's side.
 */
import { Effect, type Scope } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

export interface Flood {
  readonly url: string
  /** Body bytes the server wrote (accepted by the socket) so far. */
  readonly written: () => number
  /** Whether the client closed the connection before the whole body was written. */
  readonly cutShort: () => boolean
  /** Resolves when the response has ended or its socket closed. */
  readonly settled: Effect.Effect<void>
}

export interface Options {
  readonly total: number
  readonly status?: number
  readonly chunkSize?: number
  readonly contentType?: string
  /** Sends `content-length` (else chunked). */
  readonly declareLength?: boolean
  /** What goes before the filler, e.g. `data: "` for an SSE event that never ends. */
  readonly prefix?: string
  /** The filler byte (default `a`). */
  readonly fill?: string
}

export const make = (options: Options): Effect.Effect<Flood, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.callback<{ readonly server: Http.Server; readonly flood: Flood }>((resume) => {
      const chunkSize = options.chunkSize ?? 64 * 1024
      let written = 0
      let cutShort = false
      let done = false
      const waiters: Array<() => void> = []
      const settle = () => {
        done = true
        for (const wake of waiters.splice(0)) wake()
      }
      const server = Http.createServer((req, res) => {
        req.resume()
        res.writeHead(options.status ?? 200, {
          "content-type": options.contentType ?? "application/json",
          ...(options.declareLength === true ? { "content-length": String(options.total) } : {})
        })
        const prefix = Buffer.from(options.prefix ?? "")
        const filler = Buffer.alloc(chunkSize, options.fill ?? "a")
        res.on("close", () => {
          if (written < options.total) cutShort = true
          settle()
        })
        // One chunk at a time, the next only once the last reached the socket:
        // what the server wrote is then what the client read plus a chunk or two.
        const pump = () => {
          if (res.destroyed) return
          if (written >= options.total) {
            res.end()
            return
          }
          const first = written === 0 && prefix.length > 0
          const piece = first ? prefix : filler.subarray(0, Math.min(chunkSize, options.total - written))
          written += piece.length
          res.write(piece, () => setImmediate(pump))
        }
        pump()
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({
          server,
          flood: {
            url: `http://127.0.0.1:${port}`,
            written: () => written,
            cutShort: () => cutShort,
            settled: Effect.callback<void>((wake) => {
              if (done) wake(Effect.void)
              else waiters.push(() => wake(Effect.void))
            })
          }
        }))
      })
    }),
    ({ server }) =>
      Effect.callback<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ flood }) => flood))
