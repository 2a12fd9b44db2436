/**
 * Replays Ollama's recorded streams and bodies from ../shared/wire/streams:
 * byte for byte from a local server, one byte per read, split in two at
 * every byte boundary, and re-framed with CRLF. Every variant must give the
 * same outcome, and that outcome must agree with a naive reading of the file
 * (split lines, JSON.parse each, join the text, take the counts).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer, Stream } from "effect"
import { FetchHttpClient, type HttpClient } from "effect/http"
import type * as ChatChunk from "../../../src/domain/ChatChunk.ts"
import * as Message from "../../../src/domain/Message.ts"
import type * as LlmError from "../../../src/LlmError.ts"
import * as Ollama from "../../../src/providers/ollama/Ollama.ts"
import * as FakeServer from "../../support/FakeServer.ts"
import * as MemoryHttp from "../../support/MemoryHttp.ts"
import * as Replay from "../../support/Replay.ts"
import * as Shared from "../../support/Shared.ts"

const decoder = new TextDecoder()
const hi = { messages: [Message.user("Hi")] }

/** What a run came to, in plain data both sides can produce. */
interface Outcome {
  readonly text?: string
  readonly tools?: ReadonlyArray<string>
  readonly finish?: string | undefined
  readonly usage?: readonly [number, number] | undefined
  readonly statuses?: ReadonlyArray<string>
  readonly vectors?: ReadonlyArray<ReadonlyArray<number>>
  readonly models?: ReadonlyArray<string>
  readonly failure: string | undefined
  readonly message?: string
}

/** The fields the oracle reads, as documented; the recordings are taken at their word. */
interface RawLine {
  readonly error?: string
  readonly message?: {
    readonly content?: string
    readonly tool_calls?: ReadonlyArray<{ readonly function: { readonly name: string; readonly arguments: unknown } }>
  }
  readonly response?: string
  readonly done?: boolean
  readonly done_reason?: string
  readonly prompt_eval_count?: number
  readonly eval_count?: number
  readonly status?: string
}

const lines = (raw: string): Array<RawLine> =>
  raw.split(/\r?\n/).filter((line) => line.trim().length > 0).map((line) => JSON.parse(line) as RawLine)

// The oracles: deliberately simple and separate from the code under test.
const naiveGeneration = (raw: string): Outcome => {
  let text = ""
  const tools: Array<string> = []
  let finish: string | undefined
  let usage: Outcome["usage"]
  let failure: string | undefined
  let done = false
  for (const line of lines(raw)) {
    if (done) break
    // Ollama itself answers an un-statused streamed error as a 500: a server error.
    if (line.error !== undefined) {
      failure = "ServerError"
      break
    }
    text += line.message?.content ?? line.response ?? ""
    for (const call of line.message?.tool_calls ?? []) tools.push(`${call.function.name} ${JSON.stringify(call.function.arguments)}`)
    if (line.done === true) {
      done = true
      finish = line.done_reason
      if (line.prompt_eval_count !== undefined || line.eval_count !== undefined) {
        usage = [line.prompt_eval_count ?? 0, line.eval_count ?? 0]
      }
    }
  }
  if (failure === undefined && !done) failure = text.length > 0 || tools.length > 0 ? "StreamTruncated" : "Network"
  return { text, tools, finish, usage, failure }
}

const naivePull = (raw: string): Outcome => {
  const statuses: Array<string> = []
  for (const line of lines(raw)) {
    if (line.error !== undefined) return { statuses, failure: "ServerError" }
    statuses.push(line.status ?? "")
    if (line.status === "success") return { statuses, failure: undefined }
  }
  return { statuses, failure: "StreamTruncated" }
}

const ofChunks = (chunks: ReadonlyArray<ChatChunk.ChatChunk>, failure: string | undefined): Outcome => {
  let text = ""
  const tools: Array<string> = []
  let finish: string | undefined
  let usage: Outcome["usage"]
  for (const c of chunks) {
    if (c._tag === "TextDelta") text += c.text
    if (c._tag === "ToolCall") tools.push(`${c.name} ${c.arguments}`)
    if (c._tag === "Finish") finish = c.raw
    if (c._tag === "Usage") usage = [c.usage.inputTokens, c.usage.outputTokens]
  }
  return { text, tools, finish, usage, failure }
}

const failureOf = (error: unknown) => (error as LlmError.LlmError).reason._tag

interface Case {
  readonly file: string
  readonly status?: number
  readonly naive: (raw: string) => Outcome
  readonly run: (
    backend: Effect.Success<ReturnType<typeof Ollama.make>>,
    api: Effect.Success<ReturnType<typeof Ollama.makeApi>>
  ) => Effect.Effect<{ readonly outcome: Outcome; readonly key: string }>
}

const streamed = (stream: Stream.Stream<ChatChunk.ChatChunk, LlmError.LlmError>) =>
  Effect.gen(function*() {
    const chunks: Array<ChatChunk.ChatChunk> = []
    const result = yield* Effect.result(Stream.runForEach(stream, (c) => Effect.sync(() => chunks.push(c))))
    const failure = result._tag === "Failure" ? failureOf(result.failure) : undefined
    return { outcome: ofChunks(chunks, failure), key: JSON.stringify({ chunks, failure }) }
  })

