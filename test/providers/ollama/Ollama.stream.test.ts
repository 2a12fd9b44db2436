import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import * as ChatChunk from "../../../src/domain/ChatChunk.ts"
import * as Message from "../../../src/domain/Message.ts"
import type * as LlmError from "../../../src/LlmError.ts"
import * as Ollama from "../../../src/providers/ollama/Ollama.ts"
import * as MemoryHttp from "../../support/MemoryHttp.ts"
import * as Fixtures from "../../support/OllamaFixtures.ts"
import { setup } from "./setup.ts"

const hi = { messages: [Message.user("Hi")] }
const tags = (chunks: ReadonlyArray<ChatChunk.ChatChunk>) => chunks.map((c) => c._tag)
const reasonOf = (error: unknown) => (error as LlmError.LlmError).reason
const encoder = new TextEncoder()

const text = Fixtures.ndjson([
  Fixtures.chatLine("Why "),
  Fixtures.chatLine("is the sky "),
  Fixtures.chatLine("blue? ☀️"),
  Fixtures.chatDone({ counts: { prompt: 26, output: 282 } })
])

/** The backend over an in-memory body cut into the given pieces. */
const onPieces = (pieces: () => ReadonlyArray<Uint8Array>) =>
  Ollama.make({ model: "llama3.2", policy: { maxRetries: 0, circuitBreaker: false } }).pipe(
    Effect.provide(MemoryHttp.layer(pieces, { contentType: "application/x-ndjson" }))
  )

