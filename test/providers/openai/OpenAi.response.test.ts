import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Stream } from "effect"
import { ChatChunk, Message } from "../../../src/index.ts"
import * as FakeServer from "../../support/FakeServer.ts"
import * as Fixtures from "../../support/OpenAiFixtures.ts"
import { setup } from "../../support/openAi.ts"

const hi = { messages: [Message.user("Hi")] }

describe("OpenAI responses", () => {
  it.live("a completion becomes text, finish reason, usage with cached and reasoning tokens, ids", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "json",
        body: Fixtures.completion({}),
        headers: { "x-request-id": "req_provider_1" }
      }))
      const reply = yield* backend.chat(hi)
      assert.strictEqual(reply.text, "Hello there.")
      assert.strictEqual(reply.finishReason, "stop")
      assert.strictEqual(reply.model, "gpt-4o-mini-2024-07-18")
      assert.strictEqual(reply.id, "chatcmpl-fake1")
      assert.strictEqual(reply.providerRequestId, "req_provider_1")
      assert.deepStrictEqual(
        { ...reply.usage },
        { inputTokens: 12, outputTokens: 3, totalTokens: 15, cachedInputTokens: 4, reasoningTokens: 0 }
      )
    }))

  it.live("tool calls come back as parts with their raw argument text", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "json",
        body: Fixtures.completion({
          content: null,
          finish: "tool_calls",
          toolCalls: [
            { id: "call_a", name: "get_weather", arguments: "{\"city\":\"Paris\"}" },
            { id: "call_b", name: "get_time", arguments: "{}" }
          ]
        })
      }))
      const reply = yield* backend.chat(hi)
      assert.strictEqual(reply.finishReason, "tool_calls")
      assert.strictEqual(reply.text, "")
      assert.deepStrictEqual(reply.toolCalls.map((c) => [c.id, c.name, c.arguments]), [
        ["call_a", "get_weather", "{\"city\":\"Paris\"}"],
        ["call_b", "get_time", "{}"]
      ])
    }))

  it.live("a refusal is kept", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "json",
        body: Fixtures.completion({ content: null, refusal: "I can't help with that." })
      }))
      const reply = yield* backend.chat(hi)
      assert.strictEqual(reply.refusal, "I can't help with that.")
    }))

  it.live("a success body that does not match the format is InvalidResponse with a snippet", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "json", body: { choices: "nope" } }))
      const error = yield* Effect.flip(backend.chat(hi))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      if (error.reason._tag === "InvalidResponse") assert.include(error.reason.snippet, "nope")
    }))

  it.live("a success body that is not JSON is InvalidResponse", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "text", body: "<html>gateway</html>" }))
      const error = yield* Effect.flip(backend.chat(hi))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      assert.include(error.message, "not JSON")
    }))

  it.live("no choices is InvalidResponse, not an empty answer", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "json", body: { ...Fixtures.completion({}), choices: [] } }))
      const error = yield* Effect.flip(backend.chat(hi))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
    }))
})

