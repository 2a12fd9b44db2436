/**
 * What every provider's stream decoder shares: a stateful assembler turns
 * wire events into chunks, with a last word when the body ends; and the rule
 * for a body that ends without its terminal event.
 *
 * @since 0.1.0
 */
import { Effect, Stream } from "effect"
import * as Chunk from "../domain/ChatChunk.ts"
import type { ChatChunk } from "../domain/ChatChunk.ts"
import { mapBatchesSettled, type Settled } from "../internal/Batches.ts"
import * as LlmError from "../LlmError.ts"
import type { CallContext, ProviderHttp } from "../transport/ProviderHttp.ts"

/**
 * Turns one stream's wire events into chunks (or, for a native stream such
 * as TGI's `/generate_stream`, into that stream's own events: `Out`).
 *
 * @since 0.1.0
 */
export interface Assembler<Event, Out = ChatChunk> {
  readonly onEvent: (event: Event) => Emitted<Out>
  /** Called once when the body ends cleanly: flush, or fail if the terminal event never came. */
  readonly onEnd: () => Effect.Effect<ReadonlyArray<Out>, LlmError.LlmError>
}

/**
 * What one event gives: its outputs, or an effect for them when producing
 * them may fail or needs services (an in-stream error, a malformed event).
 * A decoder that has the outputs at hand returns them as they are, so a
 * long stream costs no effect per event.
 *
 * @since 0.1.0
 */
export type Emitted<Out> = ReadonlyArray<Out> | Effect.Effect<ReadonlyArray<Out>, LlmError.LlmError>

const isPlain = <Out>(emitted: Emitted<Out>): emitted is ReadonlyArray<Out> => Array.isArray(emitted)

/**
 * Runs a fresh assembler (one per stream, so state never leaks between
 * calls or retries) over `events`.
 *
 * @since 0.1.0
 */
export const assemble = <Event, R, Out = ChatChunk>(
  events: Stream.Stream<Event, LlmError.LlmError, R>,
  make: () => Assembler<Event, Out>
): Stream.Stream<Out, LlmError.LlmError, R> =>
  Stream.suspend(() => {
    const assembler = make()
    // Events are decoded in order; a failing event ends the batch after the
    // chunks decoded before it are delivered.
    const body = mapBatchesSettled(events, (batch) => {
      const out: Array<Out> = []
      const from = (start: number): Effect.Effect<Settled<Out, LlmError.LlmError>> => {
        for (let i = start; i < batch.length; i++) {
          const emitted = assembler.onEvent(batch[i]!)
          if (isPlain(emitted)) {
            for (const chunk of emitted) out.push(chunk)
            continue
          }
          const next = i + 1
          return Effect.matchEffect(emitted, {
            onFailure: (failure) => Effect.succeed({ out, failure }),
            onSuccess: (chunks) => {
              for (const chunk of chunks) out.push(chunk)
              return from(next)
            }
          })
        }
        return Effect.succeed({ out, failure: undefined })
      }
      return Effect.suspend(() => from(0))
    })
    return Stream.concat(body, Stream.flattenIterable(Stream.fromEffect(Effect.suspend(() => assembler.onEnd()))))
  })

/**
 * The reason for a body that ended without its terminal event (`missing`
 * names it): after content the answer is cut short and must not pass for a
 * complete one (`StreamTruncated`, not retried); before any content it is a
 * dropped connection (`Network`, retried).
 *
 * @since 0.1.0
 */
export const unfinished = (contentSent: boolean, missing: string): LlmError.Reason =>
  contentSent
    ? new LlmError.StreamTruncated({ detail: `stream ended after content without ${missing}` })
    : new LlmError.Network({ detail: `stream ended before any content without ${missing}` })

/**
 * An event that did not parse, by the policy's `malformedEvents`: the
 * stream's `InvalidResponse` (`fail`, the default), or a warning chunk telling
 * the caller the answer may have a gap (`skip`; the event is counted).
 *
 * @since 0.1.0
 */
export const malformed = (
  http: ProviderHttp,
  call: CallContext,
  providerRequestId: string | undefined,
  detail: string,
  data: string
): Effect.Effect<ReadonlyArray<ChatChunk>, LlmError.LlmError> =>
  Effect.map(http.malformed(call, detail, data, providerRequestId), (text) => [Chunk.warning(text)])
