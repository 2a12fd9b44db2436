/**
 * Replays real recorded Anthropic Messages streams from ../shared/wire/streams:
 * byte for byte from a local server, one byte per read, split in two at every
 * byte boundary, and re-framed with CRLF. Every variant must give the same
 * outcome, and that must agree with an independent, naive reading of the file
 * (split on blank lines, sum the deltas per block). A recording that ends
 * without message_stop or carries an error event must fail, never succeed.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer, Redacted, Stream } from "effect"
import { FetchHttpClient, type HttpClient } from "effect/http"
import { ChatChunk, Message } from "../../../src/index.ts"
import type { Service } from "../../../src/LlmBackend.ts"
import * as Anthropic from "../../../src/providers/anthropic/Anthropic.ts"
import * as FakeServer from "../../support/FakeServer.ts"
import * as MemoryHttp from "../../support/MemoryHttp.ts"
import * as Replay from "../../support/Replay.ts"
import * as Shared from "../../support/Shared.ts"

const files = Shared.streamNames(/^anthropic-messages-.*\.sse$/)
const hi = { messages: [Message.user("Hi")] }
const decoder = new TextDecoder()
const encoder = new TextEncoder()

interface Expected {
  /** "success", or the reason the stream must fail with. */
  readonly outcome: string
  readonly text: string
  readonly stop: string | undefined
  readonly usage: { readonly input: number; readonly output: number; readonly cached: number | undefined } | undefined
  readonly toolArguments: ReadonlyArray<string>
}

// Reasons for the error types the recordings carry.
const errorReasons: Record<string, string> = { overloaded_error: "Overloaded", api_error: "ServerError" }

// The oracle: deliberately simple and separate from the code under test.
const naive = (raw: string): Expected => {
  let text = ""
  let stop: string | undefined
  let outcome: string | undefined
  const kinds: Array<string> = []
  const args = new Map<number, string>()
  const counts: Record<string, number> = {}
  const frames = raw.split(/\r?\n\r?\n/)
  // SSE: an event not ended by a blank line when the body ends is dropped.
  frames.pop()
  for (const frame of frames) {
    if (outcome !== undefined) break
    const data = frame.split(/\r?\n/).filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n")
    if (data === "") continue
    const json = JSON.parse(data)
    // Usage counts are cumulative: a later report replaces an earlier one.
    const take = (usage: Record<string, unknown> | undefined) => {
      for (const [k, v] of Object.entries(usage ?? {})) if (typeof v === "number") counts[k] = v
    }
    switch (json.type) {
      case "message_start":
        take(json.message.usage)
        break
      case "content_block_start":
        kinds[json.index] = json.content_block.type
        if (json.content_block.type === "tool_use") args.set(json.index, "")
        break
      case "content_block_delta":
        if (kinds[json.index] === "text" && json.delta.type === "text_delta") text += json.delta.text
        if (kinds[json.index] === "tool_use" && json.delta.type === "input_json_delta") {
          args.set(json.index, args.get(json.index)! + json.delta.partial_json)
        }
        break
      case "message_delta":
        stop = json.delta.stop_reason ?? stop
        take(json.usage)
        break
      case "message_stop":
        outcome = "success"
        break
      case "error":
        outcome = errorReasons[json.error.type] ?? `unknown error ${json.error.type}`
        break
    }
  }
  const toolArguments = [...args.entries()].sort(([a], [b]) => a - b).map(([, json]) => json === "" ? "{}" : json)
  const hasContent = text.length > 0 || toolArguments.length > 0
  const cached = counts["cache_read_input_tokens"]
  const usage = outcome === "success" && counts["input_tokens"] !== undefined
    ? {
      input: counts["input_tokens"] + (counts["cache_creation_input_tokens"] ?? 0) + (cached ?? 0),
      output: counts["output_tokens"] ?? 0,
      cached
    }
    : undefined
  return {
    outcome: outcome ?? (hasContent ? "StreamTruncated" : "Network"),
    text,
    stop: outcome === "success" ? stop : undefined,
    usage,
    toolArguments: outcome === "success" ? toolArguments : []
  }
}

const options = (baseUrl: string): Anthropic.Options => ({
  apiKey: Redacted.make("sk-ant-replay-0000000000"),
  baseUrl,
  model: "claude-sonnet-4-6",
  policy: { maxRetries: 0, circuitBreaker: false }
})

