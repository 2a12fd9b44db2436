import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Redacted, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import Groq from "groq-sdk"
import { ChatChunk, Message, Tool } from "../../../src/index.ts"
import * as GroqBackend from "../../../src/providers/groq/Groq.ts"
import * as FakeServer from "../../support/FakeServer.ts"
import * as Fixtures from "../../support/OpenAiFixtures.ts"

const KEY = "gsk_test0123456789abcdefSECRET"
const hi = { messages: [Message.user("Hi")] }

const setup = (handler: FakeServer.Handler) =>
  Effect.gen(function*() {
    const server = yield* FakeServer.make(handler)
    const backend = yield* GroqBackend.make({
      apiKey: Redacted.make(KEY),
      baseUrl: `${server.url}/openai/v1`,
      model: "llama-3.3-70b-versatile",
      policy: { maxRetries: 0, circuitBreaker: false }
    }).pipe(Effect.provide(FetchHttpClient.layer))
    return { server, backend }
  })

// Groq's completion: OpenAI's shape plus timing fields in usage and x_groq.
const groqCompletion = {
  ...Fixtures.completion({ model: "llama-3.3-70b-versatile" }),
  usage: { queue_time: 0.02, prompt_tokens: 18, prompt_time: 0.001, completion_tokens: 5, completion_time: 0.01, total_tokens: 23, total_time: 0.011 },
  x_groq: { id: "req_01groq" }
}

describe("Groq", () => {
  it.live("sends the OpenAI chat shape with bearer auth to /openai/v1, any model name passed through", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(() => ({ kind: "json", body: groqCompletion }))
      const reply = yield* backend.chat({ ...hi, model: "some-model-released-tomorrow", maxTokens: 20 })
      const [request] = server.requests
      assert.strictEqual(request!.url, "/openai/v1/chat/completions")
      assert.strictEqual(request!.headers["authorization"], `Bearer ${KEY}`)
      assert.deepStrictEqual(request!.json, {
        model: "some-model-released-tomorrow",
        messages: [{ role: "user", content: "Hi" }],
        max_completion_tokens: 20
      })
      assert.strictEqual(reply.text, "Hello there.")
      assert.strictEqual(reply.usage?.inputTokens, 18)
      assert.strictEqual(reply.usage?.outputTokens, 5)
    }))

  it.live("reads streamed usage from x_groq.usage in the last chunk", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "chunks",
        chunks: FakeServer.sse([
          Fixtures.chunk({ role: "assistant", content: "" }),
          Fixtures.chunk({ content: "Hi!" }),
          Fixtures.chunk({}, "stop", { x_groq: { id: "req_1", usage: { prompt_tokens: 11, completion_tokens: 2, total_tokens: 13, queue_time: 0.01 } } })
        ])
      }))
      const reply = yield* ChatChunk.collect(backend.stream(hi))
      assert.strictEqual(reply.text, "Hi!")
      assert.strictEqual(reply.usage?.inputTokens, 11)
      assert.strictEqual(reply.usage?.outputTokens, 2)
    }))

  it.live("tools go out in the OpenAI shape", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(() => ({ kind: "json", body: groqCompletion }))
      yield* backend.chat({ ...hi, tools: [Tool.make("lookup", { parameters: { type: "object" } })], toolChoice: "required" })
      const body = server.requests[0]!.json as Record<string, unknown>
      assert.deepStrictEqual(body["tools"], [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }])
      assert.strictEqual(body["tool_choice"], "required")
    }))

  it.live("has no embeddings: Unsupported, and nothing is sent", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(() => ({ kind: "json", body: {} }))
      assert.isFalse(backend.capabilities.embed)
      const error = yield* Effect.flip(backend.embed("x"))
      assert.strictEqual(error.reason._tag, "Unsupported")
      assert.strictEqual(server.requests.length, 0)
    }))

  it.live("lists models from the API", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "json",
        body: { object: "list", data: [{ id: "llama-3.3-70b-versatile", object: "model", created: 1, owned_by: "Meta", active: true, context_window: 131072 }] }
      }))
      assert.deepStrictEqual((yield* backend.models()).map((m) => m.id), ["llama-3.3-70b-versatile"])
    }))

  it.live("a 429 reads retry-after, and x-ratelimit reset headers when it is absent", () =>
    Effect.gen(function*() {
      let n = 0
      const { backend } = yield* setup(() =>
        n++ === 0
          ? { kind: "json", status: 429, headers: { "retry-after": "7" }, body: Fixtures.errorBody("Rate limit reached", "tokens", "rate_limit_exceeded") }
          : {
            kind: "json",
            status: 429,
            headers: { "x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "7.66s" },
            body: Fixtures.errorBody("Rate limit reached", "tokens", "rate_limit_exceeded")
          }
      )
      const first = yield* Effect.flip(backend.chat(hi))
      assert.strictEqual(first.reason._tag, "RateLimited")
      assert.deepStrictEqual(first.retryAfter, Duration.seconds(7))
      const second = yield* Effect.flip(backend.chat(hi))
      assert.deepStrictEqual(second.retryAfter, Duration.millis(7660))
    }))

  it.live("an in-stream error object fails the stream", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "chunks",
        chunks: FakeServer.sse([{ error: { message: "Service Unavailable", type: "internal_server_error" } }], { done: false })
      }))
      const error = yield* Effect.flip(Stream.runCollect(backend.stream(hi)))
      assert.strictEqual(error.reason._tag, "ServerError")
    }))

  it.live("the official groq-sdk reads our fake server's replies", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make((request) =>
        (request.json as { stream?: boolean }).stream === true
          ? {
            kind: "chunks",
            chunks: FakeServer.sse([
              Fixtures.chunk({ role: "assistant", content: "Hel" }),
              Fixtures.chunk({ content: "lo" }),
              Fixtures.chunk({}, "stop", { x_groq: { id: "req_1", usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } } })
            ])
          }
          : { kind: "json", body: groqCompletion }
      )
      const client = new Groq({ apiKey: KEY, baseURL: `${server.url}/openai/v1`.replace(/\/openai\/v1$/, ""), maxRetries: 0 })
      const reply = yield* Effect.promise(() =>
        client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "Hi" }] })
      )
      assert.strictEqual(reply.choices[0]?.message.content, "Hello there.")
      const text = yield* Effect.promise(async () => {
        let out = ""
        const stream = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "Hi" }], stream: true })
        for await (const chunk of stream) out += chunk.choices[0]?.delta.content ?? ""
        return out
      })
      assert.strictEqual(text, "Hello")
      assert.match(server.requests[0]!.url, /\/openai\/v1\/chat\/completions$/)
    }))
})
