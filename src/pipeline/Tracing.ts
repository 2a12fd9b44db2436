/**
 * The pipeline's GenAI spans (`observability/Spans.ts`): one span per
 * logical call, outermost (queue wait, every attempt and the accounting
 * inside it), and one child span per attempt, under which the HTTP client's
 * span nests.
 *
 * Spans are opened only when a tracer is installed. Effect's default
 * `nativeTracer` exports nothing, so spans made under it are observable by
 * nobody; skipping them saves two span objects, their attribute maps and an
 * `onExit` per call and per attempt (measured in the bench's overhead table).
 * The transport's HTTP client span follows the same rule (`ClientSpan.around`);
 * a request still carries the caller's trace context when there is a current span.
 *
 * @since 0.1.0
 */
import { Effect, type Fiber, type Stream, Tracer } from "effect"
import * as Spans from "../observability/Spans.ts"
import type { Call } from "./Call.ts"

/**
 * Whether spans would reach anyone: a tracer other than Effect's default is installed.
 *
 * @since 0.1.0
 */
export const enabled = (fiber: Fiber.Fiber<unknown, unknown>): boolean => fiber.getRef(Tracer.Tracer) !== Tracer.nativeTracer

const info = (provider: string, call: Call): Spans.CallInfo => ({
  operation: call.operation,
  provider,
  model: call.model,
  priority: call.priority,
  requestId: call.requestId
})

// Read when the call ends, from the call's own record.
const tracking = (call: Call) => (): Spans.Tracking => ({
  attempts: call.attemptsStarted,
  queueWaitMs: call.queueWaitMs,
  key: call.keyName
})

/**
 * The call span around a non-streaming call.
 *
 * @since 0.1.0
 */
export const call = <A, E>(
  provider: string,
  call: Call,
  facts: ((value: A) => Spans.ResultFacts | undefined) | undefined,
  self: Effect.Effect<A, E>
): Effect.Effect<A, E> => Spans.call<A>(info(provider, call), { tracking: tracking(call), facts })(self)

/**
 * The call span around a streaming call.
 *
 * @since 0.1.0
 */
export const callStream = <A, E>(
  provider: string,
  call: Call,
  facts: ((value: A) => Spans.ResultFacts | undefined) | undefined,
  self: Stream.Stream<A, E>
): Stream.Stream<A, E> => Spans.callStream<A>(info(provider, call), { tracking: tracking(call), facts })(self)

/**
 * The span of the attempt about to start (numbered from 1).
 *
 * @since 0.1.0
 */
export const attempt = <A, E>(call: Call, keyName: string | undefined, self: Effect.Effect<A, E>): Effect.Effect<A, E> =>
  Spans.attempt({ number: call.attemptsStarted + 1, key: keyName })(self)

/**
 * The span of the streaming attempt about to start (numbered from 1).
 *
 * @since 0.1.0
 */
export const attemptStream = <A, E>(call: Call, keyName: string | undefined, self: Stream.Stream<A, E>): Stream.Stream<A, E> =>
  Spans.attemptStream({ number: call.attemptsStarted + 1, key: keyName })(self)

/**
 * Runs `body(tracing)` with whether spans are on for this fiber.
 *
 * @since 0.1.0
 */
export const withTracing = <A, E, R>(body: (tracing: boolean) => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.withFiber((fiber) => body(enabled(fiber)))