describe("OpenAI error bodies", () => {
  const cases: ReadonlyArray<readonly [string, FakeServer.Action, string]> = [
    ["400", { kind: "json", status: 400, body: Fixtures.errorBody("Invalid 'messages'", "invalid_request_error", null, "messages") }, "InvalidRequest"],
    ["400 context length", {
      kind: "json",
      status: 400,
      body: Fixtures.errorBody("This model's maximum context length is 128000 tokens.", "invalid_request_error", "context_length_exceeded", "messages")
    }, "ContextLengthExceeded"],
    ["400 content filter", {
      kind: "json",
      status: 400,
      body: Fixtures.errorBody("Your request was rejected by our safety system.", "invalid_request_error", "content_policy_violation")
    }, "ContentFiltered"],
    ["401", { kind: "json", status: 401, body: Fixtures.errorBody("Incorrect API key provided", "invalid_request_error", "invalid_api_key") }, "Unauthorized"],
    ["403", { kind: "json", status: 403, body: Fixtures.errorBody("Country not supported", "request_forbidden", "unsupported_country_region_territory") }, "Unauthorized"],
    ["404", { kind: "json", status: 404, body: Fixtures.errorBody("The model `gpt-9` does not exist", "invalid_request_error", "model_not_found") }, "NotFound"],
    ["429 rate limit", {
      kind: "json",
      status: 429,
      headers: { "retry-after": "2" },
      body: Fixtures.errorBody("Rate limit reached for requests", "requests", "rate_limit_exceeded")
    }, "RateLimited"],
    ["429 quota", {
      kind: "json",
      status: 429,
      body: Fixtures.errorBody("You exceeded your current quota, please check your plan and billing details.", "insufficient_quota", "insufficient_quota")
    }, "QuotaExhausted"],
    ["500", { kind: "json", status: 500, body: Fixtures.errorBody("The server had an error", "server_error") }, "ServerError"],
    ["502 non-JSON", { kind: "text", status: 502, body: "<html><body>Bad Gateway</body></html>" }, "ServerError"],
    ["503", { kind: "json", status: 503, body: Fixtures.errorBody("The engine is currently overloaded", "server_error") }, "Overloaded"]
  ]

  for (const [name, action, reason] of cases) {
    it.live(`${name} is ${reason}, with status and the provider's message`, () =>
      Effect.gen(function*() {
        const { backend } = yield* setup(() => ({ ...action, headers: { ...("headers" in action ? action.headers : {}), "x-request-id": "req_p" } }))
        const error = yield* Effect.flip(backend.chat(hi, { requestId: "ours-1" }))
        assert.strictEqual(error.reason._tag, reason)
        assert.strictEqual(error.provider, "openai")
        assert.strictEqual(error.model, "gpt-4o-mini")
        assert.strictEqual(error.requestId, "ours-1")
        assert.strictEqual(error.providerRequestId, "req_p")
        assert.strictEqual(error.status, Number(name.slice(0, 3)))
        const said = action.kind === "json" ? (action.body as { error: { message: string } }).error.message : "Bad Gateway"
        assert.include(error.message, said)
      }))
  }

  it.live("429 Retry-After is read into the reason", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "json",
        status: 429,
        headers: { "retry-after": "7" },
        body: Fixtures.errorBody("slow down", "requests", "rate_limit_exceeded")
      }))
      const error = yield* Effect.flip(backend.chat(hi))
      assert.deepStrictEqual(error.retryAfter, Duration.seconds(7))
      assert.isTrue(error.retryable)
    }))

  it.live("400 names the offending field from `param`", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "json",
        status: 400,
        body: Fixtures.errorBody("Invalid value", "invalid_request_error", null, "temperature")
      }))
      const error = yield* Effect.flip(backend.chat(hi))
      assert.strictEqual(error.reason._tag === "InvalidRequest" ? error.reason.field : undefined, "temperature")
    }))

  it.live("a refused connection is Network", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "reset" }))
      const error = yield* Effect.flip(backend.chat(hi))
      assert.strictEqual(error.reason._tag, "Network")
    }))
})