const backendOn = (layer: Layer.Layer<HttpClient.HttpClient>) =>
  Anthropic.make(options("http://127.0.0.1:1/v1")).pipe(Effect.provide(layer))

const summarize = (chunks: ReadonlyArray<ChatChunk.ChatChunk>, failure: string | undefined): Expected => {
  let text = ""
  let stop: string | undefined
  let usage: Expected["usage"]
  const tools: Array<string> = []
  for (const c of chunks) {
    if (c._tag === "TextDelta") text += c.text
    if (c._tag === "Finish") stop = c.raw
    if (c._tag === "Usage") usage = { input: c.usage.inputTokens, output: c.usage.outputTokens, cached: c.usage.cachedInputTokens }
    if (c._tag === "ToolCall") tools[c.index] = c.arguments
  }
  return { outcome: failure ?? "success", text, stop, usage, toolArguments: tools }
}

/** Runs a stream to its end, keeping the chunks and the failure reason, if any. */
const replay = (backend: Service) =>
  Effect.gen(function*() {
    const chunks: Array<ChatChunk.ChatChunk> = []
    const result = yield* Effect.result(
      Stream.runForEach(backend.stream(hi, { requestId: "replay" }), (chunk) => Effect.sync(() => chunks.push(chunk)))
    )
    const failure = result._tag === "Failure" ? result.failure.reason._tag : undefined
    return { chunks, failure, key: JSON.stringify({ chunks, failure }) }
  })

describe.skipIf(!Shared.available)(`recorded Anthropic Messages streams${Shared.skipReason}`, () => {
  it("there are recordings to replay, including one that fails mid-stream", () => {
    assert.isAtLeast(files.length, 7)
    assert.include(files, "anthropic-messages-midstream-overloaded-error.sse")
  })

  it("the naive reading sees what the recordings say", () => {
    const read = (name: string) => naive(decoder.decode(Shared.streamBytes(name)))
    assert.deepStrictEqual(read("anthropic-messages-basic-response.sse"), {
      outcome: "success",
      text: "Hello there!",
      stop: "end_turn",
      usage: { input: 11, output: 6, cached: undefined },
      toolArguments: []
    })
    const tool = read("anthropic-messages-tool-use-response.sse")
    assert.deepStrictEqual([tool.stop, tool.usage, tool.toolArguments], ["tool_use", { input: 377, output: 65, cached: 0 }, ["{\"location\": \"Paris\"}"]])
    assert.strictEqual(read("anthropic-messages-midstream-overloaded-error.sse").outcome, "Overloaded")
  })

  for (const name of files) {
    it.live(`${name}: whole from a server, every byte split, and CRLF agree with the recording`, () =>
      Effect.gen(function*() {
        const bytes = Shared.streamBytes(name)
        const expected = naive(decoder.decode(bytes))

        // 1. Byte for byte from a real local server.
        const server = yield* FakeServer.make(() => ({ kind: "chunks", chunks: [bytes] }))
        const live = yield* Anthropic.make(options(`${server.url}/v1`)).pipe(Effect.provide(FetchHttpClient.layer))
        const whole = yield* replay(live)
        assert.deepStrictEqual(summarize(whole.chunks, whole.failure), expected)
        if (expected.outcome === "success") {
          const collected = yield* ChatChunk.collect(live.stream(hi))
          assert.strictEqual(collected.text, expected.text)
        }

        // 2-4. One byte per read, every two-piece split, CRLF.
        yield* Replay.agreeAcrossFramings(name, bytes, whole.key, (pieces) =>
          Effect.map(backendOn(MemoryHttp.layer(pieces)), (backend) => Effect.map(replay(backend), (o) => o.key)))
      }), 120_000)
  }

  it.live("a recording cut before its message_stop is never a success", () =>
    Effect.gen(function*() {
      for (const name of files.filter((f) => !f.includes("error"))) {
        const raw = decoder.decode(Shared.streamBytes(name))
        const cut = encoder.encode(raw.slice(0, raw.lastIndexOf("event: message_stop")))
        const outcome = yield* replay(yield* backendOn(MemoryHttp.layer(() => [cut])))
        assert.strictEqual(outcome.failure, "StreamTruncated", name)
      }
    }))
})
