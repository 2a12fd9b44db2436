import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { ChatChunk, Message } from "../../../src/index.ts"
import type { LlmError } from "../../../src/LlmError.ts"
import * as Fixtures from "../../support/AnthropicFixtures.ts"
import { setup } from "./setup.ts"

const hi = { messages: [Message.user("Hi")] }
const collect = (stream: Stream.Stream<ChatChunk.ChatChunk, LlmError>) => Stream.runCollect(stream)
const reasonOf = (error: LlmError) => error.reason._tag

describe("Claude streams", () => {
  it.live("metadata, text deltas, then finish and usage; ping is ignored; collect gives the whole answer", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "chunks",
        headers: { "request-id": "req_stream" },
        chunks: Fixtures.textStream(["Hel", "lo"], 9, 2)
      }))
      const chunks = yield* collect(backend.stream(hi, { requestId: "ours-s" }))
      assert.deepStrictEqual(chunks.map((c) => c._tag), ["Metadata", "TextDelta", "TextDelta", "Finish", "Usage"])
      const meta = chunks[0]
      assert.deepStrictEqual(
        meta?._tag === "Metadata" ? { ...meta } : undefined,
        { _tag: "Metadata", id: "msg_fake_stream", model: "claude-sonnet-4-5-20250929", requestId: "ours-s", providerRequestId: "req_stream" }
      )
      const reply = yield* ChatChunk.collect(backend.stream(hi), "anthropic")
      assert.strictEqual(reply.text, "Hello")
      assert.strictEqual(reply.finishReason, "stop")
      assert.strictEqual(reply.rawFinishReason, "end_turn")
      assert.strictEqual(reply.id, "msg_fake_stream")
    }))

  it.live("regression: the usage chunk carries message_start's input tokens (and cache) with message_delta's output", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "chunks",
        chunks: [
          Fixtures.messageStart(25, { cache_creation_input_tokens: 0, cache_read_input_tokens: 5 }),
          Fixtures.blockStart(0, Fixtures.text("")),
          Fixtures.textDelta(0, "Hi"),
          Fixtures.blockStop(0),
          Fixtures.messageDelta("end_turn", 9),
          Fixtures.messageStop
        ]
      }))
      const reply = yield* ChatChunk.collect(backend.stream(hi))
      assert.deepStrictEqual({ ...reply.usage }, { inputTokens: 30, outputTokens: 9, totalTokens: 39, cachedInputTokens: 5 })
    }))

  it.live("message_delta's cumulative counts replace message_start's when it carries them", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "chunks",
        chunks: [
          Fixtures.messageStart(25),
          Fixtures.blockStart(0, Fixtures.text("")),
          Fixtures.textDelta(0, "Hi"),
          Fixtures.blockStop(0),
          Fixtures.messageDelta("end_turn", 40, { input_tokens: 27, cache_read_input_tokens: 3 }),
          Fixtures.messageStop
        ]
      }))
      const reply = yield* ChatChunk.collect(backend.stream(hi))
      assert.deepStrictEqual({ ...reply.usage }, { inputTokens: 30, outputTokens: 40, totalTokens: 70, cachedInputTokens: 3 })
    }))

  it.live("a tool_use block's input_json_delta pieces are assembled into the call's arguments", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "chunks",
        chunks: Fixtures.toolStream("toolu_a", "get_weather", ["{\"ci", "ty\": \"Pa", "ris\"}"])
      }))
      const chunks = yield* collect(backend.stream(hi))
      assert.deepStrictEqual(chunks.map((c) => c._tag), [
        "Metadata",
        "TextDelta",
        "ToolCallDelta",
        "ToolCallDelta",
        "ToolCallDelta",
        "ToolCallDelta",
        "ToolCall",
        "Finish",
        "Usage"
      ])
      const first = chunks.find((c) => c._tag === "ToolCallDelta")
      assert.deepStrictEqual(first?._tag === "ToolCallDelta" ? [first.index, first.id, first.name] : [], [0, "toolu_a", "get_weather"])
      const reply = yield* ChatChunk.collect(backend.stream(hi))
      assert.strictEqual(reply.finishReason, "tool_calls")
      assert.strictEqual(reply.text, "Let me check.")
      assert.deepStrictEqual(reply.toolCalls.map((c) => [c.id, c.name, c.arguments]), [["toolu_a", "get_weather", "{\"city\": \"Paris\"}"]])
    }))

  it.live("two tool calls are numbered in order of appearance; one with no input pieces gets {}", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "chunks",
        chunks: [
          Fixtures.messageStart(20),
          Fixtures.blockStart(0, Fixtures.toolUse("toolu_1", "get_time", {})),
          Fixtures.blockStart(1, Fixtures.toolUse("toolu_2", "get_weather", {})),
          Fixtures.jsonDelta(1, "{\"city\":"),
          Fixtures.blockStop(0),
          Fixtures.jsonDelta(1, "\"Oslo\"}"),
          Fixtures.blockStop(1),
          Fixtures.messageDelta("tool_use", 30),
          Fixtures.messageStop
        ]
      }))
      const chunks = yield* collect(backend.stream(hi))
      const calls = chunks.filter((c): c is ChatChunk.ToolCall => c._tag === "ToolCall")
      assert.deepStrictEqual(calls.map((c) => [c.index, c.id, c.name, c.arguments]), [
        [0, "toolu_1", "get_time", "{}"],
        [1, "toolu_2", "get_weather", "{\"city\":\"Oslo\"}"]
      ])
    }))

  it.live("thinking blocks, their deltas and signatures are skipped", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "chunks",
        chunks: [
          Fixtures.messageStart(20),
          Fixtures.blockStart(0, { type: "thinking", thinking: "", signature: "" }),
          Fixtures.thinkingDelta(0, "Primes are..."),
          Fixtures.signatureDelta(0),
          Fixtures.blockStop(0),
          Fixtures.blockStart(1, Fixtures.text("")),
          Fixtures.textDelta(1, "2, 3, 5."),
          Fixtures.blockStop(1),
          Fixtures.messageDelta("end_turn", 30),
          Fixtures.messageStop
        ]
      }))
      const chunks = yield* collect(backend.stream(hi))
      assert.deepStrictEqual(chunks.map((c) => c._tag), ["Metadata", "TextDelta", "Finish", "Usage"])
      const reply = yield* ChatChunk.collect(backend.stream(hi))
      assert.strictEqual(reply.text, "2, 3, 5.")
    }))

  it.live("a mid-stream error event fails with its classified reason: overloaded_error is Overloaded", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "chunks",
        chunks: [
          Fixtures.messageStart(12),
          Fixtures.blockStart(0, Fixtures.text("")),
          Fixtures.textDelta(0, "Partial"),
          Fixtures.errorEvent("overloaded_error", "Overloaded")
        ]
      }))
      const seen: Array<string> = []
      const error = yield* Effect.flip(
        Stream.runForEach(backend.stream(hi), (c) => Effect.sync(() => c._tag === "TextDelta" && seen.push(c.text)))
      )
      assert.strictEqual(reasonOf(error), "Overloaded")
      assert.include(error.message, "Overloaded")
      assert.deepStrictEqual(seen, ["Partial"])
    }))

  it.live("other mid-stream error types map by their type: api_error is ServerError, rate_limit_error RateLimited", () =>
    Effect.gen(function*() {
      for (const [type, reason] of [["api_error", "ServerError"], ["rate_limit_error", "RateLimited"], ["invalid_request_error", "InvalidRequest"]] as const) {
        const { backend } = yield* setup(() => ({ kind: "chunks", chunks: [Fixtures.messageStart(1), Fixtures.errorEvent(type, "x")] }))
        assert.strictEqual(reasonOf(yield* Effect.flip(collect(backend.stream(hi)))), reason)
      }
    }))

  it.live("a body that ends after content without message_stop is StreamTruncated, never a short success", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "chunks",
        // Even after message_delta's stop_reason: only message_stop ends a message.
        chunks: Fixtures.textStream(["Half an ans"]).slice(0, -1)
      }))
      const error = yield* Effect.flip(collect(backend.stream(hi)))
      assert.strictEqual(reasonOf(error), "StreamTruncated")
    }))

  it.live("a body that ends before any content is Network (retryable)", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "chunks", chunks: [Fixtures.messageStart(5), Fixtures.ping] }))
      const error = yield* Effect.flip(collect(backend.stream(hi)))
      assert.strictEqual(reasonOf(error), "Network")
      assert.isTrue(error.retryable)
    }))

  it.live("a connection destroyed mid-stream fails as Network", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "chunks",
        chunks: [Fixtures.messageStart(5), Fixtures.blockStart(0, Fixtures.text("")), Fixtures.textDelta(0, "Half")],
        end: "destroy"
      }))
      const error = yield* Effect.flip(collect(backend.stream(hi)))
      assert.strictEqual(reasonOf(error), "Network")
    }))

  it.live("malformed event data, or a delta for a block that never started, is InvalidResponse", () =>
    Effect.gen(function*() {
      for (
        const chunks of [
          [Fixtures.messageStart(5), "event: content_block_delta\ndata: {\"type\": \"content_block_delta\", \"index\": \n\n"],
          [Fixtures.messageStart(5), Fixtures.textDelta(3, "orphan")],
          [Fixtures.messageStart(5), Fixtures.blockStart(0, { type: "tool_use", id: "toolu_1", input: {} })]
        ]
      ) {
        const { backend } = yield* setup(() => ({ kind: "chunks", chunks }))
        assert.strictEqual(reasonOf(yield* Effect.flip(collect(backend.stream(hi)))), "InvalidResponse")
      }
    }))

  it.live("an HTTP error before the stream starts is classified like any other", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "json",
        status: 529,
        body: Fixtures.errorBody("overloaded_error", "Overloaded")
      }))
      const error = yield* Effect.flip(collect(backend.stream(hi)))
      assert.strictEqual(reasonOf(error), "Overloaded")
      assert.strictEqual(error.status, 529)
    }))

  it.live("events after message_stop are ignored", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "chunks",
        chunks: [...Fixtures.textStream(["Done."]), Fixtures.textDelta(0, " extra"), "data: not json\n\n"]
      }))
      const reply = yield* ChatChunk.collect(backend.stream(hi))
      assert.strictEqual(reply.text, "Done.")
    }))
})