describe("Ollama chat streams", () => {
  it.live("content lines, then the done line: metadata, deltas, finish and usage from the counts", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "chunks", chunks: [text] }))
      const chunks = yield* Stream.runCollect(backend.stream(hi, { requestId: "s-1" }))
      assert.deepStrictEqual(tags(chunks), ["Metadata", "TextDelta", "TextDelta", "TextDelta", "Finish", "Usage"])
      assert.deepStrictEqual({ ...chunks[0] }, { _tag: "Metadata", model: "llama3.2", requestId: "s-1" })
      const reply = yield* ChatChunk.collect(backend.stream(hi), "ollama")
      assert.strictEqual(reply.text, "Why is the sky blue? ☀️")
      assert.strictEqual(reply.finishReason, "stop")
    }))

  it.live("regression: usage is the done line's counts, not the number of chunks", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "chunks", chunks: [text] }))
      const reply = yield* ChatChunk.collect(backend.stream(hi))
      assert.deepStrictEqual({ ...reply.usage }, { inputTokens: 26, outputTokens: 282, totalTokens: 308 })
    }))

  it.live("NDJSON split anywhere (one byte per read, and in two at every byte) gives the same chunks", () =>
    Effect.gen(function*() {
      const bytes = encoder.encode(text)
      const whole = yield* Stream.runCollect((yield* onPieces(() => [bytes])).stream(hi, { requestId: "r" }))
      const expected = JSON.stringify(whole)
      const bytewise = yield* onPieces(() => Array.from(bytes, (b) => Uint8Array.of(b)))
      assert.strictEqual(JSON.stringify(yield* Stream.runCollect(bytewise.stream(hi, { requestId: "r" }))), expected)
      let at = 0
      const split = yield* onPieces(() => [bytes.slice(0, at), bytes.slice(at)])
      for (at = 0; at <= bytes.length; at++) {
        const chunks = yield* Stream.runCollect(split.stream(hi, { requestId: "r" }))
        if (JSON.stringify(chunks) !== expected) assert.fail(`a different outcome when split at byte ${at}`)
      }
      const crlf = yield* onPieces(() => [encoder.encode(text.replace(/\n/g, "\r\n"))])
      assert.strictEqual(JSON.stringify(yield* Stream.runCollect(crlf.stream(hi, { requestId: "r" }))), expected)
    }))

  it.live("a tool-call line: one delta with the whole call, then the complete call before finish", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() =>
        Fixtures.stream([
          Fixtures.chatLine("", [{ name: "get_weather", arguments: { city: "Tokyo" } }]),
          Fixtures.chatLine("", [{ name: "get_time", arguments: {} }]),
          Fixtures.chatDone({ counts: { prompt: 169, output: 15 } })
        ])
      )
      const chunks = yield* Stream.runCollect(backend.stream(hi))
      assert.deepStrictEqual(tags(chunks), ["Metadata", "ToolCallDelta", "ToolCallDelta", "ToolCall", "ToolCall", "Finish", "Usage"])
      const calls = chunks.filter((c): c is ChatChunk.ToolCall => c._tag === "ToolCall")
      assert.deepStrictEqual(calls.map((c) => [c.index, c.id, c.name, c.arguments]), [
        [0, "call_0", "get_weather", "{\"city\":\"Tokyo\"}"],
        [1, "call_1", "get_time", "{}"]
      ])
      const finish = chunks.find((c) => c._tag === "Finish")
      assert.deepStrictEqual(finish?._tag === "Finish" ? [finish.reason, finish.raw] : undefined, ["tool_calls", "stop"])
      const reply = yield* ChatChunk.collect(backend.stream(hi))
      assert.deepStrictEqual(reply.toolCalls.map((c) => c.arguments), ["{\"city\":\"Tokyo\"}", "{}"])
    }))

  it.live("a mid-stream {\"error\"} line (status 200) fails with ServerError after the content it delivered", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() =>
        Fixtures.stream([Fixtures.chatLine("Yes"), Fixtures.errorBody("an error was encountered while running the model")])
      )
      const seen: Array<string> = []
      const error = yield* Effect.flip(
        Stream.runForEach(backend.stream(hi), (c) => Effect.sync(() => c._tag === "TextDelta" && seen.push(c.text)))
      )
      assert.deepStrictEqual(seen, ["Yes"])
      assert.strictEqual(reasonOf(error)._tag, "ServerError")
      assert.include((error as LlmError.LlmError).message, "an error was encountered while running the model")
    }))

  it.live("an in-stream error naming a missing model is NotFound, not a retryable server error", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => Fixtures.stream([Fixtures.errorBody("model \"llama9\" not found, try pulling it first")]))
      const error = yield* Effect.flip(Stream.runDrain(backend.stream(hi)))
      assert.strictEqual(reasonOf(error)._tag, "NotFound")
    }))

  it.live("a body cut after content without done:true is StreamTruncated, never a short success", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => Fixtures.stream([Fixtures.chatLine("Half an ans")]))
      const error = yield* Effect.flip(Stream.runDrain(backend.stream(hi)))
      assert.strictEqual(reasonOf(error)._tag, "StreamTruncated")
    }))

  it.live("a body that ends before any content is Network", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => Fixtures.stream([Fixtures.chatLine("")]))
      const error = yield* Effect.flip(Stream.runDrain(backend.stream(hi)))
      assert.strictEqual(reasonOf(error)._tag, "Network")
    }))

  it.live("a malformed line is InvalidResponse", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => Fixtures.stream(["{\"message\": {\"content\": ", Fixtures.chatDone()]))
      const error = yield* Effect.flip(Stream.runDrain(backend.stream(hi)))
      assert.strictEqual(reasonOf(error)._tag, "InvalidResponse")
    }))

  it.live("content on the done line is kept; lines after it are ignored", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() =>
        Fixtures.stream([Fixtures.chatLine("A"), Fixtures.chatDone({ content: "B", doneReason: "length" }), Fixtures.chatLine("C")])
      )
      const reply = yield* ChatChunk.collect(backend.stream(hi))
      assert.strictEqual(reply.text, "AB")
      assert.strictEqual(reply.finishReason, "length")
    }))
})

