/**
 * The pipeline's generic entry for operations beyond chat, stream, embed and
 * models (rerank, tensor inference, object storage, ...), in both shapes.
 *
 * @since 0.1.0
 */
import type { Duration, Effect, Stream } from "effect"
import type { CallOptions } from "../domain/CallOptions.ts"
import type { Usage } from "../domain/Usage.ts"
import type * as LlmError from "../LlmError.ts"
import type { CallContext } from "../transport/ProviderHttp.ts"

/**
 * An operation beyond chat, stream, embed and models (rerank, tensor
 * inference, object storage, ...), described for the pipeline: it gets the
 * same queue, breaker, keys, retry, deadline, tracking and stats.
 *
 * @since 0.1.0
 */
export interface ExtraOperation<A> {
  /** Its name in stats and recent calls, e.g. `"rerank"`, `"s3.put"`. */
  readonly name: string
  /** The model (or bucket, ...) it is for, if any. */
  readonly model?: string | undefined
  /** Estimated rate-limit tokens (default 0). */
  readonly cost?: number | undefined
  /** Usage reported by a result (counted in stats, corrects the estimate). */
  readonly usage?: ((value: A) => Usage | undefined) | undefined
  /** Overrides the policy's `attemptTimeout` (Effect shape) or `firstTokenTimeout` (Stream shape) for this operation. */
  readonly attemptTimeout?: Duration.Duration | undefined
}

/**
 * A streaming extra operation. Its permit is held until the stream ends.
 * Attempts are retried only until the first content element was emitted.
 *
 * @since 0.1.0
 */
export interface ExtraStreamOperation<A> extends ExtraOperation<A> {
  /** Which elements are content (default: every element). */
  readonly isContent?: ((element: A) => boolean) | undefined
  /** Overrides the policy's `idleTimeout` for this operation. */
  readonly idleTimeout?: Duration.Duration | undefined
}

/**
 * The pipeline's entry for extra operations. `attempt` / `open` is one raw
 * attempt; everything around it is the pipeline's. An operation made of
 * several requests makes each request a call of its own here, and holds no
 * permit itself (no call may wait for a permit while holding one).
 *
 * @since 0.1.0
 */
export interface Extras {
  readonly effect: <A>(
    operation: ExtraOperation<A>,
    attempt: (call: CallContext) => Effect.Effect<A, LlmError.LlmError>,
    options?: CallOptions
  ) => Effect.Effect<A, LlmError.LlmError>
  readonly stream: <A>(
    operation: ExtraStreamOperation<A>,
    open: (call: CallContext) => Stream.Stream<A, LlmError.LlmError>,
    options?: CallOptions
  ) => Stream.Stream<A, LlmError.LlmError>
}

