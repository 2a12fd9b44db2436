/**
 * A chat stream as OpenAI's SSE, with the discipline OpenAI's format forces:
 * it cannot tell a client to discard what it already received, so
 *
 * - a failure before any content is an ordinary HTTP error (status, body,
 *   Retry-After), which the SDKs turn into their error classes;
 * - a failure or a restart (`Reset`) after content ends the stream with an
 *   in-stream error event `data: {"error": ...}` and NO `data: [DONE]`, so a
 *   client never takes a cut answer for a complete one;
 * - a complete answer ends with the usage chunk (when asked) and `[DONE]`.
 *
 * Nothing is buffered: each chunk is written as it arrives.
 *
 * @since 0.1.0
 */
import { Cause, Effect, Exit, Pull, type Scope, Stream } from "effect"
import * as ChatChunk from "../domain/ChatChunk.ts"
import * as LlmError from "../LlmError.ts"
import * as OpenAiWire from "./OpenAiWire.ts"

const encoder = new TextEncoder()
const frame = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`
const DONE = "data: [DONE]\n\n"

/**
 * How a stream ended, for the access log and stats.
 *
 * @since 0.1.0
 */
export type Ending = "complete" | "error" | "cancelled"

/**
 * What the gateway answers: an error before anything was sent, or the SSE body.
 *
 * @since 0.1.0
 */
export type Started =
  | { readonly _tag: "Failed"; readonly error: LlmError.LlmError }
  | { readonly _tag: "Streaming"; readonly body: Stream.Stream<Uint8Array> }

/**
 * An in-stream error event as OpenAI sends one.
 *
 * @since 0.1.0
 */
export const errorEvent = (error: LlmError.LlmError): string => frame(OpenAiWire.errorResponse(error).body)

/**
 * Starts `upstream` in the enclosing (request) scope and waits for its first
 * content, so an early failure can still be an HTTP error; then the rest is
 * encoded as it arrives. `onEnd` is called once with how the body ended.
 *
 * @since 0.1.0
 */
export const start = (
  upstream: Stream.Stream<ChatChunk.ChatChunk, LlmError.LlmError>,
  encode: ReturnType<typeof OpenAiWire.chunkEncoder>,
  onEnd: (ending: Ending, error: LlmError.LlmError | undefined) => Effect.Effect<void>
): Effect.Effect<Started, never, Scope.Scope> =>
  Effect.gen(function*() {
    const pull = yield* Stream.toPull(upstream)
    const head: Array<ChatChunk.ChatChunk> = []
    let ended = false
    while (!head.some(ChatChunk.isContent)) {
      const exit = yield* Effect.exit(pull)
      if (Exit.isSuccess(exit)) {
        head.push(...exit.value)
        continue
      }
      if (Pull.isDoneCause(exit.cause)) {
        ended = true
        break
      }
      const error = Cause.findErrorOption(exit.cause)
      if (error._tag === "Some" && error.value instanceof LlmError.LlmError) {
        yield* onEnd("error", error.value)
        return { _tag: "Failed", error: error.value } as const
      }
      return yield* Effect.failCause(exit.cause as Cause.Cause<never>)
    }
    const rest: Stream.Stream<ChatChunk.ChatChunk, LlmError.LlmError> = ended ? Stream.empty : Stream.fromPull(Effect.succeed(pull))
    let finished = false
    const end = (ending: Ending, error?: LlmError.LlmError) => {
      if (finished) return Effect.void
      finished = true
      return onEnd(ending, error)
    }
    // Encodes chunk by chunk; a Reset stops the stream (see the module doc).
    let reset: LlmError.LlmError | undefined
    const text = Stream.concat(Stream.fromIterable(head), rest).pipe(
      Stream.mapArray((chunks) => {
        let out = ""
        for (const chunk of chunks) {
          const encoded = encode.encode(chunk)
          if (encoded === "reset") {
            reset = resetError(chunk as ChatChunk.Reset)
            break
          }
          for (const value of encoded) out += frame(value)
        }
        return [out]
      }),
      Stream.takeUntil(() => reset !== undefined),
      Stream.concat(Stream.suspend(() => {
        if (reset !== undefined) return Stream.make(errorEvent(reset))
        let tail = ""
        for (const value of encode.end()) tail += frame(value)
        return Stream.make(tail + DONE)
      })),
      Stream.catch((error: LlmError.LlmError) => {
        reset = error
        return Stream.make(errorEvent(error))
      }),
      Stream.filter((s) => s.length > 0),
      Stream.map((s) => encoder.encode(s)),
      Stream.onExit((exit) =>
        Exit.isSuccess(exit) ? end(reset === undefined ? "complete" : "error", reset) : end("cancelled")
      )
    )
    return { _tag: "Streaming", body: text } as const
  })

// A restart after content: the router found another answer, but OpenAI's
// format has no way to say "discard the text so far".
const resetError = (chunk: ChatChunk.Reset): LlmError.LlmError =>
  LlmError.make(
    "gateway",
    new LlmError.StreamTruncated({
      detail: `the answer from ${chunk.from ?? "a target"} failed after content (${chunk.reason}) and ${chunk.to ?? "the next target"} cannot continue it`
    })
  )
