/**
 * Tiny fakes of a text-generation-inference (TGI) and a
 * text-embeddings-inference (TEI) server on 127.0.0.1, for trying the
 * Hugging Face examples with no server and no network. They speak the
 * routes the way the servers do: TGI's `/generate`, `/generate_stream`
 * (`data:` frames with no space, a final frame with `generated_text`),
 * `/v1/chat/completions` (plain or streamed), `/info`, `/health`,
 * `/v1/models`; TEI's `/embed`, `/v1/embeddings`, `/rerank`, `/tokenize`,
 * `/embed_sparse`, `/info` (with a small `max_client_batch_size`, so the
 * client's batching shows), `/health`. Put `[fault:429]` in a prompt for a
 * full queue.
 *
 *   npm run example examples/hf-fake.ts   # TGI on :8090 and TEI on :8091 until Ctrl-C
 */
import * as Http from "node:http"
import * as FakeHttp from "./support/FakeHttp.ts"

/** A running fake. */
export type Served = FakeHttp.Served

type Handler = (method: string, path: string, body: Record<string, unknown>, res: Http.ServerResponse) => void

const json = (res: Http.ServerResponse, status: number, value: unknown) => {
  res.writeHead(status, { "content-type": "application/json" })
  res.end(JSON.stringify(value))
}

// SSE frames `ms` apart, with TGI's framing: `data:` and no space.
const frames = (res: Http.ServerResponse, values: ReadonlyArray<unknown>, ms: number) => {
  res.writeHead(200, { "content-type": "text/event-stream" })
  let i = 0
  const next = () => {
    if (i >= values.length) return void res.end()
    const value = values[i++]
    res.write(`data:${typeof value === "string" ? value : JSON.stringify(value)}\n\n`)
    setTimeout(next, ms)
  }
  next()
}

const listen = (handler: Handler, port: number): Promise<Served> =>
  FakeHttp.serve(port, (req, res, text) => handler(req.method ?? "", req.url ?? "", FakeHttp.jsonBody(text), res))

const MODEL = "HuggingFaceH4/zephyr-7b-beta"
const overloaded = { error: "Model is overloaded", error_type: "overloaded" }
const lastUser = (body: Record<string, unknown>) =>
  String([...((body["messages"] ?? []) as ReadonlyArray<{ role: string; content: unknown }>)].reverse().find((m) => m.role === "user")?.content ?? "")

const tgi: Handler = (method, path, body, res) => {
  const prompt = path === "/v1/chat/completions" ? lastUser(body) : String(body["inputs"] ?? "")
  if (prompt.includes("[fault:429]")) return json(res, 429, overloaded)
  const words = `You said: ${prompt}`.split(/(?<=\s)/)
  switch (`${method} ${path}`) {
    case "GET /info":
      return json(res, 200, { model_id: MODEL, max_input_tokens: 4095, max_total_tokens: 4096, max_client_batch_size: 4, version: "3.0.1-fake" })
    case "GET /health":
      return void res.writeHead(200).end()
    case "GET /v1/models":
      return json(res, 200, { id: MODEL, object: "model", created: 1_736_000_000, owned_by: "HuggingFaceH4" })
    case "POST /generate": {
      const parameters = (body["parameters"] ?? {}) as { details?: boolean }
      return json(res, 200, {
        generated_text: words.join(""),
        ...(parameters.details === true ? { details: { finish_reason: "eos_token", generated_tokens: words.length, seed: null, prefill: [], tokens: [] } } : {})
      })
    }
    case "POST /generate_stream":
      return frames(res, [
        ...words.map((text, index) => ({ index: index + 1, token: { id: index, text, logprob: -0.1, special: false }, generated_text: null, details: null })),
        {
          index: words.length + 1,
          token: { id: 2, text: "</s>", logprob: -0.01, special: true },
          generated_text: words.join(""),
          details: { finish_reason: "eos_token", generated_tokens: words.length + 1, input_length: prompt.length, seed: null }
        }
      ], 40)
    case "POST /v1/chat/completions": {
      const base = { id: "", created: 1_736_000_000, model: MODEL, system_fingerprint: "3.0.1-fake" }
      const usage = { prompt_tokens: prompt.length, completion_tokens: words.length, total_tokens: prompt.length + words.length }
      if (body["stream"] !== true) {
        return json(res, 200, {
          ...base,
          object: "chat.completion",
          choices: [{ index: 0, message: { role: "assistant", content: words.join("") }, logprobs: null, finish_reason: "stop" }],
          usage
        })
      }
      const chunk = (content: string, finish: string | null) => ({
        ...base,
        object: "chat.completion.chunk",
        choices: [{ index: 0, delta: { role: "assistant", content }, logprobs: null, finish_reason: finish }],
        usage: null
      })
      return frames(res, [...words.map((w) => chunk(w, null)), chunk("", "stop"), { ...base, object: "chat.completion.chunk", choices: [], usage }, "[DONE]"], 40)
    }
    default:
      return json(res, 404, { error: `no route ${method} ${path}`, error_type: "not_found" })
  }
}

