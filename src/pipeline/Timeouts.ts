/**
 * The clocks a call runs against: one attempt of a non-streaming call; for a
 * stream, the wait for its first content chunk and the gap between chunks;
 * and the whole call's deadline (queue wait and retries included). Each
 * reports `Timeout` with its phase.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, Stream } from "effect"
import * as ChatChunk from "../domain/ChatChunk.ts"
import { Timeout, type TimeoutPhase } from "../LlmError.ts"

/**
 * Fails `effect` with `Timeout { phase }` when it runs longer than `after`.
 *
 * @since 0.1.0
 */
export const effect = <A, E>(
  self: Effect.Effect<A, E>,
  phase: TimeoutPhase,
  after: Duration.Duration,
  fail: (reason: Timeout) => E
): Effect.Effect<A, E> =>
  Effect.timeoutOrElse(self, {
    duration: after,
    orElse: () => Effect.fail(fail(new Timeout({ phase, after, detail: `no result within ${Duration.format(after)}` })))
  })

/**
 * Bounds a stream: its first content element must arrive within
 * `firstToken` of the start, and no later pull may wait longer than `idle`.
 *
 * @since 0.1.0
 */
export const stream = <A, E, R>(
  self: Stream.Stream<A, E, R>,
  options: {
    readonly firstToken: Duration.Duration
    readonly idle: Duration.Duration
    readonly fail: (reason: Timeout) => E
    /** What counts as content (default: a chat chunk's `isContent`). */
    readonly isContent?: ((element: A) => boolean) | undefined
  }
): Stream.Stream<A, E, R> =>
  Stream.transformPull(self, (pull) =>
    Effect.map(Clock.currentTimeMillis, (start) => {
      const firstTokenMs = Duration.toMillis(options.firstToken)
      const isContent = options.isContent ?? (ChatChunk.isContent as unknown as (element: A) => boolean)
      let content = false
      return Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const [phase, after] = content
          ? ["idle" as const, options.idle]
          : ["first-token" as const, Duration.millis(Math.max(0, start + firstTokenMs - now))]
        return pull.pipe(
          Effect.timeoutOrElse({
            duration: after,
            orElse: () =>
              Effect.fail(options.fail(
                new Timeout({
                  phase,
                  after: phase === "idle" ? after : options.firstToken,
                  detail: phase === "idle" ? "the stream stalled" : "no content arrived"
                })
              ))
          }),
          Effect.tap((chunks) =>
            Effect.sync(() => {
              if (!content && chunks.some(isContent)) content = true
            })
          )
        )
      })
    }))
