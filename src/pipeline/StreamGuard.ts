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
export const holdUntilContent = <A, E, R>(
  self: Stream.Stream<A, E, R>,
  isContent: (element: A) => boolean = ChatChunk.isContent as unknown as (element: A) => boolean
): Stream.Stream<A, E, R> =>
  Stream.suspend(() => {
    let held: Array<A> | undefined = []
    const none: ReadonlyArray<A> = []
    const body = mapBatches(self, (chunks) => {
      if (held === undefined) return Effect.succeed(chunks)
      const first = chunks.findIndex(isContent)
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
