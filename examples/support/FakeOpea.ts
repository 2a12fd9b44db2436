/**
 * A tiny fake OPEA deployment on 127.0.0.1 for running the OPEA example
 * offline: the text-generation service (`/v1/chat/completions`, OpenAI
 * chunks when streaming), embeddings, reranking (scores by shared words),
 * ChatQnA (`/v1/chatqna`, streaming in the gateway's `data: b'...'`
 * framing) and `/v1/health_check`. Written from GenAIComps' protocol
 * models; it is not OPEA.
 */
import * as FakeHttp from "./FakeHttp.ts"

/** A running fake. */
export type Served = FakeHttp.Served

const ANSWER = "OPEA composes retrieval, reranking and generation microservices into one pipeline."

const words = (text: string) => new Set(text.toLowerCase().split(/\W+/).filter((w) => w.length > 2))
const pyBytes = (text: string) =>
  "b'" + Array.from(new TextEncoder().encode(text), (b) =>
    b === 0x27 ? "\\'" : b === 0x5c ? "\\\\" : b === 0x0a ? "\\n" : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`
  ).join("") + "'"

/** Starts the fake on `port` (0: any free port). */
export const serve = (port = 0): Promise<Served> =>
  FakeHttp.serve(port, (req, res, text) => {
    const body = FakeHttp.jsonBody(text)
    const json = (value: unknown, status = 200) => {
      res.writeHead(status, { "content-type": "application/json" })
      res.end(JSON.stringify(value))
    }
    const sse = (frames: ReadonlyArray<string>) => {
      res.writeHead(200, { "content-type": "text/event-stream" })
      let i = 0
      const next = () => {
        if (i < frames.length) {
          res.write(`data: ${frames[i++]}\n\n`)
          setTimeout(next, 30)
        } else res.end()
      }
      next()
    }
    const tokens = ANSWER.match(/\s?\S+/g) ?? []
    switch (req.url) {
      case "/v1/health_check":
        return json({ "Service Title": "fake OPEA", "Version": "1.0" })
      case "/v1/embeddings": {
        const input = Array.isArray(body["input"]) ? body["input"] as Array<string> : [String(body["input"])]
        return json({ object: "list", data: input.map((t, index) => ({ index, embedding: [t.length, index, 0.5] })) })
      }
      case "/v1/reranking": {
        const query = words(String(body["input"]))
        const docs = (body["retrieved_docs"] as Array<{ text: string }>).map(({ text }) => ({
          text,
          score: [...words(text)].filter((w) => query.has(w)).length / Math.max(1, query.size)
        }))
        return json({ reranked_docs: docs.sort((a, b) => b.score - a.score).slice(0, Number(body["top_n"] ?? 1)) })
      }
      case "/v1/chatqna":
        return body["stream"] === false
          ? json({ model: "chatqna", choices: [{ index: 0, message: { role: "assistant", content: ANSWER }, finish_reason: "stop" }], usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } })
          : sse([...tokens.map(pyBytes), "[DONE]"])
      case "/v1/chat/completions":
        return body["stream"] === true
          ? sse([
            ...tokens.map((t) => JSON.stringify({ id: "c1", model: "fake", choices: [{ index: 0, delta: { content: t }, finish_reason: null }] })),
            JSON.stringify({ id: "c1", model: "fake", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }),
            "[DONE]"
          ])
          : json({ id: "c1", model: "fake", choices: [{ index: 0, message: { role: "assistant", content: ANSWER }, finish_reason: "stop" }], usage: { prompt_tokens: 9, completion_tokens: tokens.length, total_tokens: 9 + tokens.length } })
      default:
        return json({ detail: "Not Found" }, 404)
    }
  })