const keyed = (outcome: Outcome) => ({ outcome, key: JSON.stringify(outcome) })

const cases: ReadonlyArray<Case> = [
  ...["ollama-chat-stream.ndjson", "ollama-chat-stream-tool-call.ndjson"].map((file): Case => ({
    file,
    naive: naiveGeneration,
    run: (backend) => streamed(backend.stream(hi, { requestId: "replay" }))
  })),
  ...["ollama-generate-stream.ndjson", "ollama-generate-stream-midstream-error.ndjson"].map((file): Case => ({
    file,
    naive: naiveGeneration,
    run: (_, api) => streamed(api.generateStream({ prompt: "Hi" }, { requestId: "replay" }))
  })),
  {
    file: "ollama-pull-progress.ndjson",
    naive: naivePull,
    run: (_, api) =>
      Effect.gen(function*() {
        const statuses: Array<string> = []
        const result = yield* Effect.result(Stream.runForEach(api.pull("llama3.2"), (e) => Effect.sync(() => statuses.push(e.status))))
        return keyed({ statuses, failure: result._tag === "Failure" ? failureOf(result.failure) : undefined })
      })
  },
  {
    file: "ollama-embed.response.json",
    naive: (raw) => {
      const body = JSON.parse(raw) as { embeddings: Array<Array<number>>; prompt_eval_count: number }
      return { vectors: body.embeddings, usage: [body.prompt_eval_count, 0], failure: undefined }
    },
    run: (backend) =>
      Effect.map(Effect.result(backend.embed("Why is the sky blue?")), (result) =>
        keyed(result._tag === "Failure" ? { failure: failureOf(result.failure) } : {
          vectors: result.success.embeddings,
          usage: result.success.usage === undefined ? undefined : [result.success.usage.inputTokens, result.success.usage.outputTokens],
          failure: undefined
        }))
  },
  {
    file: "ollama-tags.response.json",
    naive: (raw) => ({ models: (JSON.parse(raw) as { models: Array<{ name: string }> }).models.map((m) => m.name), failure: undefined }),
    run: (backend) =>
      Effect.map(Effect.result(backend.models()), (result) =>
        keyed(result._tag === "Failure" ? { failure: failureOf(result.failure) } : { models: result.success.map((m) => m.id), failure: undefined }))
  },
  {
    file: "ollama-error.response.json",
    status: 500,
    naive: (raw) => ({ failure: "ServerError", message: (JSON.parse(raw) as { error: string }).error }),
    run: (backend) =>
      Effect.map(Effect.result(backend.chat(hi)), (result) => {
        if (result._tag === "Success") return keyed({ failure: undefined, message: result.success.text })
        const said = /- (.*?) \(model/.exec(result.failure.message)?.[1]
        return keyed({ failure: result.failure.reason._tag, ...(said === undefined ? {} : { message: said }) })
      })
  }
]

const options: Ollama.Options = { model: "llama3.2", embeddingModel: "all-minilm", policy: { maxRetries: 0, circuitBreaker: false } }
const build = (layer: Layer.Layer<HttpClient.HttpClient>, baseUrl = "http://127.0.0.1:1") =>
  Effect.all({
    backend: Ollama.make({ ...options, baseUrl }),
    api: Ollama.makeApi({ ...options, baseUrl })
  }).pipe(Effect.provide(layer))

const available = Shared.streamNames(/^ollama-/)

describe.skipIf(!Shared.available)(`recorded Ollama streams and bodies${Shared.skipReason}`, () => {
  it("every Ollama recording has a replay case", () => {
    assert.deepStrictEqual([...available].filter((name) => !name.endsWith(".request.json")).sort(), cases.map((c) => c.file).sort())
  })

  for (const c of cases) {
    it.live(`${c.file}: whole from a server, every byte split, and CRLF agree with a naive reading`, () =>
      Effect.gen(function*() {
        const bytes = Shared.streamBytes(c.file)
        const expected = c.naive(decoder.decode(bytes))
        const memory = (pieces: () => ReadonlyArray<Uint8Array>) =>
          MemoryHttp.layer(pieces, { status: c.status ?? 200, contentType: "application/x-ndjson" })

        // 1. Byte for byte from a real local server.
        const server = yield* FakeServer.make(() => ({
          kind: "chunks",
          status: c.status ?? 200,
          headers: { "content-type": "application/x-ndjson" },
          chunks: [bytes]
        }))
        const live = yield* build(FetchHttpClient.layer, server.url)
        const whole = yield* c.run(live.backend, live.api)
        assert.deepStrictEqual(whole.outcome, expected)

        // 2-4. One byte per read, every two-piece split, CRLF.
        assert.isBelow(bytes.length, 20_000, "small enough to split at every byte")
        yield* Replay.agreeAcrossFramings(c.file, bytes, whole.key, (pieces) =>
          Effect.map(build(memory(pieces)), (built) => Effect.map(c.run(built.backend, built.api), (o) => o.key)))
      }), 120_000)
  }
})
