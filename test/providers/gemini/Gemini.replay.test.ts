/**
 * Replays real recorded Gemini traffic from ../shared/wire/streams: the SSE
 * streams whole from a local server, one byte per read, split in two at every
 * byte boundary, and re-framed with LF and CRLF; each variant must give the
 * same chunks, agreeing with a naive independent reading of the file. The
 * recorded non-stream bodies go through `chat`, the recorded 404 body must be
 * NotFound, and our request bodies must have the shape of the recorded ones.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer, Redacted, Stream } from "effect"
import { FetchHttpClient, type HttpClient } from "effect/http"
import { ChatChunk, Content, Message, Tool } from "../../../src/index.ts"
import type { Service } from "../../../src/LlmBackend.ts"
import * as Gemini from "../../../src/providers/gemini/Gemini.ts"
import * as FakeServer from "../../support/FakeServer.ts"
import * as Fixtures from "../../support/GeminiFixtures.ts"
import * as MemoryHttp from "../../support/MemoryHttp.ts"
import * as Replay from "../../support/Replay.ts"
import * as Shared from "../../support/Shared.ts"

const streams = Shared.streamNames(/^gemini-stream-.*\.sse$/)
const generated = Shared.streamNames(/^gemini-generate-.*\.response\.json$/)
const requests = Shared.streamNames(/^gemini-.*\.request\.json$/)
const decoder = new TextDecoder()
const encoder = new TextEncoder()
const hi = { messages: [Message.user("Hi")] }
const options = { apiKey: Redacted.make(Fixtures.KEY), model: "gemini-2.0-flash", policy: { maxRetries: 0, circuitBreaker: false } }
const readJson = (name: string) => JSON.parse(decoder.decode(Shared.streamBytes(name)))

interface Expected {
  readonly complete: boolean
  readonly text: string
  readonly calls: ReadonlyArray<string>
  readonly finish: string | undefined
  readonly usage: readonly [number, number, number] | undefined
  readonly id: string | undefined
  readonly model: string | undefined
}

// The oracle: deliberately simple and separate from the code under test.
const naive = (raw: string): Expected => {
  let text = ""
  const calls: Array<string> = []
  let finish: string | undefined
  let usage: Expected["usage"]
  let id: string | undefined
  let model: string | undefined
  const frames = raw.split(/\r?\n\r?\n/)
  frames.pop()
  for (const frame of frames) {
    const data = frame.split(/\r?\n/).filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n")
    if (data === "") continue
    const json = JSON.parse(data)
    id ??= json.responseId
    model ??= json.modelVersion
    const candidate = json.candidates?.[0]
    for (const part of candidate?.content?.parts ?? []) {
      if (typeof part.text === "string" && part.thought !== true) text += part.text
      if (part.functionCall) calls.push(`${part.functionCall.name} ${JSON.stringify(part.functionCall.args ?? {})}`)
    }
    if (candidate?.finishReason) finish = candidate.finishReason
    const u = json.usageMetadata
    if (u) usage = [u.promptTokenCount ?? 0, (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0), u.totalTokenCount ?? 0]
  }
  return { complete: finish !== undefined, text, calls, finish, usage, id, model }
}

const summarize = (chunks: ReadonlyArray<ChatChunk.ChatChunk>, complete: boolean): Expected => {
  let text = ""
  const calls: Array<string> = []
  let finish: string | undefined
  let usage: Expected["usage"]
  let id: string | undefined
  let model: string | undefined
  for (const c of chunks) {
    if (c._tag === "TextDelta") text += c.text
    if (c._tag === "ToolCall") calls.push(`${c.name} ${c.arguments}`)
    if (c._tag === "Finish") finish = c.raw
    if (c._tag === "Usage") usage = [c.usage.inputTokens, c.usage.outputTokens, c.usage.totalTokens]
    if (c._tag === "Metadata") {
      id = c.id
      model = c.model
    }
  }
  return { complete, text, calls, finish, usage, id, model }
}

const replay = (backend: Service) =>
  Effect.gen(function*() {
    const chunks: Array<ChatChunk.ChatChunk> = []
    const result = yield* Effect.result(
      Stream.runForEach(backend.stream(hi, { requestId: "replay" }), (chunk) => Effect.sync(() => chunks.push(chunk)))
    )
    const failure = result._tag === "Failure" ? result.failure.reason._tag : undefined
    return { chunks, failure, key: JSON.stringify({ chunks, failure }) }
  })

const backendOn = (layer: Layer.Layer<HttpClient.HttpClient>) =>
  Gemini.make({ ...options, baseUrl: "http://127.0.0.1:1/v1beta" }).pipe(Effect.provide(layer))

const onServer = (handler: FakeServer.Handler) =>
  Effect.gen(function*() {
    const server = yield* FakeServer.make(handler)
    const backend = yield* Gemini.make({ ...options, baseUrl: `${server.url}/v1beta` }).pipe(Effect.provide(FetchHttpClient.layer))
    return { server, backend }
  })

describe.skipIf(!Shared.available)(`recorded Gemini traffic${Shared.skipReason}`, () => {
  it("there are recordings to replay", () => {
    assert.deepStrictEqual(streams, ["gemini-stream-function-call-1.sse", "gemini-stream-function-call-2.sse", "gemini-stream-text.sse"])
    assert.strictEqual(generated.length, 2)
    assert.isAtLeast(requests.length, 6)
  })

  for (const name of streams) {
    it.live(`${name}: whole from a server, one byte per read, every split, LF and CRLF agree with the recording`, () =>
      Effect.gen(function*() {
        const bytes = Shared.streamBytes(name)
        const expected = naive(decoder.decode(bytes))
        assert.isTrue(expected.complete, "the recordings end with a finishReason")

        // 1. Byte for byte from a real local server.
        const { backend } = yield* onServer(() => ({ kind: "chunks", chunks: [bytes] }))
        const whole = yield* replay(backend)
        assert.strictEqual(whole.failure, undefined)
        assert.deepStrictEqual(summarize(whole.chunks, true), expected)
        assert.strictEqual(whole.chunks.filter((c) => c._tag === "Usage").length, 1, "one Usage chunk, not one per frame")
        const collected = yield* ChatChunk.collect(backend.stream(hi))
        assert.strictEqual(collected.text, expected.text)

        // 2-3. One byte per read, every two-piece split, CRLF (the recordings use CRLF already).
        yield* Replay.agreeAcrossFramings(name, bytes, whole.key, (pieces) =>
          Effect.map(backendOn(MemoryHttp.layer(pieces)), (b) => Effect.map(replay(b), (o) => o.key)))

        // 4. Re-framed with plain LF too.
        const text = decoder.decode(bytes)
        for (const eol of ["\n"]) {
          const reframed = yield* backendOn(MemoryHttp.layer(() => [encoder.encode(text.replace(/\r?\n/g, eol))]))
          assert.strictEqual((yield* replay(reframed)).key, whole.key, `framed with ${JSON.stringify(eol)}`)
        }
      }), 120_000)
  }

  for (const name of generated) {
    it.live(`${name} through the non-stream path`, () =>
      Effect.gen(function*() {
        const recorded = readJson(name) as { status: number; body: Record<string, unknown> }
        const expected = naive(`data: ${JSON.stringify(recorded.body)}\n\n`)
        const { backend } = yield* onServer(() => ({ kind: "json", status: recorded.status, body: recorded.body }))
        const reply = yield* backend.chat(hi)
        assert.deepStrictEqual(reply.toolCalls.map((c) => `${c.name} ${c.arguments}`), expected.calls)
        assert.deepStrictEqual(reply.toolCalls.map((c) => c.id), ["call_0"])
        assert.strictEqual(reply.finishReason, "tool_calls")
        assert.strictEqual(reply.rawFinishReason, expected.finish)
        const usage = reply.usage
        assert.deepStrictEqual(usage === undefined ? undefined : [usage.inputTokens, usage.outputTokens, usage.totalTokens] as const, expected.usage)
        assert.strictEqual(reply.id, expected.id)
        assert.strictEqual(reply.model, expected.model)
      }))
  }

  it.live("gemini-stream-error.response.json as a 404 body is NotFound, for chat and stream", () =>
    Effect.gen(function*() {
      const recorded = readJson("gemini-stream-error.response.json") as { status: number; body: { error: { message: string } } }
      const { backend } = yield* onServer(() => ({ kind: "json", status: recorded.status, body: recorded.body }))
      const chat = yield* Effect.flip(backend.chat(hi))
      const stream = yield* Effect.flip(Stream.runDrain(backend.stream(hi)))
      for (const error of [chat, stream]) {
        assert.strictEqual(error.reason._tag, "NotFound")
        assert.strictEqual(error.status, 404)
        assert.include(error.message, "is not found for API version v1beta")
      }
    }))

  for (const name of requests) {
    it.live(`our body for the request in ${name} has the recorded shape`, () =>
      Effect.gen(function*() {
        const recorded = readJson(name) as { url: string; body: RecordedBody }
        const { backend, server } = yield* onServer(() => ({ kind: "json", body: Fixtures.response() }))
        const model = /\/models\/([^:]+):/.exec(recorded.url)![1]!
        const request = { ...fromRecorded(recorded.body), model }
        if (recorded.url.includes(":stream")) yield* Effect.ignore(Stream.runDrain(backend.stream(request)))
        else yield* backend.chat(request)
        assert.strictEqual(server.requests[0]!.url, recorded.url)
        // The recording's SDK always sends `generationConfig: {}`; we omit an empty one.
        const { generationConfig, ...rest } = recorded.body
        const want = generationConfig !== undefined && Object.keys(generationConfig).length > 0 ? recorded.body : rest
        assert.deepStrictEqual(server.requests[0]!.json, want)
      }))
  }
})

interface RecordedPart {
  readonly text?: string
  readonly functionCall?: { readonly name: string; readonly args: unknown }
}

interface RecordedBody {
  readonly contents: ReadonlyArray<{ readonly role: string; readonly parts: ReadonlyArray<RecordedPart> }>
  readonly tools?: ReadonlyArray<{ readonly functionDeclarations: ReadonlyArray<{ name: string; description?: string; parameters: Record<string, unknown> }> }>
  readonly generationConfig?: Record<string, unknown>
}

// JSON Schema from Gemini's upper-case OpenAPI subset: what a caller would write.
const lowerTypes = (schema: unknown): unknown =>
  Array.isArray(schema)
    ? schema.map(lowerTypes)
    : typeof schema === "object" && schema !== null
    ? Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, k === "type" && typeof v === "string" ? v.toLowerCase() : lowerTypes(v)]))
    : schema

// The equivalent request in our terms, built independently from the recording.
const fromRecorded = (body: RecordedBody) => {
  let calls = 0
  return {
    messages: body.contents.map((content) =>
      content.role === "model"
        ? Message.assistant(content.parts.map((part) =>
          part.functionCall !== undefined
            ? new Content.ToolCallPart({ id: `call_${calls++}`, name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args) })
            : Content.text(part.text ?? "")
        ))
        : Message.user(content.parts.map((part) => Content.text(part.text ?? "")))
    ),
    ...(body.tools === undefined ? {} : {
      tools: body.tools.flatMap((tool) =>
        tool.functionDeclarations.map((d) =>
          Tool.make(d.name, { parameters: lowerTypes(d.parameters) as Record<string, unknown>, ...(d.description === undefined ? {} : { description: d.description }) })
        )
      )
    })
  }
}
