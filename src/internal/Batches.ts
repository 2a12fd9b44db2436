/**
 * Maps a stream a whole pulled batch at a time. Decoders see hundreds of
 * events per network read; running one effect per batch instead of a stream
 * stage per element (`mapEffect` + `flattenIterable`, which builds a stream
 * per element) is most of the per-chunk cost. Empty results are skipped.
 */
import { Effect, type Pull, Stream } from "effect"

type NonEmpty<B> = readonly [B, ...Array<B>]

/**
 * What one batch gave: its outputs, and the failure that stopped it part-way
 * (raised after those outputs are delivered, so nothing decoded is lost).
 */
export interface Settled<B, E> {
  readonly out: ReadonlyArray<B>
  readonly failure: E | undefined
}

export const mapBatchesSettled = <A, B, E, R, E2>(
  self: Stream.Stream<A, E, R>,
  f: (batch: ReadonlyArray<A>) => Effect.Effect<Settled<B, E2>>
): Stream.Stream<B, E | E2, R> =>
  Stream.transformPull(self, (pull) => {
    let failure: E2 | undefined
    const next: Pull.Pull<NonEmpty<B>, E | E2, void> = Effect.suspend(() => {
      if (failure !== undefined) return Effect.fail(failure)
      return Effect.flatMap(pull, (batch) =>
        Effect.flatMap(f(batch), (settled) => {
          if (settled.out.length > 0) {
            failure = settled.failure
            return Effect.succeed(settled.out as NonEmpty<B>)
          }
          return settled.failure !== undefined ? Effect.fail(settled.failure) : next
        }))
    })
    return Effect.succeed(next)
  }) as Stream.Stream<B, E | E2, R>

export const mapBatches = <A, B, E, R, E2>(
  self: Stream.Stream<A, E, R>,
  f: (batch: ReadonlyArray<A>) => Effect.Effect<ReadonlyArray<B>, E2>
): Stream.Stream<B, E | E2, R> =>
  mapBatchesSettled(self, (batch) =>
    Effect.match(f(batch), {
      onSuccess: (out): Settled<B, E2> => ({ out, failure: undefined }),
      onFailure: (failure): Settled<B, E2> => ({ out: [], failure })
    }))
