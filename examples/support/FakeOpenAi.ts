/**
 * A small OpenAI-compatible server on 127.0.0.1 for trying the examples with
 * no key and no network. It answers chat (plain and streamed), embeddings and
 * models, and can inject faults by name: put `[fault:429]`, `[fault:500]`,
 * `[fault:503]`, `[fault:reset]` or `[fault:slow]` in the last user message.
 * With `faultRate`, chat requests also fail at random (seeded, so runs repeat)
 * with one of 429 (retry-after-ms), 500, 503 or a reset connection. With
 * `cutStreamsAfter` every stream is cut mid-answer; with `chatStatus` every
 * non-streaming chat gets that status.
 *
 *   npm run example examples/support/FakeOpenAi.ts        # serves until Ctrl-C
 */
import * as FakeHttp from "./FakeHttp.ts"

const words = (text: string) => text.split(/(?<=\s)/)

const reply = (prompt: string) => `You said: ${prompt.replace(/\[fault:\w+\]/g, "").trim()}`

const lastUserText = (body: { messages?: Array<{ role: string; content: unknown }> }): string => {
  const last = [...(body.messages ?? [])].reverse().find((m) => m.role === "user")
  if (last === undefined) return ""
  return typeof last.content === "string"
    ? last.content
    : (last.content as Array<{ type: string; text?: string }>).map((p) => p.text ?? "").join(" ")
}

export interface Served extends FakeHttp.Served {
  /** Requests received, by path. */
  readonly hits: Map<string, number>
}

export interface ServeOptions {
  readonly port?: number
  /** Share of chat requests that fail at random (0-1). */
  readonly faultRate?: number
  /** Delay before each chat answer (ms), so concurrent calls overlap. */
  readonly latencyMs?: number
  readonly seed?: number
  /** Cut every stream (destroy the connection) after this many words. */
  readonly cutStreamsAfter?: number
  /** Answer every non-streaming chat request with this status (e.g. 503: a server that is down). */
  readonly chatStatus?: number
  /** Per bearer token: `"invalid"` (401) or a request budget per second (then 429). */
  readonly keys?: Readonly<Record<string, "invalid" | { readonly perSecond: number }>>
}

export const serve = (options: ServeOptions = {}): Promise<Served> => {
  const hits = new Map<string, number>()
  const windows = new Map<string, { start: number; count: number }>()
  let seed = options.seed ?? 42
  // A small LCG: the same faults on every run of an example.
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648
  const served = FakeHttp.serve(options.port ?? 0, (req, res, raw) => {
    const path = (req.url ?? "").replace(/^\/v1/, "")
    hits.set(path, (hits.get(path) ?? 0) + 1)
    const body = raw.length > 0 ? JSON.parse(raw) : {}
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", "x-request-id": `fake-${Date.now()}`, ...headers })
      res.end(JSON.stringify(value))
    }
    if (path === "/models") return json(200, { object: "list", data: [{ id: "fake-model", object: "model", created: 0, owned_by: "fake" }] })
    if (path === "/embeddings") {
      const input: Array<string> = typeof body.input === "string" ? [body.input] : body.input
      return json(200, {
        object: "list",
        model: body.model,
        data: input.map((text, index) => ({ object: "embedding", index, embedding: [text.length, index] })),
        usage: { prompt_tokens: input.length, total_tokens: input.length }
      })
    }
    if (path !== "/chat/completions") return json(404, { error: { message: `no route ${path}`, type: "invalid_request_error" } })
    const token = (req.headers["authorization"] ?? "").replace(/^Bearer /, "")
    const rule = options.keys?.[token]
    if (rule === "invalid") return json(401, { error: { message: "Incorrect API key provided", type: "invalid_request_error", code: "invalid_api_key" } })
    if (rule !== undefined) {
      const now = Date.now()
      const window = windows.get(token)
      if (window === undefined || now - window.start >= 1000) windows.set(token, { start: now, count: 1 })
      else if (++window.count > rule.perSecond) {
        return json(429, { error: { message: "Rate limit reached for requests", type: "requests", code: "rate_limit_exceeded" } }, { "retry-after": "1" })
      }
    }
    const prompt = lastUserText(body)
    const faults = ["429", "500", "503", "reset"]
    const fault = /\[fault:(\w+)\]/.exec(prompt)?.[1] ??
      (random() < (options.faultRate ?? 0) ? faults[Math.floor(random() * faults.length)] : undefined)
    if (fault === "reset") return res.socket?.destroy()
    if (fault === "429") return json(429, { error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" } }, { "retry-after-ms": "200" })
    if (fault === "500") return json(500, { error: { message: "The server had an error", type: "server_error" } })
    if (fault === "503") return json(503, { error: { message: "Overloaded", type: "server_error" } })
    if (options.chatStatus !== undefined && body.stream !== true) {
      return json(options.chatStatus, { error: { message: "Service unavailable", type: "server_error" } })
    }
    const text = reply(prompt)
    const usage = { prompt_tokens: prompt.length, completion_tokens: words(text).length, total_tokens: prompt.length + words(text).length }
    const delay = (fault === "slow" ? 300 : 0) + (options.latencyMs ?? 0)
    if (body.stream !== true) {
      setTimeout(() =>
        json(200, {
          id: "chatcmpl-fake",
          object: "chat.completion",
          created: 0,
          model: body.model,
          choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
          usage
        }), delay)
      return
    }
    res.writeHead(200, { "content-type": "text/event-stream" })
    const frame = (value: unknown) => res.write(`data: ${JSON.stringify(value)}\n\n`)
    const chunk = (delta: unknown, finish: string | null = null) => ({
      id: "chatcmpl-fake",
      object: "chat.completion.chunk",
      created: 0,
      model: body.model,
      choices: [{ index: 0, delta, finish_reason: finish }]
    })
    const pieces = words(text)
    let i = 0
    const next = () => {
      if (options.cutStreamsAfter !== undefined && i === options.cutStreamsAfter) {
        res.socket?.destroy()
        return
      }
      if (i < pieces.length) {
        frame(chunk(i === 0 ? { role: "assistant", content: pieces[i] } : { content: pieces[i] }))
        i++
        setTimeout(next, 20)
        return
      }
      frame(chunk({}, "stop"))
      if (body.stream_options?.include_usage) frame({ ...chunk({}), choices: [], usage })
      res.end("data: [DONE]\n\n")
    }
    setTimeout(next, delay)
  }, "/v1")
  return served.then((server) => ({ ...server, hits }))
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.PORT ?? "8787")
  serve({ port }).then(({ url }) => console.log(`fake OpenAI-compatible server at ${url} (Ctrl-C to stop)`))
}
