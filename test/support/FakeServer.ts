/**
 * A scriptable HTTP server on 127.0.0.1 (port 0) for wire tests. Each request
 * is recorded and answered by the test's handler, which can also inject the
 * faults of TESTING.md: resets before headers, no answer, slow or cut
 * streams, stalls.
 */
import { Effect, type Scope } from "effect"
import * as Http from "node:http"
import * as Listen from "./Listen.ts"

export interface Recorded {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly json: unknown
}

export type Action =
  | { readonly kind: "json"; readonly status?: number; readonly body: unknown; readonly headers?: Record<string, string> }
  | { readonly kind: "text"; readonly status?: number; readonly body: string; readonly headers?: Record<string, string> }
  | {
    readonly kind: "chunks"
    readonly status?: number
    readonly headers?: Record<string, string>
    readonly chunks: ReadonlyArray<string | Uint8Array>
    /** Pause before each chunk (ms). */
    readonly delayMs?: number
    /** Pause before the first chunk (ms), after headers are sent. */
    readonly firstDelayMs?: number
    /** How the body ends: cleanly, by destroying the socket, or never. */
    readonly end?: "close" | "destroy" | "hang"
  }
  /** Destroy the connection before sending any headers. */
  | { readonly kind: "reset" }
  /** Accept the request and never answer. */
  | { readonly kind: "hang" }

export type Handler = (request: Recorded, index: number) => Action

export interface FakeServer {
  readonly url: string
  /** Requests received so far (live). */
  readonly requests: ReadonlyArray<Recorded>
}

const parse = (body: string): unknown => {
  try {
    return JSON.parse(body)
  } catch {
    return undefined
  }
}

const respond = (res: Http.ServerResponse, action: Action) => {
  switch (action.kind) {
    case "reset":
      res.socket?.destroy()
      return
    case "hang":
      return
    case "json":
      res.writeHead(action.status ?? 200, { "content-type": "application/json", ...action.headers })
      res.end(JSON.stringify(action.body))
      return
    case "text":
      res.writeHead(action.status ?? 200, { "content-type": "text/plain", ...action.headers })
      res.end(action.body)
      return
    case "chunks": {
      res.writeHead(action.status ?? 200, { "content-type": "text/event-stream", ...action.headers })
      res.flushHeaders()
      const chunks = [...action.chunks]
      const send = (first: boolean) => {
        if (res.destroyed) return
        const chunk = chunks.shift()
        if (chunk === undefined) {
          if (action.end === "destroy") res.socket?.destroy()
          else if (action.end !== "hang") res.end()
          return
        }
        res.write(chunk)
        const wait = first && action.firstDelayMs !== undefined ? action.firstDelayMs : action.delayMs ?? 0
        if (wait > 0) setTimeout(() => send(false), wait)
        else setImmediate(() => send(false))
      }
      if (action.firstDelayMs !== undefined) setTimeout(() => send(false), action.firstDelayMs)
      else send(false)
      return
    }
  }
}

/** Starts a server for the enclosing scope. */
export const make = (handler: Handler): Effect.Effect<FakeServer, never, Scope.Scope> =>
  Effect.suspend(() => {
    const requests: Array<Recorded> = []
    const server = Http.createServer((req, res) => {
      const parts: Array<Buffer> = []
      req.on("data", (part: Buffer) => parts.push(part))
      req.on("end", () => {
        const body = Buffer.concat(parts).toString("utf8")
        const headers: Record<string, string> = {}
        for (const [name, value] of Object.entries(req.headers)) {
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value
        }
        const recorded: Recorded = { method: req.method ?? "", url: req.url ?? "", headers, body, json: parse(body) }
        requests.push(recorded)
        respond(res, handler(recorded, requests.length - 1))
      })
    })
    return Effect.map(Listen.local(server), (url): FakeServer => ({ url, requests }))
  })

/** SSE frames from JSON payloads (`data: <json>\n\n`), optionally ending with `[DONE]`. */
export const sse = (payloads: ReadonlyArray<unknown>, options?: { readonly done?: boolean }): Array<string> => [
  ...payloads.map((payload) => `data: ${typeof payload === "string" ? payload : JSON.stringify(payload)}\n\n`),
  ...(options?.done === false ? [] : ["data: [DONE]\n\n"])
]
