/**
 * The official `openai` SDK reads our fake server's replies: if it could
 * not, our fake (and so our wire tests) would be wrong.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import OpenAI from "openai"
import * as FakeServer from "../../support/FakeServer.ts"
import * as Fixtures from "../../support/OpenAiFixtures.ts"

const route: FakeServer.Handler = (request) => {
  const body = request.json as { stream?: boolean; tools?: unknown } | undefined
  if (request.url.endsWith("/models")) {
    return { kind: "json", body: { object: "list", data: [{ id: "gpt-4o", object: "model", created: 1, owned_by: "system" }] } }
  }
  if (request.url.endsWith("/embeddings")) {
    return {
      kind: "json",
      body: { object: "list", model: "text-embedding-3-small", data: [{ object: "embedding", index: 0, embedding: [0.25, -0.5] }], usage: { prompt_tokens: 2, total_tokens: 2 } }
    }
  }
  if (body?.stream === true && body.tools !== undefined) {
    return {
      kind: "chunks",
      chunks: FakeServer.sse([
        Fixtures.chunk({ role: "assistant", content: null, tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "get_weather", arguments: "" } }] }),
        Fixtures.chunk({ tool_calls: [{ index: 0, function: { arguments: "{\"city\":" } }] }),
        Fixtures.chunk({ tool_calls: [{ index: 0, function: { arguments: "\"Paris\"}" } }] }),
        Fixtures.chunk({}, "tool_calls"),
        Fixtures.usageChunk(20, 8)
      ])
    }
  }
  if (body?.stream === true) {
    return {
      kind: "chunks",
      chunks: FakeServer.sse([
        Fixtures.chunk({ role: "assistant", content: "", refusal: null }),
        Fixtures.chunk({ content: "Hello" }),
        Fixtures.chunk({ content: " world" }),
        Fixtures.chunk({}, "stop"),
        Fixtures.usageChunk(5, 2)
      ])
    }
  }
  if (request.url.endsWith("/chat/completions") && JSON.stringify(body).includes("fail please")) {
    return { kind: "json", status: 429, headers: { "retry-after": "0" }, body: Fixtures.errorBody("Rate limit reached", "requests", "rate_limit_exceeded") }
  }
  return { kind: "json", body: Fixtures.completion({}) }
}

const sdk = (url: string) => new OpenAI({ apiKey: "sk-sdk-test-000000", baseURL: `${url}/v1`, maxRetries: 0 })

describe("the official openai SDK reads our fake server", () => {
  it.live("a completion", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(route)
      const reply = yield* Effect.promise(() =>
        sdk(server.url).chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] })
      )
      assert.strictEqual(reply.choices[0]?.message.content, "Hello there.")
      assert.strictEqual(reply.usage?.prompt_tokens_details?.cached_tokens, 4)
    }))

  it.live("a text stream, with its usage chunk, through the SDK's accumulator", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(route)
      const final = yield* Effect.promise(async () => {
        const stream = sdk(server.url).chat.completions.stream({
          model: "gpt-4o-mini",
          messages: [{ role: "user", content: "Hi" }],
          stream_options: { include_usage: true }
        })
        return stream.finalChatCompletion()
      })
      assert.strictEqual(final.choices[0]?.message.content, "Hello world")
      assert.strictEqual(final.choices[0]?.finish_reason, "stop")
      assert.strictEqual(final.usage?.completion_tokens, 2)
    }))

  it.live("a streamed tool call, assembled by the SDK", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(route)
      const final = yield* Effect.promise(() =>
        sdk(server.url).chat.completions.stream({
          model: "gpt-4o-mini",
          messages: [{ role: "user", content: "Weather?" }],
          tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }]
        }).finalChatCompletion()
      )
      const call = final.choices[0]?.message.tool_calls?.[0]
      assert.strictEqual(call?.type === "function" ? call.function.arguments : undefined, "{\"city\":\"Paris\"}")
      assert.strictEqual(call?.id, "call_a")
    }))

  it.live("embeddings and models", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(route)
      const client = sdk(server.url)
      const vectors = yield* Effect.promise(() =>
        client.embeddings.create({ model: "text-embedding-3-small", input: "hello", encoding_format: "float" })
      )
      assert.deepStrictEqual(vectors.data[0]?.embedding, [0.25, -0.5])
      const models = yield* Effect.promise(() => client.models.list())
      assert.strictEqual(models.data[0]?.id, "gpt-4o")
    }))

  it.live("an error body, as the SDK's typed RateLimitError", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(route)
      const error = yield* Effect.promise(() =>
        sdk(server.url).chat.completions.create({ model: "m", messages: [{ role: "user", content: "fail please" }] }).then(
          () => undefined,
          (e: unknown) => e
        )
      )
      assert.instanceOf(error, OpenAI.RateLimitError)
      assert.strictEqual((error as InstanceType<typeof OpenAI.RateLimitError>).code, "rate_limit_exceeded")
    }))
})
