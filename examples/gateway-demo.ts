/**
 * `npm run demo:gateway`: the gateway over eleven local fake backends (no
 * keys, no network), with a little traffic so the dashboard moves: one
 * backend fails often (watch its breaker open and the fallbacks), one is
 * slow. Prints the dashboard URL; Ctrl-C stops it.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Context, Effect, Layer } from "effect"
import { HttpServer } from "effect/http"
import { Clients, Gateway, GatewayConfig } from "effect-llm-backends/gateway"
import { UndiciHttpClient } from "effect-llm-backends/node"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { randomBytes } from "node:crypto"

const NAMES = ["openai", "claude", "groq", "gemini", "tgi", "tei", "ollama", "ovms", "opea", "llvm", "local"]

// An OpenAI-compatible fake: answers chat (JSON or SSE) after `delayMs`, failing with 503 at `failRate`.
const fake = (delayMs: number, failRate: number) =>
  new Promise<string>((resolve) => {
    const server = createServer((req, res) => {
      const parts: Array<Buffer> = []
      req.on("data", (p: Buffer) => parts.push(p))
      req.on("end", () => {
        const body = JSON.parse(Buffer.concat(parts).toString("utf8") || "{}") as { stream?: boolean }
        setTimeout(() => {
          if (Math.random() < failRate) {
            res.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "overloaded", type: "server_error" } }))
            return
          }
          const text = "Hello from a local fake backend."
          if (body.stream === true) {
            res.writeHead(200, { "content-type": "text/event-stream" })
            for (const word of text.split(" ")) res.write(`data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 0, model: "fake", choices: [{ index: 0, delta: { content: `${word} ` }, finish_reason: null }] })}\n\n`)
            res.end(`data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 0, model: "fake", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\ndata: [DONE]\n\n`)
            return
          }
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({
            id: "c", object: "chat.completion", created: 0, model: "fake",
            choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
            usage: { prompt_tokens: 8, completion_tokens: 7, total_tokens: 15 }
          }))
        }, delayMs)
      })
    })
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`))
  })

const program = Effect.gen(function*() {
  // The fakes need no key; the OpenAI provider wants one, so a dummy lives in this process only.
  process.env["DEMO_FAKE_KEY"] = "demo-not-a-real-key"
  const urls = yield* Effect.promise(() => Promise.all(NAMES.map((_, i) => fake(i === 9 ? 400 : 5 + i * 3, i === 0 ? 0.6 : 0.02))))
  const admin = `admin-${randomBytes(12).toString("base64url")}`
  const config = yield* GatewayConfig.fromJson({
    listen: { host: "127.0.0.1", port: Number(process.env["PORT"] ?? 8787) },
    admin: { keyHash: Clients.hashKey(admin) },
    allowAnonymous: true,
    backends: NAMES.map((name, i) => ({
      name,
      provider: "openai",
      baseUrl: urls[i],
      apiKeyEnv: "DEMO_FAKE_KEY",
      model: "fake",
      policy: { max_retries: 1, initial_retry_delay: 0.05, failure_threshold: 3, reset_timeout: 5 }
    })),
    routes: [{ match: "smart", targets: ["openai", "claude", "groq"] }, { match: "*", targets: NAMES }],
    accessLog: false
  })
  const gateway = yield* Gateway.make(config)
  const served = yield* Layer.build(Gateway.layer(gateway))
  const address = Context.get(served, HttpServer.HttpServer).address
  const base = `http://127.0.0.1:${address._tag === "UnixPathAddress" ? 0 : address.port}`
  console.log(`gateway:   ${base}/v1  (OpenAI-compatible; no key needed in the demo)`)
  console.log(`dashboard: ${base}/dashboard?key=${admin}`)
  // Traffic so the dashboard has something to show.
  const call = (model: string, stream: boolean) =>
    Effect.promise(() =>
      fetch(`${base}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model, stream, messages: [{ role: "user", content: "Hi" }] })
      }).then((r) => r.text(), () => "")
    )
  yield* Effect.forever(Effect.andThen(
    Effect.all([call("smart", false), call("smart", true), call(`m-${Math.floor(Math.random() * 5)}`, false)], { concurrency: "unbounded" }),
    Effect.sleep("300 millis")
  ))
})

NodeRuntime.runMain(Effect.scoped(program).pipe(Effect.provide(UndiciHttpClient.layer)))
