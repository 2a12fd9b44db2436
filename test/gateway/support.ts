/**
 * Gateway test helpers: an OpenAI-style fake upstream that records every
 * request and every request whose connection closed before its answer ended
 * (an abort), and a gateway served on 127.0.0.1:0 for the test's scope.
 */
import { Context, Effect, Layer, type Scope } from "effect"
import { FetchHttpClient, HttpServer } from "effect/http"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { hashKey } from "../../src/gateway/Clients.ts"
import * as Gateway from "../../src/gateway/Gateway.ts"
import * as GatewayConfig from "../../src/gateway/GatewayConfig.ts"

export const PROVIDER_KEY = "sk-upstream-SECRET-0123456789abcdefXYZ"
export const CLIENT_KEY = "gw-client-key-team-a"
export const ADMIN_KEY = "gw-admin-key-ops"
process.env["GATEWAY_TEST_UPSTREAM_KEY"] = PROVIDER_KEY

export interface Seen {
  readonly url: string
  readonly headers: Http.IncomingHttpHeaders
  readonly json: any
}

export type Answer =
  | { readonly kind: "json"; readonly status?: number; readonly body: unknown; readonly headers?: Record<string, string> }
  | { readonly kind: "sse"; readonly frames: ReadonlyArray<string>; readonly delayMs?: number; readonly end?: "close" | "destroy" | "hang" }
  | { readonly kind: "hang" }

export interface Upstream {
  readonly url: string
  readonly seen: Array<Seen>
  /** Requests whose connection closed before the answer was complete. */
  readonly aborted: () => number
}

export const upstream = (answer: (request: Seen, index: number) => Answer): Effect.Effect<Upstream, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.callback<{ server: Http.Server; up: Upstream }>((resume) => {
      const seen: Array<Seen> = []
      let aborted = 0
      const server = Http.createServer((req, res) => {
        const parts: Array<Buffer> = []
        req.on("data", (p: Buffer) => parts.push(p))
        req.on("end", () => {
          const text = Buffer.concat(parts).toString("utf8")
          const request: Seen = { url: req.url ?? "", headers: req.headers, json: text === "" ? undefined : JSON.parse(text) }
          seen.push(request)
          res.on("close", () => {
            if (!res.writableFinished) aborted++
          })
          const a = answer(request, seen.length - 1)
          if (a.kind === "hang") return
          if (a.kind === "json") {
            res.writeHead(a.status ?? 200, { "content-type": "application/json", ...a.headers })
            res.end(JSON.stringify(a.body))
            return
          }
          res.writeHead(200, { "content-type": "text/event-stream" })
          res.flushHeaders()
          const frames = [...a.frames]
          const next = () => {
            if (res.destroyed) return
            const f = frames.shift()
            if (f === undefined) {
              if (a.end === "destroy") res.socket?.destroy()
              else if (a.end !== "hang") res.end()
              return
            }
            res.write(f)
            setTimeout(next, a.delayMs ?? 0)
          }
          next()
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ server, up: { url: `http://127.0.0.1:${port}/v1`, seen, aborted: () => aborted } }))
      })
    }),
    ({ server }) => Effect.callback<void>((resume) => {
      server.closeAllConnections()
      server.close(() => resume(Effect.void))
    })
  ).pipe(Effect.map(({ up }) => up))

export const sse = (payloads: ReadonlyArray<unknown>, done = true) => [
  ...payloads.map((p) => `data: ${JSON.stringify(p)}\n\n`),
  ...(done ? ["data: [DONE]\n\n"] : [])
]

export const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: "chatcmpl-up",
  object: "chat.completion.chunk",
  created: 1,
  model: "up-model",
  choices: [{ index: 0, delta, finish_reason: finish }]
})

export const usageChunk = (prompt: number, completion: number) => ({
  id: "chatcmpl-up",
  object: "chat.completion.chunk",
  created: 1,
  model: "up-model",
  choices: [],
  usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion }
})

export const completion = (content: string | null, extra: Record<string, unknown> = {}) => ({
  id: "chatcmpl-up",
  object: "chat.completion",
  created: 1,
  model: "up-model",
  choices: [{ index: 0, message: { role: "assistant", content, ...extra }, finish_reason: "stop" }],
  usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 }
})

/** A backend entry for an OpenAI-compatible fake (no retries, so counts are exact). */
export const backend = (name: string, url: string, more: Record<string, unknown> = {}) => ({
  name,
  provider: "openai",
  baseUrl: url,
  apiKeyEnv: "GATEWAY_TEST_UPSTREAM_KEY",
  model: "up-model",
  policy: { max_retries: 0 },
  ...more
})

export const baseConfig = (backends: ReadonlyArray<unknown>, more: Record<string, unknown> = {}) => ({
  listen: { host: "127.0.0.1", port: 0 },
  admin: { keyHash: hashKey(ADMIN_KEY) },
  clients: [{ name: "team-a", keyHash: hashKey(CLIENT_KEY), priority: "high" }],
  backends,
  ...more
})

export interface Served {
  readonly url: string
  readonly gateway: Gateway.Gateway
  readonly logs: Array<string>
}

/** Validates the config, builds the gateway and serves it for the scope. */
export const serve = (json: unknown): Effect.Effect<Served, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const config = yield* GatewayConfig.fromJson(json)
    const gateway = yield* Gateway.make(config).pipe(Effect.provide(FetchHttpClient.layer))
    const logs: Array<string> = []
    const context = yield* Layer.build(Gateway.layer(gateway, { port: 0, log: (line) => logs.push(line) }))
    const address = Context.get(context, HttpServer.HttpServer).address
    const port = address._tag === "UnixPathAddress" ? 0 : address.port
    return { url: `http://127.0.0.1:${port}`, gateway, logs }
  })
