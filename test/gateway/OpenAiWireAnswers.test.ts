/**
 * The gateway writing OpenAI answers: `chat.completion` objects, the stream
 * chunk encoder (role first, tool-call deltas, the usage chunk only when
 * asked, `"reset"`), and every `errorResponse` row with its status and
 * Retry-After.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration } from "effect"
import { ChatResponse } from "../../src/domain/Chat.ts"
import * as ChatChunk from "../../src/domain/ChatChunk.ts"
import * as Content from "../../src/domain/Content.ts"
import * as Usage from "../../src/domain/Usage.ts"
import * as OpenAiWire from "../../src/gateway/OpenAiWire.ts"
import * as LlmError from "../../src/LlmError.ts"

const usage = Usage.make({ inputTokens: 5, outputTokens: 2, cachedInputTokens: 1 })
const wireUsage = { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7, prompt_tokens_details: { cached_tokens: 1 } }

describe("OpenAiWire.completion", () => {
  it("text, finish reason and usage as OpenAI writes them", () => {
    const out = OpenAiWire.completion(new ChatResponse({ provider: "p", model: "up-1", content: [Content.text("Hello")], finishReason: "length", usage }), "chatcmpl-1", 42)
    assert.deepStrictEqual(out, {
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 42,
      model: "up-1",
      choices: [{ index: 0, message: { role: "assistant", content: "Hello", refusal: null }, logprobs: null, finish_reason: "length" }],
      usage: wireUsage
    })
  })

  it("tool calls only: content null; refusal and 'other' read as stop", () => {
    const calls = OpenAiWire.completion(new ChatResponse({
      provider: "p", model: "m", finishReason: "tool_calls",
      content: [new Content.ToolCallPart({ id: "c1", name: "f", arguments: "{}" })]
    }), "i", 0)
    assert.deepStrictEqual(calls.choices[0]!.message, {
      role: "assistant", content: null, refusal: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }]
    })
    assert.isFalse("usage" in calls)
    const refusal = OpenAiWire.completion(new ChatResponse({ provider: "p", model: "m", content: [], refusal: "no", finishReason: "refusal" }), "i", 0)
    assert.deepStrictEqual([refusal.choices[0]!.message.content, refusal.choices[0]!.message.refusal, refusal.choices[0]!.finish_reason], ["", "no", "stop"])
    const other = OpenAiWire.completion(new ChatResponse({ provider: "p", model: "m", content: [], finishReason: "other" }), "i", 0)
    assert.strictEqual(other.choices[0]!.finish_reason, "stop")
  })
})

type Frame = { model: string; choices: ReadonlyArray<{ delta: Record<string, unknown>; finish_reason: string | null }>; usage?: unknown }
const frames = (encoder: ReturnType<typeof OpenAiWire.chunkEncoder>, chunks: ReadonlyArray<ChatChunk.ChatChunk>) =>
  chunks.flatMap((c) => {
    const out = encoder.encode(c)
    assert.notStrictEqual(out, "reset")
    return out as ReadonlyArray<Frame>
  })

describe("OpenAiWire.chunkEncoder", () => {
  it("the first frame carries the role; metadata renames the model; finish maps its reason", () => {
    const encoder = OpenAiWire.chunkEncoder("id", 7, "alias", false)
    const out = frames(encoder, [
      new ChatChunk.Metadata({ model: "real-model" }),
      new ChatChunk.TextDelta({ text: "He" }),
      new ChatChunk.TextDelta({ text: "llo" }),
      new ChatChunk.RefusalDelta({ text: "r" }),
      new ChatChunk.Finish({ reason: "content_filter" })
    ])
    assert.deepStrictEqual(out.map((f) => f.choices[0]!.delta), [{ role: "assistant", content: "He" }, { content: "llo" }, { refusal: "r" }, {}])
    assert.deepStrictEqual(out.map((f) => f.choices[0]!.finish_reason), [null, null, null, "content_filter"])
    assert.isTrue(out.every((f) => f.model === "real-model"))
    assert.deepStrictEqual(encoder.end(), [])
  })

  it("tool-call deltas: id, type and name on the first, arguments after; the assembled call adds nothing", () => {
    const encoder = OpenAiWire.chunkEncoder("id", 0, "m", false)
    const out = frames(encoder, [
      new ChatChunk.ToolCallDelta({ index: 0, id: "call_1", name: "f", argumentsDelta: "" }),
      new ChatChunk.ToolCallDelta({ index: 0, argumentsDelta: "{\"a\":" }),
      new ChatChunk.ToolCallDelta({ index: 1, id: "call_2", name: "g", argumentsDelta: "{}" }),
      new ChatChunk.ToolCall({ index: 0, id: "call_1", name: "f", arguments: "{\"a\":1}" }),
      new ChatChunk.Finish({ reason: "tool_calls" })
    ])
    assert.deepStrictEqual(out.map((f) => f.choices[0]!.delta), [
      { role: "assistant", tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "f", arguments: "" } }] },
      { tool_calls: [{ index: 0, function: { arguments: "{\"a\":" } }] },
      { tool_calls: [{ index: 1, id: "call_2", type: "function", function: { name: "g", arguments: "{}" } }] },
      {}
    ])
    assert.strictEqual(out[3]!.choices[0]!.finish_reason, "tool_calls")
  })

  it("the usage chunk comes only at the end and only when asked", () => {
    const chunks = [new ChatChunk.TextDelta({ text: "x" }), new ChatChunk.UsageChunk({ usage }), new ChatChunk.Finish({ reason: "stop" })]
    const asked = OpenAiWire.chunkEncoder("id", 3, "m", true)
    assert.strictEqual(frames(asked, chunks).length, 2, "the usage chunk is not a frame of its own")
    assert.deepStrictEqual(asked.end(), [{ id: "id", object: "chat.completion.chunk", created: 3, model: "m", choices: [], usage: wireUsage }])
    const unasked = OpenAiWire.chunkEncoder("id", 3, "m", false)
    frames(unasked, chunks)
    assert.deepStrictEqual(unasked.end(), [])
    const noUsage = OpenAiWire.chunkEncoder("id", 3, "m", true)
    frames(noUsage, [chunks[0]!, chunks[2]!])
    assert.deepStrictEqual(noUsage.end(), [], "asked, but the backend reported none: no made-up usage")
  })

  it("a Reset is reported as \"reset\", never encoded", () => {
    const encoder = OpenAiWire.chunkEncoder("id", 0, "m", false)
    frames(encoder, [new ChatChunk.TextDelta({ text: "partial" })])
    assert.strictEqual(encoder.encode(new ChatChunk.Reset({ reason: "StreamTruncated", from: "a", to: "b" })), "reset")
  })
})

const error = (reason: LlmError.Reason) => OpenAiWire.errorResponse(LlmError.make("up", reason))
const row = (reason: LlmError.Reason) => {
  const r = error(reason)
  const body = r.body as { error: { type: string; code: string | null; param: string | null; message: string } }
  return [r.status, body.error.type, body.error.code, body.error.param, r.headers["retry-after"] ?? null]
}
const wait = Duration.millis(1500)

describe("OpenAiWire.errorResponse", () => {
  it("client errors are 400/404 naming what they can", () => {
    assert.deepStrictEqual(row(new LlmError.InvalidRequest({ field: "top_p", detail: "d" })), [400, "invalid_request_error", null, "top_p", null])
    assert.deepStrictEqual(row(new LlmError.InvalidRequest({})), [400, "invalid_request_error", null, null, null])
    assert.deepStrictEqual(row(new LlmError.ContextLengthExceeded({})), [400, "invalid_request_error", "context_length_exceeded", "messages", null])
    assert.deepStrictEqual(row(new LlmError.ContentFiltered({})), [400, "invalid_request_error", "content_filter", null, null])
    assert.deepStrictEqual(row(new LlmError.Unsupported({ capability: "tools" })), [400, "invalid_request_error", "unsupported", "tools", null])
    assert.deepStrictEqual(row(new LlmError.NotFound({})), [404, "invalid_request_error", "model_not_found", "model", null])
  })

  it("429s carry Retry-After in whole seconds (rounded up) and in ms, when known", () => {
    assert.deepStrictEqual(row(new LlmError.RateLimited({ retryAfter: wait })), [429, "requests", "rate_limit_exceeded", null, "2"])
    assert.strictEqual(error(new LlmError.RateLimited({ retryAfter: wait })).headers["retry-after-ms"], "1500")
    assert.deepStrictEqual(row(new LlmError.RateLimited({})), [429, "requests", "rate_limit_exceeded", null, null])
    assert.deepStrictEqual(row(new LlmError.QuotaExhausted({ retryAfter: Duration.millis(10) })), [429, "insufficient_quota", "insufficient_quota", null, "1"])
  })

  it("overload, an open breaker and a full queue are 503 with Retry-After (1 s when unknown)", () => {
    assert.deepStrictEqual(row(new LlmError.Overloaded({})), [503, "server_error", "overloaded", null, "1"])
    assert.deepStrictEqual(row(new LlmError.Overloaded({ retryAfter: Duration.seconds(3) })), [503, "server_error", "overloaded", null, "3"])
    assert.deepStrictEqual(row(new LlmError.CircuitOpen({ retryAfter: Duration.seconds(30) })), [503, "server_error", "overloaded", null, "30"])
    assert.deepStrictEqual(row(new LlmError.QueueFull({ capacity: 4 })), [503, "server_error", "queue_full", null, "1"])
  })

  it("the deadline is 504; upstream faults are 502, an upstream key problem included (never 401)", () => {
    assert.deepStrictEqual(row(new LlmError.Timeout({ phase: "total" })), [504, "server_error", "timeout", null, null])
    assert.deepStrictEqual(row(new LlmError.Unauthorized({})), [502, "upstream_error", "upstream_unauthorized", null, null])
    assert.deepStrictEqual(row(new LlmError.ServerError({})), [502, "upstream_error", "upstream_failed", null, null])
    assert.deepStrictEqual(row(new LlmError.Network({})), [502, "upstream_error", "upstream_failed", null, null])
    assert.deepStrictEqual(row(new LlmError.InvalidResponse({})), [502, "upstream_error", "upstream_failed", null, null])
    assert.deepStrictEqual(row(new LlmError.StreamTruncated({})), [502, "upstream_error", "stream_truncated", null, null])
  })

  it("the body carries the error's message", () => {
    const e = LlmError.make("up", new LlmError.NotFound({ detail: "no such model" }))
    assert.strictEqual((OpenAiWire.errorResponse(e).body as { error: { message: string } }).error.message, e.message)
  })
})
