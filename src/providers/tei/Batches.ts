/**
 * Splitting an input list larger than the server's `max_client_batch_size`
 * into batches, each sent as its own call (with bounded concurrency), and
 * putting the answers back in input order. One failing batch fails the
 * whole operation with its reason, and the others are interrupted: a
 * partial result is never passed off as the whole.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as LlmError from "../../LlmError.ts"

/**
 * Cuts `items` into consecutive batches of at most `size`.
 *
 * @since 0.1.0
 */
export const split = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const step = Math.max(1, Math.floor(size))
  const out: Array<ReadonlyArray<A>> = []
  for (let at = 0; at < items.length; at += step) out.push(items.slice(at, at + step))
  return out
}

/**
 * Sends every batch (`send` gets the batch and its offset in `items`) and
 * concatenates the answers in order. Each answer must have one entry per
 * item of its batch.
 *
 * @since 0.1.0
 */
export const run = <A, B>(
  provider: string,
  items: ReadonlyArray<A>,
  size: number,
  concurrency: number,
  send: (batch: ReadonlyArray<A>, offset: number) => Effect.Effect<ReadonlyArray<B>, LlmError.LlmError>
): Effect.Effect<Array<B>, LlmError.LlmError> => {
  const step = Math.max(1, Math.floor(size))
  return Effect.map(
    Effect.forEach(split(items, step), (batch, i) =>
      Effect.flatMap(send(batch, i * step), (answer) =>
        answer.length === batch.length ? Effect.succeed(answer) : Effect.fail(LlmError.make(
          provider,
          new LlmError.InvalidResponse({ detail: `batch ${i}: sent ${batch.length} inputs, got ${answer.length} results` })
        ))), { concurrency }),
    (answers) => answers.flat()
  )
}
