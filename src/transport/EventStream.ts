/**
 * Response bodies as streams of events: Server-Sent Events (OpenAI,
 * Anthropic, Gemini, TGI) and newline-delimited JSON (Ollama).
 *
 * Bytes may be split anywhere, including inside a multi-byte character or
 * between the CR and LF of a CRLF; both decoders keep state across chunks.
 *
 * @since 0.1.0
 */
import { Effect, Stream } from "effect"
import { Sse } from "effect/encoding"
import { mapBatches } from "../internal/Batches.ts"

/**
 * One SSE event: its `event:` name (default `message`) and `data:` text.
 *
 * @since 0.1.0
 */
export interface SseEvent {
  readonly event: string
  readonly data: string
}

/**
 * Decodes an SSE byte stream into events. Unlike `Sse.decode`, a `retry:`
 * directive is not a failure: we never reconnect a half-read answer (that
 * would repeat content), so it is ignored.
 *
 * @since 0.1.0
 */
export const decodeSse = <E, R>(
  bytes: Stream.Stream<Uint8Array, E, R>,
  options?: { readonly maxEventSize?: number }
): Stream.Stream<SseEvent, E | Sse.SseError, R> =>
  Stream.suspend(() => {
    let pending: Array<SseEvent> = []
    const parser = Sse.makeParser((event) => {
      if (event._tag === "Event") pending.push({ event: event.event, data: event.data })
    }, options)
    return mapBatches(Stream.decodeText(bytes), (texts) => {
      for (const text of texts) {
        const error = parser.feed(text)
        if (error !== undefined) return Effect.fail(error)
      }
      const out = pending
      pending = []
      return Effect.succeed(out)
    })
  })

/**
 * Decodes a newline-delimited byte stream into its non-blank lines (CRLF or
 * LF). A last line without a newline is still delivered.
 *
 * @since 0.1.0
 */
export const decodeLines = <E, R>(bytes: Stream.Stream<Uint8Array, E, R>): Stream.Stream<string, E, R> =>
  bytes.pipe(
    Stream.decodeText(),
    Stream.splitLines,
    Stream.filter((line) => line.trim().length > 0)
  )
