/**
 * A small server speaking Anthropic's Messages API on 127.0.0.1, for trying
 * examples/anthropic-chat.ts with no key and no network: `POST /v1/messages`
 * (plain and streamed, with `ping` and the usage split between
 * `message_start` and `message_delta` as Claude sends it) and
 * `GET /v1/models`. Put `[fault:529]` in the last user message for an
 * overloaded_error; any non-empty `x-api-key` is accepted.
 *
 *   npm run example examples/anthropic-fake-server.ts     # serves until Ctrl-C
 */
import type * as Http from "node:http"
import * as FakeHttp from "./support/FakeHttp.ts"

interface Body {
  readonly model?: string
  readonly stream?: boolean
  readonly messages?: ReadonlyArray<{ readonly role: string; readonly content: unknown }>
}

const lastUserText = (body: Body): string => {
  const last = [...(body.messages ?? [])].reverse().find((m) => m.role === "user")
  if (last === undefined) return ""
  if (typeof last.content === "string") return last.content
  return (last.content as ReadonlyArray<{ type: string; text?: string }>).map((b) => b.text ?? "").join(" ")
}

const handle = (req: Http.IncomingMessage, res: Http.ServerResponse, raw: string) => {
  const json = (status: number, value: unknown) => {
    res.writeHead(status, { "content-type": "application/json", "request-id": `req_fake_${Date.now()}` })
    res.end(JSON.stringify(value))
  }
  const error = (status: number, type: string, message: string) => json(status, { type: "error", error: { type, message } })
  if (!req.headers["x-api-key"]) return error(401, "authentication_error", "x-api-key header is required")
  if (req.method === "GET" && req.url?.startsWith("/v1/models")) {
    return json(200, {
      data: [{ type: "model", id: "claude-fake-1", display_name: "Claude Fake", created_at: "2025-01-01T00:00:00Z" }],
      has_more: false,
      first_id: "claude-fake-1",
      last_id: "claude-fake-1"
    })
  }
  if (req.method !== "POST" || req.url !== "/v1/messages") return error(404, "not_found_error", `no route ${req.url}`)
  const body = JSON.parse(raw) as Body
  const prompt = lastUserText(body)
  if (prompt.includes("[fault:529]")) return error(529, "overloaded_error", "Overloaded")
  const text = `You said: ${prompt}`
  const usage = { input_tokens: prompt.length, output_tokens: text.split(" ").length }
  const model = body.model ?? "claude-fake-1"
  if (body.stream !== true) {
    return json(200, {
      id: "msg_fake",
      type: "message",
      role: "assistant",
      model,
      content: [{ type: "text", text }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage
    })
  }
  res.writeHead(200, { "content-type": "text/event-stream", "request-id": `req_fake_${Date.now()}` })
  const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
  send("message_start", {
    type: "message_start",
    message: { id: "msg_fake", type: "message", role: "assistant", model, content: [], stop_reason: null, usage: { input_tokens: usage.input_tokens, output_tokens: 1 } }
  })
  send("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } })
  send("ping", { type: "ping" })
  const pieces = text.split(/(?<=\s)/)
  let i = 0
  const next = () => {
    if (i < pieces.length) {
      send("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: pieces[i++] } })
      setTimeout(next, 20)
      return
    }
    send("content_block_stop", { type: "content_block_stop", index: 0 })
    send("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: usage.output_tokens } })
    send("message_stop", { type: "message_stop" })
    res.end()
  }
  next()
}

/** Starts the server; resolves with its base URL (ending in /v1) and a close function. */
export const serve = (port = 0): Promise<FakeHttp.Served> => FakeHttp.serve(port, handle, "/v1")

if (import.meta.url === `file://${process.argv[1]}`) {
  serve(Number(process.env["PORT"] ?? "8788")).then(({ url }) => console.log(`fake Claude server at ${url} (Ctrl-C to stop)`))
}
