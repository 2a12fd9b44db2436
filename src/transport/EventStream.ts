/**
 * Response bodies as streams of events: Server-Sent Events (OpenAI,
 * Anthropic, Gemini, TGI) and newline-delimited JSON (Ollama).
 *
 * Bytes may be split anywhere, including inside a multi-byte character or
 * between the CR and LF of a CRLF; both decoders keep state across chunks.
 *
 * @since 0.1.0
 */
import { Data, Effect, Stream } from "effect"
import { Sse } from "effect/encoding"
import { mapBatches } from "../internal/Batches.ts"
import * as SseParser from "./SseParser.ts"

/**
 * A line of a newline-delimited stream grew past the cap before it ended.
 *
 * @since 0.1.0
 */
export class LineTooLarge extends Data.TaggedError("LineTooLarge")<{ readonly maxLineSize: number }> {
  override get message(): string {
    return `a stream line exceeded ${this.maxLineSize} characters`
  }
}

/**
 * The default cap on one line or event (8 MiB of text): a server that never
 * ends a line must not grow our memory without bound.
 *
 * @since 0.1.0
 */
export const DEFAULT_MAX_EVENT_SIZE = 8 * 1024 * 1024

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
  options?: { readonly maxEventSize?: number | undefined }
): Stream.Stream<SseEvent, E | Sse.SseError, R> =>
  Stream.suspend(() => {
    const maxEventSize = options?.maxEventSize ?? DEFAULT_MAX_EVENT_SIZE
    const parser = SseParser.make(maxEventSize)
    return mapBatches(Stream.decodeText(bytes), (texts) => {
      const out: Array<SseEvent> = []
      for (const text of texts) {
        if (!parser.feed(text, out)) return Effect.fail(new Sse.SseError({ reason: new Sse.EventTooLarge({ maxEventSize }) }))
      }
      return Effect.succeed(out)
    })
  })

/**
 * Decodes a newline-delimited byte stream into its non-blank lines (CRLF or
 * LF), with no cap on a line's length: prefer `ProviderHttp.ndjson` (or
 * {@link decodeLinesCapped}), which bound it.
 *
 * @since 0.1.0
 */
export const decodeLines = <E, R>(bytes: Stream.Stream<Uint8Array, E, R>): Stream.Stream<string, E, R> =>
  bytes.pipe(
    Stream.decodeText(),
    Stream.splitLines,
    Stream.filter((line) => line.trim().length > 0)
  )

/**
 * Decodes a newline-delimited byte stream into its non-blank lines (CRLF or
 * LF). A last line without a newline is still delivered. A line longer than
 * `maxLineSize` characters (default 8 MiB) fails with `LineTooLarge` as soon
 * as it is seen, without waiting for its end.
 *
 * @since 0.1.0
 */
export const decodeLinesCapped = <E, R>(
  bytes: Stream.Stream<Uint8Array, E, R>,
  options?: { readonly maxLineSize?: number | undefined }
): Stream.Stream<string, E | LineTooLarge, R> =>
  Stream.suspend(() => {
    const max = options?.maxLineSize ?? DEFAULT_MAX_EVENT_SIZE
    let pending = ""
    const push = (out: Array<string>, line: string) => {
      const text = line.endsWith("\r") ? line.slice(0, -1) : line
      if (text.trim().length > 0) out.push(text)
    }
    const body = mapBatches(Stream.decodeText(bytes), (texts) => {
      const out: Array<string> = []
      for (const text of texts) {
        let start = 0
        let end = text.indexOf("\n")
        while (end !== -1) {
          push(out, pending + text.slice(start, end))
          pending = ""
          start = end + 1
          end = text.indexOf("\n", start)
        }
        pending += text.slice(start)
        if (pending.length > max) return Effect.fail(new LineTooLarge({ maxLineSize: max }))
      }
      return Effect.succeed(out)
    })
    const last = Stream.suspend(() => {
      const out: Array<string> = []
      push(out, pending)
      return Stream.fromIterable(out)
    })
    return Stream.concat(body, last)
  })
