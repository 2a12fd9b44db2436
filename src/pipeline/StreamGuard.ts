/**
 * Holds a stream's leading metadata chunks until its first content chunk (or
 * its end), so that an attempt that fails before any content can be retried
 * without the caller seeing anything twice.
 *
 * @since 0.1.0
 */
import { Stream } from "effect"
import * as ChatChunk from "../domain/ChatChunk.ts"

/**
 * @since 0.1.0
 */
export const holdUntilContent = <E, R>(
  self: Stream.Stream<ChatChunk.ChatChunk, E, R>
): Stream.Stream<ChatChunk.ChatChunk, E, R> =>
  Stream.suspend(() => {
    let held: Array<ChatChunk.ChatChunk> | undefined = []
    const none: ReadonlyArray<ChatChunk.ChatChunk> = []
    return self.pipe(
      Stream.map((chunk): ReadonlyArray<ChatChunk.ChatChunk> => {
        if (held === undefined) return [chunk]
        if (!ChatChunk.isContent(chunk)) {
          held.push(chunk)
          return none
        }
        const out = [...held, chunk]
        held = undefined
        return out
      }),
      Stream.flattenIterable,
      // A stream with no content at all (an empty answer) still delivers its metadata.
      Stream.concat(Stream.suspend(() => Stream.fromIterable(held ?? none)))
    )
  })
