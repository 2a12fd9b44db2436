/**
 * Replays real recorded OpenAI (and OpenAI-compatible) streams from
 * ../shared/wire/streams: byte for byte from a local server, split at every
 * byte boundary (and one byte per read), re-framed with CRLF, and in small
 * pieces over the lean undici client. Every variant must give the same
 * chunks, and those must agree with an independent, naive reading of the
 * file (split on blank lines, sum the deltas).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted, Stream } from "effect"
import { FetchHttpClient, type HttpClient } from "effect/http"
import { ChatChunk, Message, OpenAi } from "../../../src/index.ts"
import { UndiciHttpClient } from "../../../src/node/index.ts"
import * as FakeServer from "../../support/FakeServer.ts"
import * as MemoryHttp from "../../support/MemoryHttp.ts"
import * as Replay from "../../support/Replay.ts"
import * as Shared from "../../support/Shared.ts"

const files = Shared.streamNames(/^(openai-chat-|compat-).*\.sse$/)
const hi = { messages: [Message.user("Hi")] }
const decoder = new TextDecoder()

interface Expected {
  /** A finish_reason or [DONE] arrived: the stream must succeed; otherwise it must fail as truncated. */
  readonly complete: boolean
  readonly text: string
  readonly refusal: string
  readonly finish: string | undefined
  readonly usage: { readonly input: number; readonly output: number } | undefined
  readonly toolArguments: ReadonlyArray<string>
}

// The oracle: deliberately simple and separate from the code under test.
const naive = (raw: string): Expected => {
  let text = ""
  let refusal = ""
  let finish: string | undefined
  let usage: Expected["usage"]
  const tools: Array<string> = []
  let done = false
  const frames = raw.split(/\r?\n\r?\n/)
  // SSE: an event not ended by a blank line when the body ends is dropped.
  frames.pop()
  for (const frame of frames) {
    const data = frame.split(/\r?\n/).filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n")
    if (data === "[DONE]") done = true
    if (data === "" || data === "[DONE]") continue
    const json = JSON.parse(data)
    for (const choice of json.choices ?? []) {
      text += choice.delta?.content ?? ""
      refusal += choice.delta?.refusal ?? ""
      for (const call of choice.delta?.tool_calls ?? []) tools[call.index] = (tools[call.index] ?? "") + (call.function?.arguments ?? "")
      if (choice.finish_reason) finish = choice.finish_reason
    }
    const u = json.usage ?? json.x_groq?.usage
    if (u && (u.prompt_tokens !== undefined || u.completion_tokens !== undefined)) {
      usage = { input: u.prompt_tokens ?? 0, output: u.completion_tokens ?? 0 }
    }
  }
  return { complete: finish !== undefined || done, text, refusal, finish, usage, toolArguments: tools }
}

const backendOn = (layer: Layer.Layer<HttpClient.HttpClient>) =>
  OpenAi.make({ apiKey: Redacted.make("sk-replay-0000000000"), baseUrl: "http://127.0.0.1:1/v1", model: "m", policy: { maxRetries: 0, circuitBreaker: false } }).pipe(
    Effect.provide(layer)
  )

const summarize = (chunks: ReadonlyArray<ChatChunk.ChatChunk>, complete: boolean): Expected => {
  let text = ""
  let refusal = ""
  let finish: string | undefined
  let usage: Expected["usage"]
  const tools: Array<string> = []
  for (const c of chunks) {
    if (c._tag === "TextDelta") text += c.text
    if (c._tag === "RefusalDelta") refusal += c.text
    if (c._tag === "Finish") finish = c.raw
    if (c._tag === "Usage") usage = { input: c.usage.inputTokens, output: c.usage.outputTokens }
    if (c._tag === "ToolCall") tools[c.index] = c.arguments
  }
  return { complete, text, refusal, finish, usage, toolArguments: tools }
}

/** Runs a stream to its end, keeping the chunks and the failure reason, if any. */
const replay = (backend: import("../../../src/LlmBackend.ts").Service) =>
  Effect.gen(function*() {
    const chunks: Array<ChatChunk.ChatChunk> = []
    const result = yield* Effect.result(
      Stream.runForEach(backend.stream(hi, { requestId: "replay" }), (chunk) => Effect.sync(() => chunks.push(chunk)))
    )
    const failure = result._tag === "Failure" ? result.failure.reason._tag : undefined
    return { chunks, failure, key: JSON.stringify({ chunks, failure }) }
  })

describe.skipIf(!Shared.available)(`recorded OpenAI-format streams${Shared.skipReason}`, () => {
  it("there are recordings to replay", () => {
    assert.isAtLeast(files.length, 10)
  })

  for (const name of files) {
    it.live(`${name}: whole from a server, every byte split, and CRLF agree with the recording`, () =>
      Effect.gen(function*() {
        const bytes = Shared.streamBytes(name)
        const expected = naive(decoder.decode(bytes))

        // 1. Byte for byte from a real local server.
        const server = yield* FakeServer.make(() => ({ kind: "chunks", chunks: [bytes] }))
        const live = yield* OpenAi.make({ apiKey: Redacted.make("sk-replay-0000000000"), baseUrl: `${server.url}/v1`, model: "m", policy: { maxRetries: 0, circuitBreaker: false } }).pipe(
          Effect.provide(FetchHttpClient.layer)
        )
        const whole = yield* replay(live)
        assert.deepStrictEqual(summarize(whole.chunks, whole.failure === undefined), expected)
        // A complete recording succeeds; an unterminated one is never a short success.
        assert.strictEqual(whole.failure, expected.complete ? undefined : "StreamTruncated")
        if (expected.complete) {
          const collected = yield* ChatChunk.collect(live.stream(hi))
          assert.strictEqual(collected.text, expected.text)
        }

        // 1b. The same over the lean undici client, the server writing it in 13-byte pieces.
        const pieces = Array.from({ length: Math.ceil(bytes.length / 13) }, (_, i) => bytes.subarray(i * 13, i * 13 + 13))
        const pieced = yield* FakeServer.make(() => ({ kind: "chunks", chunks: pieces }))
        const lean = yield* OpenAi.make({ apiKey: Redacted.make("sk-replay-0000000000"), baseUrl: `${pieced.url}/v1`, model: "m", policy: { maxRetries: 0, circuitBreaker: false } }).pipe(
          Effect.provideContext(yield* Layer.build(UndiciHttpClient.layer))
        )
        assert.strictEqual((yield* replay(lean)).key, whole.key, "the lean undici client reads the same")

        // 2-4. One byte per read, every two-piece split, CRLF.
        yield* Replay.agreeAcrossFramings(name, bytes, whole.key, (pieces) =>
          Effect.map(backendOn(MemoryHttp.layer(pieces)), (backend) => Effect.map(replay(backend), (o) => o.key)))
      }), 120_000)
  }
})