const LIMIT = 3
const tooMany = (res: Http.ServerResponse, n: number) =>
  n > LIMIT ? (json(res, 413, { error: `batch size ${n} > maximum allowed batch size ${LIMIT}`, error_type: "Validation" }), true) : false
const words = (text: string) => new Set(text.toLowerCase().split(/\W+/).filter((w) => w.length > 2))
// A toy relevance: shared words between the query and a text.
const overlap = (query: string, text: string) => {
  const q = words(query)
  const shared = [...words(text)].filter((w) => q.has(w)).length
  return 1 / (1 + Math.exp(-(shared * 2 - 1)))
}
const embedding = (text: string) => [text.length / 100, (text.charCodeAt(0) % 32) / 32, 0.5]

const tei: Handler = (method, path, body, res) => {
  const inputs = (value: unknown): ReadonlyArray<string> => (Array.isArray(value) ? value : [value]).map(String)
  switch (`${method} ${path}`) {
    case "GET /info":
      return json(res, 200, {
        model_id: "BAAI/bge-small-en-v1.5",
        model_dtype: "float32",
        model_type: { embedding: { pooling: "cls" } },
        max_concurrent_requests: 512,
        max_input_length: 512,
        max_batch_tokens: 16384,
        max_client_batch_size: LIMIT,
        auto_truncate: false,
        tokenization_workers: 2,
        version: "1.5.0-fake"
      })
    case "GET /health":
      return void res.writeHead(200).end()
    case "POST /embed": {
      const texts = inputs(body["inputs"])
      if (tooMany(res, texts.length)) return
      res.setHeader("x-compute-tokens", String(texts.join(" ").split(/\s+/).length))
      return json(res, 200, texts.map(embedding))
    }
    case "POST /v1/embeddings": {
      const texts = inputs(body["input"])
      if (tooMany(res, texts.length)) return
      return json(res, 200, {
        object: "list",
        model: "BAAI/bge-small-en-v1.5",
        data: texts.map((text, index) => ({ object: "embedding", index, embedding: embedding(text) })),
        usage: { prompt_tokens: texts.length * 4, total_tokens: texts.length * 4 }
      })
    }
    case "POST /rerank": {
      const texts = inputs(body["texts"])
      if (tooMany(res, texts.length)) return
      const query = String(body["query"] ?? "")
      return json(
        res,
        200,
        texts.map((text, index) => ({ index, score: overlap(query, text), ...(body["return_text"] === true ? { text } : {}) }))
          .sort((a, b) => b.score - a.score)
      )
    }
    case "POST /tokenize": {
      const texts = inputs(body["inputs"])
      if (tooMany(res, texts.length)) return
      return json(res, 200, texts.map((text) => text.split(/(?<=\s)/).map((piece, i) => ({ id: 1000 + i, text: piece, special: false, start: null, stop: null }))))
    }
    case "POST /embed_sparse": {
      const texts = inputs(body["inputs"])
      if (tooMany(res, texts.length)) return
      return json(res, 200, texts.map((text) => [{ index: text.length, value: 1.25 }]))
    }
    default:
      return json(res, 404, { error: `no route ${method} ${path}`, error_type: "Empty" })
  }
}

/** Starts the fake TGI; resolves once it listens. */
export const serveTgi = (port = 0): Promise<Served> => listen(tgi, port)

/** Starts the fake TEI; resolves once it listens. */
export const serveTei = (port = 0): Promise<Served> => listen(tei, port)

if (import.meta.url === `file://${process.argv[1]}`) {
  Promise.all([serveTgi(8090), serveTei(8091)]).then(([t, e]) =>
    console.log(`fake TGI at ${t.url}, fake TEI at ${e.url} (Ctrl-C to stop); try TGI_BASE_URL=${t.url} or TEI_BASE_URL=${e.url}`)
  )
}
