import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { ChatChunk, Message } from "../../../src/index.ts"
import * as Fixtures from "../../support/GeminiFixtures.ts"
import { reasonOf, setup } from "./setup.ts"

const hi = { messages: [Message.user("Hi")] }
const collect = (stream: Stream.Stream<ChatChunk.ChatChunk, unknown>) => Stream.runCollect(stream)

// Three frames the way Gemini streams text: usage on every frame, growing; finish on the last.
const textFrames = [
  Fixtures.frame([{ text: "The" }], undefined, { promptTokenCount: 7, totalTokenCount: 7 }),
  Fixtures.frame([{ text: " sky is" }], undefined, { promptTokenCount: 7, totalTokenCount: 7 }),
  Fixtures.frame([{ text: " blue." }], "STOP", Fixtures.usageMetadata(7, 5))
]

describe("Gemini streams", () => {
  it.live("CRLF-framed events: Metadata, text deltas, Finish, then ONE Usage with the last values", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "chunks", chunks: Fixtures.sse(textFrames) }))
      const chunks = yield* collect(backend.stream(hi))
      assert.deepStrictEqual(chunks.map((c) => c._tag), ["Metadata", "TextDelta", "TextDelta", "TextDelta", "Finish", "Usage"])
      const meta = chunks[0] as ChatChunk.Metadata
      assert.strictEqual(meta.id, "resp_stream_1")
      assert.strictEqual(meta.model, "gemini-2.0-flash-001")
      const usage = chunks.filter((c): c is ChatChunk.UsageChunk => c._tag === "Usage")
      assert.deepStrictEqual(usage.map((u) => [u.usage.inputTokens, u.usage.outputTokens, u.usage.totalTokens]), [[7, 5, 12]])
      const finish = chunks.find((c) => c._tag === "Finish") as ChatChunk.Finish
      assert.deepStrictEqual([finish.reason, finish.raw], ["stop", "STOP"])
    }))

  it.live("collect gives the whole answer; the body's end without [DONE] is the end", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "chunks", chunks: Fixtures.sse(textFrames) }))
      const reply = yield* ChatChunk.collect(backend.stream(hi), "gemini")
      assert.strictEqual(reply.text, "The sky is blue.")
      assert.strictEqual(reply.finishReason, "stop")
      assert.strictEqual(reply.usage?.outputTokens, 5)
    }))

  it.live("LF framing and events split across reads decode the same", () =>
    Effect.gen(function*() {
      const whole = Fixtures.sse(textFrames, "\n").join("")
      const pieces = [whole.slice(0, 5), whole.slice(5, 101), whole.slice(101, 102), whole.slice(102)]
      const { backend } = yield* setup(() => ({ kind: "chunks", chunks: pieces }))
      const reply = yield* ChatChunk.collect(backend.stream(hi))
      assert.strictEqual(reply.text, "The sky is blue.")
    }))

  it.live("a streamed function call: a delta with the whole args, then the complete call, finish tool_calls", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "chunks",
        chunks: Fixtures.sse([
          Fixtures.frame([Fixtures.functionCall("get_weather", { city: "Paris" })]),
          Fixtures.frame([Fixtures.functionCall("get_time", {})], "STOP", Fixtures.usageMetadata(20, 8))
        ])
      }))
      const chunks = yield* collect(backend.stream(hi))
      assert.deepStrictEqual(chunks.map((c) => c._tag), ["Metadata", "ToolCallDelta", "ToolCallDelta", "ToolCall", "ToolCall", "Finish", "Usage"])
      const calls = chunks.filter((c): c is ChatChunk.ToolCall => c._tag === "ToolCall")
      assert.deepStrictEqual(calls.map((c) => [c.index, c.id, c.name, c.arguments]), [
        [0, "call_0", "get_weather", "{\"city\":\"Paris\"}"],
        [1, "call_1", "get_time", "{}"]
      ])
      assert.strictEqual((chunks.find((c) => c._tag === "Finish") as ChatChunk.Finish).reason, "tool_calls")
    }))

  it.live("a body cut after content with no finishReason is StreamTruncated, never a short success", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "chunks", chunks: Fixtures.sse(textFrames.slice(0, 2)) }))
      const seen: Array<string> = []
      const error = yield* Effect.flip(Stream.runForEach(backend.stream(hi), (c) => Effect.sync(() => c._tag === "TextDelta" && seen.push(c.text))))
      assert.strictEqual(reasonOf(error), "StreamTruncated")
      assert.deepStrictEqual(seen, ["The", " sky is"])
    }))

  it.live("a body that ends before any event is Network (retryable: nothing was shown)", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "chunks", chunks: [] }))
      const error = yield* Effect.flip(collect(backend.stream(hi)))
      assert.strictEqual(reasonOf(error), "Network")
    }))

  it.live("a connection destroyed mid-stream fails, never a short success", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "chunks", chunks: Fixtures.sse(textFrames.slice(0, 1)), end: "destroy" }))
      const error = yield* Effect.flip(collect(backend.stream(hi)))
      assert.strictEqual(reasonOf(error), "Network")
    }))

  it.live("an error object inside the 200 stream fails with its reason (RESOURCE_EXHAUSTED → RateLimited)", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "chunks",
        chunks: Fixtures.sse([textFrames[0], Fixtures.rateLimited("5s")])
      }))
      const error = yield* Effect.flip(collect(backend.stream(hi)))
      assert.strictEqual(reasonOf(error), "RateLimited")
      assert.include(String(error), "exceeded your current quota")
    }))

  it.live("an in-stream error in the array form with API_KEY_INVALID is Unauthorized", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "chunks", chunks: Fixtures.sse([[Fixtures.apiKeyInvalid]]) }))
      const error = yield* Effect.flip(collect(backend.stream(hi)))
      assert.strictEqual(reasonOf(error), "Unauthorized")
    }))

  it.live("SAFETY after some text fails the stream as ContentFiltered naming it", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "chunks",
        chunks: Fixtures.sse([textFrames[0], Fixtures.frame([], "SAFETY")])
      }))
      const error = yield* Effect.flip(collect(backend.stream(hi)))
      assert.strictEqual(reasonOf(error), "ContentFiltered")
      assert.include(String(error), "SAFETY")
    }))

  it.live("a blocked prompt in the stream is ContentFiltered", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "chunks", chunks: Fixtures.sse([Fixtures.blocked("SAFETY")]) }))
      const error = yield* Effect.flip(collect(backend.stream(hi)))
      assert.strictEqual(reasonOf(error), "ContentFiltered")
    }))

  it.live("a malformed event is InvalidResponse", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "chunks", chunks: ["data: {\"candidates\": [\r\n\r\n"] }))
      const error = yield* Effect.flip(collect(backend.stream(hi)))
      assert.strictEqual(reasonOf(error), "InvalidResponse")
    }))

  it.live("an HTTP error before the stream starts is classified like any other (404 → NotFound)", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "json", status: 404, body: Fixtures.errorBody(404, "NOT_FOUND", "models/x is not found") }))
      const error = yield* Effect.flip(collect(backend.stream(hi)))
      assert.strictEqual(reasonOf(error), "NotFound")
    }))
})