describe("OpenAI streams", () => {
  const collect = (stream: Stream.Stream<ChatChunk.ChatChunk, unknown>) => Stream.runCollect(stream)

  it.live("text deltas, finish, then the usage chunk; collect gives the whole answer", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "chunks",
        chunks: FakeServer.sse([
          Fixtures.chunk({ role: "assistant", content: "", refusal: null }),
          Fixtures.chunk({ content: "Hel" }),
          Fixtures.chunk({ content: "lo" }),
          Fixtures.chunk({}, "stop"),
          Fixtures.usageChunk(9, 2)
        ])
      }))
      const chunks = yield* collect(backend.stream(hi))
      assert.deepStrictEqual(chunks.map((c) => c._tag), ["Metadata", "TextDelta", "TextDelta", "Finish", "Usage"])
      const reply = yield* ChatChunk.collect(backend.stream(hi), "openai")
      assert.strictEqual(reply.text, "Hello")
      assert.strictEqual(reply.finishReason, "stop")
      assert.strictEqual(reply.usage?.inputTokens, 9)
      assert.strictEqual(reply.usage?.outputTokens, 2)
    }))

  it.live("tool-call deltas are assembled by index, even interleaved", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "chunks",
        chunks: FakeServer.sse([
          Fixtures.chunk({ role: "assistant", tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "get_weather", arguments: "" } }] }),
          Fixtures.chunk({ tool_calls: [{ index: 1, id: "call_b", type: "function", function: { name: "get_time", arguments: "" } }] }),
          Fixtures.chunk({ tool_calls: [{ index: 0, function: { arguments: "{\"city\":" } }] }),
          Fixtures.chunk({ tool_calls: [{ index: 1, function: { arguments: "{}" } }] }),
          Fixtures.chunk({ tool_calls: [{ index: 0, function: { arguments: "\"Paris\"}" } }] }),
          Fixtures.chunk({}, "tool_calls")
        ])
      }))
      const chunks = yield* collect(backend.stream(hi))
      const calls = chunks.filter((c): c is ChatChunk.ToolCall => c._tag === "ToolCall")
      assert.deepStrictEqual(calls.map((c) => [c.index, c.id, c.name, c.arguments]), [
        [0, "call_a", "get_weather", "{\"city\":\"Paris\"}"],
        [1, "call_b", "get_time", "{}"]
      ])
      assert.strictEqual(chunks.filter((c) => c._tag === "ToolCallDelta").length, 5)
      const finish = chunks.find((c) => c._tag === "Finish")
      assert.strictEqual(finish?._tag === "Finish" ? finish.reason : undefined, "tool_calls")
    }))

  it.live("a finish_reason and a clean end without [DONE] is a complete answer", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "chunks",
        chunks: FakeServer.sse([Fixtures.chunk({ content: "Done." }), Fixtures.chunk({}, "stop")], { done: false })
      }))
      const reply = yield* ChatChunk.collect(backend.stream(hi))
      assert.strictEqual(reply.text, "Done.")
    }))

  it.live("an error object inside a 200 stream fails the stream with its reason", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "chunks",
        chunks: FakeServer.sse([
          Fixtures.chunk({ content: "Partial" }),
          { error: { message: "The server had an error while processing your request.", type: "server_error", code: null } }
        ], { done: false })
      }))
      const error = yield* Effect.flip(collect(backend.stream(hi)))
      assert.strictEqual((error as { reason: { _tag: string } }).reason._tag, "ServerError")
    }))

  it.live("a body cut after content without a terminal event is StreamTruncated, never a short success", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "chunks",
        chunks: FakeServer.sse([Fixtures.chunk({ content: "Half an ans" })], { done: false })
      }))
      const error = yield* Effect.flip(collect(backend.stream(hi)))
      assert.strictEqual((error as { reason: { _tag: string } }).reason._tag, "StreamTruncated")
    }))

  it.live("a connection destroyed mid-stream fails as Network, never a short success", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "chunks",
        chunks: FakeServer.sse([Fixtures.chunk({ content: "Half" })], { done: false }),
        end: "destroy"
      }))
      const error = yield* Effect.flip(collect(backend.stream(hi)))
      assert.strictEqual((error as { reason: { _tag: string } }).reason._tag, "Network")
    }))

  it.live("a malformed chunk is InvalidResponse", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "chunks",
        chunks: ["data: {\"choices\": [\n\n", "data: [DONE]\n\n"]
      }))
      const error = yield* Effect.flip(collect(backend.stream(hi)))
      assert.strictEqual((error as { reason: { _tag: string } }).reason._tag, "InvalidResponse")
    }))

  it.live("an HTTP error before the stream starts is classified like any other", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "json",
        status: 429,
        headers: { "retry-after-ms": "1500" },
        body: Fixtures.errorBody("Rate limit", "tokens", "rate_limit_exceeded")
      }))
      const error = yield* Effect.flip(collect(backend.stream(hi)))
      const llm = error as { reason: { _tag: string }; retryAfter: Duration.Duration }
      assert.strictEqual(llm.reason._tag, "RateLimited")
      assert.deepStrictEqual(llm.retryAfter, Duration.millis(1500))
    }))
})