describe("Ollama generate streams", () => {
  it.live("response lines become text deltas; the done line finishes with usage", () =>
    Effect.gen(function*() {
      const { api } = yield* setup(() =>
        Fixtures.stream([Fixtures.generateLine("That"), Fixtures.generateLine("'s"), Fixtures.generateLine(" it.", { counts: { prompt: 11, output: 3 } })])
      )
      const chunks = yield* Stream.runCollect(api.generateStream({ prompt: "x" }))
      assert.deepStrictEqual(tags(chunks), ["Metadata", "TextDelta", "TextDelta", "TextDelta", "Finish", "Usage"])
      const reply = yield* ChatChunk.collect(api.generateStream({ prompt: "x" }))
      assert.strictEqual(reply.text, "That's it.")
      assert.strictEqual(reply.usage?.outputTokens, 3)
    }))

  it.live("an error line mid-generation fails; a cut body is StreamTruncated", () =>
    Effect.gen(function*() {
      const { api } = yield* setup((_, i) =>
        Fixtures.stream(i === 0 ? [Fixtures.generateLine(" Yes"), Fixtures.errorBody("boom")] : [Fixtures.generateLine(" Yes")])
      )
      assert.strictEqual(reasonOf(yield* Effect.flip(Stream.runDrain(api.generateStream({ prompt: "x" }))))._tag, "ServerError")
      assert.strictEqual(reasonOf(yield* Effect.flip(Stream.runDrain(api.generateStream({ prompt: "x" }))))._tag, "StreamTruncated")
    }))
})

describe("Ollama pull progress", () => {
  it.live("progress events arrive in order, with digest, total and completed; the last is success", () =>
    Effect.gen(function*() {
      const { api } = yield* setup(() => Fixtures.stream(Fixtures.pullLines))
      const events = yield* Stream.runCollect(api.pull("llama3.2"))
      assert.deepStrictEqual(events.map((e) => ({ ...e })), Fixtures.pullLines)
      assert.deepStrictEqual(events.map((e) => e.fraction), [undefined, 0, 0.5, 1, 1, undefined, undefined, undefined])
      assert.isTrue(events[events.length - 1]!.done)
    }))

  it.live("an {\"error\"} line fails the pull after the progress before it", () =>
    Effect.gen(function*() {
      const { api } = yield* setup(() =>
        Fixtures.stream([{ status: "pulling manifest" }, Fixtures.errorBody("pull model manifest: file does not exist")])
      )
      const seen: Array<string> = []
      const error = yield* Effect.flip(Stream.runForEach(api.pull("nope"), (e) => Effect.sync(() => seen.push(e.status))))
      assert.deepStrictEqual(seen, ["pulling manifest"])
      assert.strictEqual(reasonOf(error)._tag, "NotFound")
      assert.include((error as LlmError.LlmError).message, "file does not exist")
    }))

  it.live("a pull whose body ends without success fails StreamTruncated", () =>
    Effect.gen(function*() {
      const { api } = yield* setup(() => Fixtures.stream(Fixtures.pullLines.slice(0, 4)))
      const events: Array<string> = []
      const error = yield* Effect.flip(Stream.runForEach(api.pull("llama3.2"), (e) => Effect.sync(() => events.push(e.status))))
      assert.strictEqual(events.length, 4)
      assert.strictEqual(reasonOf(error)._tag, "StreamTruncated")
    }))

  it.live("a progress line without a status is InvalidResponse; an HTTP error before the stream is classified", () =>
    Effect.gen(function*() {
      const { api } = yield* setup((_, i) =>
        i === 0 ? Fixtures.stream([{ digest: "sha256:1" }]) : { kind: "json", status: 500, body: Fixtures.errorBody("disk full") }
      )
      assert.strictEqual(reasonOf(yield* Effect.flip(Stream.runDrain(api.pull("m"))))._tag, "InvalidResponse")
      const error = yield* Effect.flip(Stream.runDrain(api.pull("m")))
      assert.strictEqual(reasonOf(error)._tag, "ServerError")
      assert.strictEqual((error as LlmError.LlmError).status, 500)
    }))
})
