// The benchmark's loopback server, run in its own process so it does not
// share the client's event loop. Answers OpenAI-style chat completions (JSON,
// or an SSE stream of CHUNKS chunks when "stream": true) as fast as it can,
// after an optional per-request delay. Prints its port on stdout.
import { createServer } from "node:http"

const delayMs = Number(process.env.DELAY_MS ?? "0")
const streamChunks = Number(process.env.CHUNKS ?? "2000")
const completion = JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 0,
  model: "bench-model",
  choices: [{ index: 0, message: { role: "assistant", content: "Hello from the benchmark server." }, finish_reason: "stop" }],
  usage: { prompt_tokens: 10, completion_tokens: 7, total_tokens: 17 }
})
const frame = (delta, finish = null) =>
  `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":0,"model":"bench-model","choices":[{"index":0,"delta":${JSON.stringify(delta)},"finish_reason":${finish === null ? "null" : JSON.stringify(finish)}}]}\n\n`

const server = createServer((req, res) => {
  const parts = []
  req.on("data", (p) => parts.push(p))
  req.on("end", () => {
    const body = parts.length === 0 ? {} : JSON.parse(Buffer.concat(parts).toString("utf8"))
    const answer = () => {
      if (body.stream === true) {
        const chunks = streamChunks
        res.writeHead(200, { "content-type": "text/event-stream" })
        let out = frame({ role: "assistant", content: "" })
        for (let i = 0; i < chunks; i++) out += frame({ content: "tok " })
        out += frame({}, "stop")
        out += `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":0,"model":"bench-model","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":${chunks},"total_tokens":${10 + chunks}}}\n\n`
        res.end(out + "data: [DONE]\n\n")
        return
      }
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(completion) })
      res.end(completion)
    }
    if (delayMs > 0) setTimeout(answer, delayMs)
    else answer()
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${server.address().port}\n`)
})
