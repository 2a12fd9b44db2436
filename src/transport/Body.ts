/**
 * Reading response bodies within a cap. A non-streaming body is read as it
 * arrives and the read stops (closing the connection) as soon as it passes
 * the cap, so a hostile server sending gigabytes costs us the cap plus one
 * network read, never the whole body.
 *
 * @since 0.1.0
 */
import { Effect, Stream } from "effect"
import type { HttpClientResponse } from "effect/http"

/**
 * Default cap on a non-streaming body (`maxResponseBytes`): 32 MiB.
 *
 * @since 0.1.0
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024

/**
 * How much of an error body is read: enough for any provider's error
 * object; the rest is not needed to classify the failure.
 *
 * @since 0.1.0
 */
export const ERROR_BODY_BYTES = 64 * 1024

/**
 * A body read up to a cap: its text, and whether bytes past the cap were
 * left unread (then `text` holds only what fit).
 *
 * @since 0.1.0
 */
export interface Read {
  readonly text: string
  readonly truncated: boolean
}

/**
 * Reads at most `max` bytes of `bytes` as UTF-8. Stopping early ends the
 * stream, which aborts the request and closes its connection.
 *
 * @since 0.1.0
 */
export const readText = <E, R>(bytes: Stream.Stream<Uint8Array, E, R>, max: number): Effect.Effect<Read, E, R> =>
  Effect.suspend(() => {
    const parts: Array<Uint8Array> = []
    let size = 0
    let truncated = false
    return Effect.map(
      Stream.runForEachWhile(bytes, (chunk) =>
        Effect.sync(() => {
          const room = max - size
          if (chunk.length > room) {
            if (room > 0) parts.push(chunk.subarray(0, room))
            size = max
            truncated = true
            return false
          }
          parts.push(chunk)
          size += chunk.length
          return true
        })),
      () => {
        const whole = new Uint8Array(size)
        let at = 0
        for (const part of parts) {
          whole.set(part, at)
          at += part.length
        }
        return { text: utf8.decode(whole), truncated }
      }
    )
  })

// One decoder for every body: `decode` without `{ stream: true }` keeps no state.
const utf8 = new TextDecoder()

/**
 * Reads a body whose size the server declared (`content-length` at most
 * `max`) in one piece. HTTP/1.1 framing ends the body at the declared
 * length, so it cannot grow past the cap; a transport that does not frame
 * (an in-memory client) is still held to it: more bytes than `max` read as
 * truncated. Unlike `readText`, nothing is aborted after a complete read
 * (ending a response stream early aborts the request, which costs a
 * `DOMException` with a stack trace per call).
 *
 * @since 0.1.0
 */
export const readDeclared = <E>(body: Effect.Effect<ArrayBuffer, E>, max: number): Effect.Effect<Read, E> =>
  Effect.map(body, (buffer) =>
    buffer.byteLength > max
      ? { text: utf8.decode(new Uint8Array(buffer, 0, max)), truncated: true }
      : { text: utf8.decode(buffer), truncated: false })

/**
 * Lets go of a body we will not read: takes at most its first piece, which
 * ends the stream and so closes the connection.
 *
 * @since 0.1.0
 */
export const discard = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<void> =>
  Effect.ignore(Stream.runHead(response.stream))
