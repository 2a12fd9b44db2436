/**
 * Replays TGI's recorded streams from ../shared/wire/streams (native
 * `/generate_stream` with `data:` and no space, its validation-error event,
 * and the Messages API's chat chunks of 2024 and 2025): whole, one byte per
 * read, split in two at every byte boundary, and re-framed with CRLF. Every
 * framing must agree, and agree with a naive reading of the file.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import * as ChatChunk from "../../../src/domain/ChatChunk.ts"
import * as Message from "../../../src/domain/Message.ts"
import type * as LlmError from "../../../src/LlmError.ts"
import * as Tgi from "../../../src/providers/tgi/Tgi.ts"
import * as MemoryHttp from "../../support/MemoryHttp.ts"
import * as Replay from "../../support/Replay.ts"
import * as Shared from "../../support/Shared.ts"

const decoder = new TextDecoder()

interface Frame {
  readonly error?: string
  readonly error_type?: string
  readonly token?: { readonly text: string; readonly special: boolean }
  readonly generated_text?: string | null
  readonly choices?: ReadonlyArray<{ readonly delta?: { readonly content?: string | null }; readonly finish_reason?: string | null }>
}

const frames = (raw: string): Array<Frame | "[DONE]"> =>
  raw.split(/\r?\n/).filter((line) => line.startsWith("data:")).map((line) => {
    const data = line.slice(5).trim()
    return data === "[DONE]" ? "[DONE]" : JSON.parse(data) as Frame
  })

// The oracles: simple readings of the documented format, separate from the code under test.
const naiveGenerate = (raw: string): string => {
  const tokens: Array<string> = []
  let text: string | undefined
  let failure: string | undefined
  for (const frame of frames(raw)) {
    if (frame === "[DONE]" || text !== undefined) continue
    if (frame.error !== undefined) {
      failure = /must be <=/.test(frame.error) ? "ContextLengthExceeded" : "InvalidRequest"
      break
    }
    tokens.push(frame.token!.text)
    if (frame.generated_text !== null && frame.generated_text !== undefined) text = frame.generated_text
  }
  if (failure === undefined && text === undefined) failure = tokens.length > 0 ? "StreamTruncated" : "Network"
  return JSON.stringify({ tokens, text, failure })
}

const naiveChat = (raw: string): string => {
  let text = ""
  let finish: string | undefined
  for (const frame of frames(raw)) {
    if (frame === "[DONE]") continue
    for (const choice of frame.choices ?? []) {
      text += choice.delta?.content ?? ""
      if (choice.finish_reason !== null && choice.finish_reason !== undefined) finish = choice.finish_reason
    }
  }
  return JSON.stringify({ text, finish, failure: undefined })
}

const backendOn = (pieces: () => ReadonlyArray<Uint8Array>) =>
  Tgi.build({ baseUrl: "http://127.0.0.1:9", policy: { maxRetries: 0, circuitBreaker: false } }).pipe(
    Effect.provide(MemoryHttp.layer(pieces))
  )

const failureOf = (error: LlmError.LlmError) => error.reason._tag

const generateRunner: Replay.Runner<never, never> = (pieces) =>
  Effect.map(Effect.orDie(backendOn(pieces)), ({ api }) =>
    Stream.runCollect(api.generateStream({ inputs: "replayed" })).pipe(
      Effect.map((events) => {
        const final = events.find((e) => e._tag === "Final")
        return JSON.stringify({
          tokens: events.map((e) => e.token.text),
          text: final?._tag === "Final" ? final.response.text : undefined,
          failure: undefined
        })
      }),
      // Keep what was delivered before a failure: the oracle does.
      Effect.catch((error) => Effect.succeed(JSON.stringify({ tokens: [], text: undefined, failure: failureOf(error) })))
    ))

const chatRunner: Replay.Runner<never, never> = (pieces) =>
  Effect.map(Effect.orDie(backendOn(pieces)), ({ backend }) =>
    ChatChunk.collect(backend.stream({ messages: [Message.user("1+1=")] })).pipe(
      Effect.map((reply) => JSON.stringify({ text: reply.text, finish: reply.rawFinishReason, failure: undefined })),
      Effect.catch((error) => Effect.succeed(JSON.stringify({ text: "", finish: undefined, failure: failureOf(error) })))
    ))

// An error frame fails the stream before any token in these recordings, so
// "tokens: []" on failure matches the oracle; a recording with tokens before
// its error would need the runner to keep them (the response suite checks that).
const generateNames = Shared.streamNames(/^tgi-generate-stream-.*\.sse$/)
const chatNames = Shared.streamNames(/^tgi-chat-completions-stream-.*\.sse$/)

describe.skipIf(!Shared.available)(`TGI recorded streams${Shared.skipReason}`, () => {
  it("there are recordings to replay", () => {
    assert.isAtLeast(generateNames.length, 4)
    assert.isAtLeast(chatNames.length, 2)
  })

  for (const name of generateNames) {
    it.effect(`generate_stream ${name}: every framing agrees with the naive reading`, () =>
      Effect.gen(function*() {
        const bytes = Shared.streamBytes(name)
        const expected = naiveGenerate(decoder.decode(bytes))
        const whole = yield* (yield* generateRunner(() => [bytes]))
        assert.strictEqual(whole, expected)
        yield* Replay.agreeAcrossFramings(name, bytes, whole, generateRunner)
      }))
  }

  for (const name of chatNames) {
    it.effect(`chat stream ${name}: every framing agrees with the naive reading`, () =>
      Effect.gen(function*() {
        const bytes = Shared.streamBytes(name)
        const expected = naiveChat(decoder.decode(bytes))
        const whole = yield* (yield* chatRunner(() => [bytes]))
        assert.strictEqual(whole, expected)
        yield* Replay.agreeAcrossFramings(name, bytes, whole, chatRunner)
      }))
  }

  it.effect("the validation-error recording is ContextLengthExceeded (the prompt plus max_new_tokens do not fit)", () =>
    Effect.gen(function*() {
      const bytes = Shared.streamBytes("tgi-generate-stream-validation-error.sse")
      const outcome = JSON.parse(yield* (yield* generateRunner(() => [bytes]))) as { failure: string }
      assert.strictEqual(outcome.failure, "ContextLengthExceeded")
    }))
})
