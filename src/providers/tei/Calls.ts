/**
 * What the batched TEI operations share: the routes, the pipeline's extras
 * entry, the cached `/info`, the batch limit and concurrency, and one way to
 * run an operation made of several pipeline calls (one request id for all
 * of them, the caller's deadline over the whole).
 *
 * @since 0.1.0
 */
import { Duration, Effect } from "effect"
import type { CallOptions } from "../../domain/CallOptions.ts"
import * as LlmError from "../../LlmError.ts"
import type * as Pipeline from "../../pipeline/Pipeline.ts"
import * as Validate from "../../pipeline/Validate.ts"
import type * as Info from "./Info.ts"
import type { Routes } from "./Routes.ts"

/**
 * @since 0.1.0
 */
export interface Calls {
  readonly provider: string
  readonly routes: Routes
  readonly extras: Pipeline.Extras
  readonly info: Info.Cache
  /** The configured model name, if any (TEI serves one model). */
  readonly model: string | undefined
  /** Overrides `/info`'s `max_client_batch_size` when set. */
  readonly maxBatchSize: number | undefined
  /** How many batches of one operation are in flight at once. */
  readonly concurrency: number
}

/**
 * The batch limit: the configured one, or the server's (read once).
 *
 * @since 0.1.0
 */
export const limit = (calls: Calls): Effect.Effect<number, LlmError.LlmError> =>
  calls.maxBatchSize !== undefined
    ? Effect.succeed(calls.maxBatchSize)
    : Effect.map(calls.info.get, (info) => Math.max(1, info.maxClientBatchSize))

/**
 * Runs an operation made of several pipeline calls: `body` gets call
 * options carrying one request id for every part; the caller's `timeout`
 * bounds the whole operation (each part also gets it as its own deadline).
 * The operation itself holds no permit: each part waits for its own.
 *
 * @since 0.1.0
 */
export const operation = <A>(
  calls: Calls,
  options: CallOptions | undefined,
  body: (options: CallOptions) => Effect.Effect<A, LlmError.LlmError>
): Effect.Effect<A, LlmError.LlmError> =>
  Effect.flatMap(Validate.callOptions(calls.provider, options), (resolved) => {
    const run = body({ ...options, requestId: resolved.requestId })
    const deadline = resolved.timeout
    return deadline === undefined ? run : Effect.timeoutOrElse(run, {
      duration: deadline,
      orElse: () =>
        Effect.fail(LlmError.make(
          calls.provider,
          new LlmError.Timeout({ phase: "total", after: deadline, detail: `the call's deadline (${Duration.format(deadline)}) passed` }),
          { requestId: resolved.requestId }
        ))
    })
  })

/**
 * Texts to send: one or more, each a string.
 *
 * @since 0.1.0
 */
export const texts = (
  provider: string,
  field: string,
  input: string | ReadonlyArray<string>
): Effect.Effect<ReadonlyArray<string>, LlmError.LlmError> => {
  const list = typeof input === "string" ? [input] : input
  if (list.length === 0 || list.some((text) => typeof text !== "string")) {
    return Effect.fail(LlmError.make(provider, new LlmError.InvalidRequest({ field, detail: "expected a string or a non-empty list of strings" })))
  }
  return Effect.succeed(list)
}
