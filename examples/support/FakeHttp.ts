/**
 * The server every example fake runs on: a `node:http` server on 127.0.0.1
 * that reads each request body whole, hands it to the fake's handler, and
 * closes with its open connections (a keep-alive client would otherwise
 * hold `close` open until it times out).
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

/** A running fake. */
export interface Served {
  readonly url: string
  readonly close: () => Promise<void>
}

/** Answers one request; `text` is its whole body. */
export type Handler = (req: Http.IncomingMessage, res: Http.ServerResponse, text: string) => void

/**
 * Serves `handle` on 127.0.0.1:`port` (0: any free port); resolves once it
 * listens, with its root URL plus `path` (e.g. `/v1`).
 */
export const serve = (port: number, handle: Handler, path = ""): Promise<Served> =>
  new Promise((resolve) => {
    const server = Http.createServer((req, res) => {
      const parts: Array<Buffer> = []
      req.on("data", (part: Buffer) => parts.push(part))
      req.on("end", () => handle(req, res, Buffer.concat(parts).toString("utf8")))
    })
    server.listen(port, "127.0.0.1", () => {
      const { port: bound } = server.address() as AddressInfo
      resolve({
        url: `http://127.0.0.1:${bound}${path}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections()
            server.close(() => done())
          })
      })
    })
  })

/** A JSON request body as an object (`{}` when the body is empty). */
export const jsonBody = (text: string): Record<string, unknown> => (text.length > 0 ? JSON.parse(text) : {}) as Record<string, unknown>
