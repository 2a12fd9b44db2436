/**
 * Holds a stream's leading metadata chunks until its first content chunk (or
 * its end), so that an attempt that fails before any content can be retried
 * without the caller seeing anything twice.
 *
 * @since 0.1.0
 */
import { Effect, Stream } from "effect"
import { mapBatches } from "../internal/Batches.ts"
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
    const body = mapBatches(self, (chunks) => {
      if (held === undefined) return Effect.succeed(chunks)
      const first = chunks.findIndex(ChatChunk.isContent)
      if (first < 0) {
        held.push(...chunks)
        return Effect.succeed(none)
      }
      const out = [...held, ...chunks]
      held = undefined
      return Effect.succeed(out)
    })
    // A stream with no content at all (an empty answer) still delivers its metadata.
    return Stream.concat(body, Stream.suspend(() => Stream.fromIterable(held ?? none)))
  })
