/**
 * A tiny fake Ollama on 127.0.0.1, for trying the Ollama examples with no
 * Ollama installed and no network. It speaks the native API the way Ollama
 * does: chat and generate (plain, or NDJSON streams word by word), embed,
 * tags, show, version, and pull, which streams realistic progress (a
 * manifest, a 2 GB layer in steps, small layers, verify, write, success).
 * Pull a model whose name contains `missing` to see Ollama's in-stream
 * error; put `[fault:500]` in a chat message for a 500.
 *
 *   npm run example examples/ollama-fake.ts          # serves on :11435 until Ctrl-C
 *   OLLAMA_HOST=127.0.0.1:11435 npm run example examples/ollama-pull.ts
 */
import * as FakeHttp from "./support/FakeHttp.ts"

/** A running fake. */
export type Served = FakeHttp.Served

export interface ServeOptions {
  readonly port?: number
  /** Pause between pull progress lines (ms). */
  readonly pullStepMs?: number
  /** Pause between streamed words (ms). */
  readonly wordMs?: number
}

const GB = 1024 ** 3
const layers = [
  { digest: "sha256:dde5aa3fc5ffc17176b5e8bdc82f587b24b2678c6c66101bf7da77af9f7ccdff", total: Math.round(1.88 * GB), steps: 24 },
  { digest: "sha256:966de95ca8a62200913e3f8bfbf84c8494536f1b94b49166851e76644e966396", total: 1429, steps: 1 },
  { digest: "sha256:fcc5a6bec9daf9b561a68827b67ab6088e1dba9d1fa2a50d7bbcc8384e0a265d", total: 7711, steps: 1 },
  { digest: "sha256:a70ff7e570d97baaf4e62ac6e6ad9975e04caa6d900d3742d37698494479e0cd", total: 6016, steps: 1 }
]

const now = () => new Date().toISOString()
const lastUserText = (body: { messages?: ReadonlyArray<{ role: string; content: string }> }) =>
  [...(body.messages ?? [])].reverse().find((m) => m.role === "user")?.content ?? ""

/** Starts the fake; resolves once it listens. */
export const serve = (options: ServeOptions = {}): Promise<Served> =>
  FakeHttp.serve(options.port ?? 0, (req, res, text) => {
    const body = text.length > 0 ? JSON.parse(text) : {}
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json; charset=utf-8" })
      res.end(JSON.stringify(value))
    }
    // One NDJSON line after another, `ms` apart, like Ollama's streams.
    const lines = (values: ReadonlyArray<unknown>, ms: number) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" })
      let i = 0
      const next = () => {
        if (i >= values.length) return void res.end()
        res.write(`${JSON.stringify(values[i++])}\n`)
        setTimeout(next, ms)
      }
      next()
    }
    const model = String(body.model ?? "")
    switch (`${req.method} ${req.url}`) {
      case "GET /api/version":
        return json(200, { version: "0.12.6-fake" })
      case "GET /api/tags":
        return json(200, {
          models: ["llama3.2:latest", "all-minilm:latest"].map((name) => ({
            name,
            model: name,
            modified_at: "2025-05-04T17:37:44.706015396-07:00",
            size: 2_019_393_189,
            digest: layers[0]!.digest.slice(7),
            details: { format: "gguf", family: "llama", parameter_size: "3.2B", quantization_level: "Q4_K_M" }
          }))
        })
      case "POST /api/show":
        return json(200, {
          parameters: "num_ctx 4096",
          template: "{{ .Prompt }}",
          details: { format: "gguf", family: "llama", parameter_size: "3.2B", quantization_level: "Q4_K_M" },
          model_info: { "general.architecture": "llama", "llama.context_length": 131072 },
          capabilities: ["completion", "tools"]
        })
      case "POST /api/embed": {
        const input: Array<string> = typeof body.input === "string" ? [body.input] : body.input
        return json(200, { model, embeddings: input.map((s) => [s.length / 10, 0.5]), prompt_eval_count: input.length * 4 })
      }
      case "POST /api/pull": {
        const progress: Array<unknown> = [{ status: "pulling manifest" }]
        if (model.includes("missing")) {
          progress.push({ error: "pull model manifest: file does not exist" })
        } else {
          for (const layer of layers) {
            const status = `pulling ${layer.digest.slice(7, 19)}`
            progress.push({ status, digest: layer.digest, total: layer.total })
            for (let step = 1; step <= layer.steps; step++) {
              progress.push({ status, digest: layer.digest, total: layer.total, completed: Math.round((layer.total * step) / layer.steps) })
            }
          }
          progress.push({ status: "verifying sha256 digest" }, { status: "writing manifest" }, { status: "success" })
        }
        return lines(progress, options.pullStepMs ?? 60)
      }
      case "POST /api/chat":
      case "POST /api/generate": {
        const prompt = req.url === "/api/chat" ? lastUserText(body) : String(body.prompt ?? "")
        if (prompt.includes("[fault:500]")) return json(500, { error: "the model failed to generate a response" })
        const answer = `You said: ${prompt}`
        const words = answer.split(/(?<=\s)/)
        const counts = { prompt_eval_count: prompt.length, eval_count: words.length }
        const piece = (content: string, done: boolean) =>
          req.url === "/api/chat"
            ? { model, created_at: now(), message: { role: "assistant", content }, done }
            : { model, created_at: now(), response: content, done }
        if (body.stream === false) return json(200, { ...piece(answer, true), done_reason: "stop", ...counts })
        return lines([...words.map((w) => piece(w, false)), { ...piece("", true), done_reason: "stop", ...counts }], options.wordMs ?? 30)
      }
      default:
        return json(404, { error: `404 page not found: ${req.method} ${req.url}` })
    }
  })

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env["PORT"] ?? "11435")
  serve({ port }).then(({ url }) => console.log(`fake Ollama at ${url} (Ctrl-C to stop); try OLLAMA_HOST=${url.slice(7)}`))
}
