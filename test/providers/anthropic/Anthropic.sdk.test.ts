/**
 * The official `@anthropic-ai/sdk` reads our fake server's replies: if it
 * could not, our fake (and so our wire tests) would be wrong. It also reads
 * every recorded stream, and must agree with what our backend makes of it.
 */
import { assert, describe, it } from "@effect/vitest"
import AnthropicSdk from "@anthropic-ai/sdk"
import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { ChatChunk, Message } from "../../../src/index.ts"
import * as Anthropic from "../../../src/providers/anthropic/Anthropic.ts"
import * as FakeServer from "../../support/FakeServer.ts"
import * as Fixtures from "../../support/AnthropicFixtures.ts"
import * as Shared from "../../support/Shared.ts"

const route: FakeServer.Handler = (request) => {
  const body = request.json as { stream?: boolean; tools?: unknown; messages?: unknown } | undefined
  if (JSON.stringify(body?.messages).includes("fail please")) {
    return { kind: "json", status: 429, headers: { "retry-after": "0", "request-id": "req_429" }, body: Fixtures.errorBody("rate_limit_error", "Rate limited") }
  }
  if (body?.stream === true && body.tools !== undefined) {
    return { kind: "chunks", chunks: Fixtures.toolStream("toolu_a", "get_weather", ["{\"city\":", " \"Paris\"}"]) }
  }
  if (body?.stream === true) return { kind: "chunks", chunks: Fixtures.textStream(["Hello", " world"], 5, 2) }
  return {
    kind: "json",
    body: Fixtures.message({ content: [Fixtures.thinking("hmm"), Fixtures.text("Hello there.")], usage: Fixtures.usage(10, 3, { creation: 0, read: 4 }) })
  }
}

const sdk = (url: string) => new AnthropicSdk({ apiKey: "sk-ant-sdk-test-000000", baseURL: url, maxRetries: 0 })
const ask = { model: "claude-haiku-4-5", max_tokens: 100 } as const

describe("the official @anthropic-ai/sdk reads our fake server", () => {
  it.live("a message", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(route)
      const reply = yield* Effect.promise(() => sdk(server.url).messages.create({ ...ask, messages: [{ role: "user", content: "Hi" }] }))
      const text = reply.content.find((b) => b.type === "text")
      assert.strictEqual(text?.type === "text" ? text.text : undefined, "Hello there.")
      assert.strictEqual(reply.stop_reason, "end_turn")
      assert.strictEqual(reply.usage.cache_read_input_tokens, 4)
      assert.strictEqual(server.requests[0]!.url, "/v1/messages")
    }))

  it.live("a text stream, through the SDK's accumulator", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(route)
      const final = yield* Effect.promise(() =>
        sdk(server.url).messages.stream({ ...ask, messages: [{ role: "user", content: "Hi" }] }).finalMessage()
      )
      const text = final.content[0]
      assert.strictEqual(text?.type === "text" ? text.text : undefined, "Hello world")
      assert.strictEqual(final.stop_reason, "end_turn")
      assert.deepStrictEqual([final.usage.input_tokens, final.usage.output_tokens], [5, 2])
    }))

  it.live("a streamed tool_use, its input assembled by the SDK", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(route)
      const final = yield* Effect.promise(() =>
        sdk(server.url).messages.stream({
          ...ask,
          messages: [{ role: "user", content: "Weather?" }],
          tools: [{ name: "get_weather", input_schema: { type: "object" } }]
        }).finalMessage()
      )
      const call = final.content.find((b) => b.type === "tool_use")
      assert.deepStrictEqual(call?.type === "tool_use" ? [call.id, call.name, call.input] : [], ["toolu_a", "get_weather", { city: "Paris" }])
      assert.strictEqual(final.stop_reason, "tool_use")
    }))

  it.live("an error body, as the SDK's typed RateLimitError", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(route)
      const error = yield* Effect.promise(() =>
        sdk(server.url).messages.create({ ...ask, messages: [{ role: "user", content: "fail please" }] }).then(
          () => undefined,
          (e: unknown) => e
        )
      )
      assert.instanceOf(error, AnthropicSdk.RateLimitError)
      const typed = error as InstanceType<typeof AnthropicSdk.RateLimitError>
      assert.strictEqual(typed.requestID, "req_429")
      assert.deepStrictEqual(typed.error, Fixtures.errorBody("rate_limit_error", "Rate limited"))
    }))
})

describe.skipIf(!Shared.available)(`the SDK and our backend agree on every recorded stream${Shared.skipReason}`, () => {
  const files = Shared.streamNames(/^anthropic-messages-.*\.sse$/)
  for (const name of files) {
    it.live(name, () =>
      Effect.gen(function*() {
        const bytes = Shared.streamBytes(name)
        const server = yield* FakeServer.make(() => ({ kind: "chunks", chunks: [bytes] }))
        const theirs = yield* Effect.promise(() =>
          sdk(server.url).messages.stream({ ...ask, messages: [{ role: "user", content: "Hi" }] }).finalMessage().then(
            (message) => ({ message, error: undefined }),
            (error: unknown) => ({ message: undefined, error })
          )
        )
        const backend = yield* Anthropic.make({
          apiKey: Redacted.make("sk-ant-agree-0000000000"),
          baseUrl: `${server.url}/v1`,
          model: "m",
          policy: { maxRetries: 0, circuitBreaker: false }
        }).pipe(Effect.provide(FetchHttpClient.layer))
        const ours = yield* Effect.result(ChatChunk.collect(backend.stream({ messages: [Message.user("Hi")] })))

        if (theirs.message === undefined) {
          // The SDK throws on an error event; we fail with its reason.
          assert.instanceOf(theirs.error, AnthropicSdk.APIError)
          assert.strictEqual(ours._tag, "Failure")
          return
        }
        assert.strictEqual(ours._tag, "Success")
        if (ours._tag !== "Success") return
        const reply = ours.success
        const message = theirs.message
        const text = message.content.flatMap((b) => b.type === "text" ? [b.text] : []).join("")
        assert.strictEqual(reply.text, text)
        assert.strictEqual(reply.rawFinishReason, message.stop_reason ?? undefined)
        assert.strictEqual(reply.id, message.id)
        const u = message.usage
        assert.deepStrictEqual(
          [reply.usage?.inputTokens, reply.usage?.outputTokens],
          [u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0), u.output_tokens]
        )
        const calls = message.content.flatMap((b) => b.type === "tool_use" ? [b] : [])
        assert.deepStrictEqual(reply.toolCalls.map((c) => [c.id, c.name]), calls.map((c) => [c.id, c.name]))
        // Complete inputs parse to what the SDK assembled (a cut-off one stays raw text on our side).
        for (const [i, call] of reply.toolCalls.entries()) {
          let parsed: unknown
          try {
            parsed = JSON.parse(call.arguments)
          } catch {
            continue
          }
          assert.deepStrictEqual(parsed, calls[i]!.input)
        }
      }))
  }
})
