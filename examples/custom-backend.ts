/**
 * Writing your own backend: a toy completion API ("POST /complete") put
 * behind the shared pipeline, so it gets the queue, retry with Retry-After,
 * the circuit breaker, deadlines and stats of every built-in backend.
 *
 *   npm run example examples/custom-backend.ts
 *
 * (starts the toy API on 127.0.0.1 itself; no key, no network).
 */
// ---- backend ----
import { Duration, Effect, Schema } from "effect"
import { HttpClient, HttpClientRequest, HttpClientResponse } from "effect/http"
import { Chat, Content, LlmBackend, LlmError, Message, Pipeline, Policy, type Provider } from "effect-llm-backends"

// The toy API's wire format, decoded at the edge.
const Completion = Schema.Struct({ text: Schema.String, tokens: Schema.Struct({ in: Schema.Number, out: Schema.Number }) })

// HTTP status -> a reason the pipeline understands (retryable, breaker, key fault...).
const reasonOf = (status: number, retryAfter: string | undefined): LlmError.Reason => {
  const seconds = Number(retryAfter)
  if (status === 429) return new LlmError.RateLimited(Number.isFinite(seconds) ? { retryAfter: Duration.seconds(seconds) } : {})
  if (status === 401 || status === 403) return new LlmError.Unauthorized({})
  if (status === 503) return new LlmError.Overloaded({})
  if (status >= 500) return new LlmError.ServerError({})
  return new LlmError.InvalidRequest({ detail: `status ${status}` })
}

/** The toy API as a `Provider`: one attempt of each operation, translation only. */
const toyProvider = (client: HttpClient.HttpClient, baseUrl: string): Provider => ({
  provider: "toy",
  chat: (request, call) => {
    const fail = (reason: LlmError.Reason) => LlmError.make("toy", reason, { model: call.model, requestId: call.requestId })
    const prompt = request.messages.flatMap((m) => m.role === "user" ? m.content : [])
      .map((part) => part._tag === "Text" ? part.text : "").join("\n")
    return HttpClientRequest.post(`${baseUrl}/complete`).pipe(
      HttpClientRequest.bodyJsonUnsafe({ prompt, max_tokens: request.maxTokens }),
      client.execute,
      Effect.mapError((error) => fail(new LlmError.Network({ detail: error.message }))),
      Effect.flatMap((response) =>
        response.status === 200
          ? Effect.mapError(HttpClientResponse.schemaBodyJson(Completion)(response), () =>
            fail(new LlmError.InvalidResponse({})))
          : Effect.fail(fail(reasonOf(response.status, response.headers["retry-after"])))
      ),
      Effect.map((body) =>
        new Chat.ChatResponse({
          provider: "toy",
          model: call.model ?? "toy-1",
          content: [Content.text(body.text)],
          finishReason: "stop",
          usage: { inputTokens: body.tokens.in, outputTokens: body.tokens.out, totalTokens: body.tokens.in + body.tokens.out }
        })
      )
    )
  }
})

/** The backend: the provider behind the pipeline, with a policy of its own. */
export const makeToy = (baseUrl: string) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const policy = yield* Policy.make("toy", { maxRetries: 2, initialRetryDelay: "200 millis" })
    return yield* Pipeline.make(toyProvider(client, baseUrl), { model: "toy-1", policy })
  })
// ---- end backend ----

// ---- a toy server and a run (not part of the backend) ----
import { Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { pathToFileURL } from "node:url"

/** A toy server: answers 503 to every third request, so retries show. */
export const startToyServer = Effect.acquireRelease(
  Effect.callback<{ readonly url: string; readonly seen: () => number; readonly close: () => void }>((resume) => {
    let seen = 0
    const server = createServer((req, res) => {
      let body = ""
      req.on("data", (chunk) => (body += chunk))
      req.on("end", () => {
        seen++
        if (seen % 3 === 1) {
          res.writeHead(503).end()
          return
        }
        const { prompt } = JSON.parse(body) as { prompt: string }
        res.writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ text: `echo: ${prompt}`, tokens: { in: prompt.length, out: prompt.length + 6 } }))
      })
    })
    server.listen(0, "127.0.0.1", () =>
      resume(Effect.succeed({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        seen: () => seen,
        close: () => server.close()
      })))
  }),
  (server) => Effect.sync(server.close)
)

const main = Effect.gen(function*() {
  const server = yield* startToyServer
  const Toy = Layer.effect(LlmBackend.LlmBackend, makeToy(server.url))
  yield* Effect.gen(function*() {
    for (const question of ["Hello", "Is anyone there?"]) {
      const reply = yield* LlmBackend.chat({ messages: [Message.user(question)] })
      console.log(reply.text, `(${reply.usage?.totalTokens} tokens)`)
    }
    const llm = yield* LlmBackend.LlmBackend
    console.log(yield* llm.monitor.report())
    console.log(`the toy server saw ${server.seen()} requests (503s were retried)`)
  }).pipe(Effect.provide(Toy))
}).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer))

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) Effect.runPromise(main)
