/**
 * A fault-injecting HTTP proxy on 127.0.0.1 (port 0) in front of s3rver.
 * Each request is recorded and, by the test's rule, forwarded, answered by
 * the proxy itself (S3 error documents, redirects), reset before any answer,
 * reset in the middle of its body, or left hanging.
 */
import { Effect } from "effect"
import * as Http from "node:http"
import * as Listen from "../../support/Listen.ts"

export interface Seen {
  readonly method: string
  /** Path and query as received. */
  readonly url: string
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: Readonly<Record<string, string>>
  /** The access key id in the Authorization header, if signed that way. */
  readonly accessKeyId: string | undefined
}

export type Action =
  | { readonly kind: "forward" }
  | { readonly kind: "respond"; readonly status: number; readonly headers?: Record<string, string>; readonly body?: string }
  | { readonly kind: "reset" }
  /** Destroys the connection once this many body bytes arrived (nothing is forwarded). */
  | { readonly kind: "resetMidBody"; readonly after: number }
  | { readonly kind: "hang" }

export type Rule = (request: Seen, index: number) => Action

export interface FaultProxy {
  readonly url: string
  readonly seen: ReadonlyArray<Seen>
}

/** An S3 error document. */
export const s3Error = (status: number, code: string, message: string, headers: Record<string, string> = {}): Action => ({
  kind: "respond",
  status,
  headers: { "content-type": "application/xml", "x-amz-request-id": `proxy-${code}`, ...headers },
  body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>proxy-${code}</RequestId></Error>`
})

export const forward: Action = { kind: "forward" }

const flat = (headers: Http.IncomingHttpHeaders): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value
  return out
}

export const make = (upstream: string, rule: Rule) =>
  Effect.suspend(() => {
    const seen: Array<Seen> = []
    const target = new URL(upstream)
    const server = Http.createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://proxy")
      const headers = flat(req.headers)
      const request: Seen = {
        method: req.method ?? "GET",
        url: req.url ?? "/",
        path: url.pathname,
        query: url.searchParams,
        headers,
        accessKeyId: /Credential=([^/]+)\//.exec(headers["authorization"] ?? "")?.[1]
      }
      const index = seen.length
      seen.push(request)
      const action = rule(request, index)
      if (action.kind === "resetMidBody") {
        let received = 0
        req.on("data", (chunk: Buffer) => {
          received += chunk.length
          if (received >= action.after) req.socket.destroy()
        })
        return
      }
      const chunks: Array<Buffer> = []
      req.on("data", (chunk: Buffer) => chunks.push(chunk))
      req.on("end", () => {
        switch (action.kind) {
          case "hang":
            return
          case "reset":
            req.socket.destroy()
            return
          case "respond":
            res.writeHead(action.status, action.headers ?? {})
            res.end(action.body ?? "")
            return
          case "forward": {
            const out = Http.request(
              { hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
              (answer) => {
                res.writeHead(answer.statusCode ?? 502, answer.headers)
                answer.pipe(res)
              }
            )
            out.on("error", () => res.socket?.destroy())
            // A client that gave up takes its upstream request with it.
            res.on("close", () => out.destroy())
            out.end(Buffer.concat(chunks))
          }
        }
      })
    })
    return Effect.map(Listen.local(server), (url): FaultProxy => ({ url, seen }))
  })

/** Is this an UploadPart request for part `n`? */
export const isPart = (request: Seen, n?: number) =>
  request.method === "PUT" && request.query.has("uploadId") && (n === undefined || request.query.get("partNumber") === String(n))

/** Is this an AbortMultipartUpload request? */
export const isAbort = (request: Seen) => request.method === "DELETE" && request.query.has("uploadId")
