/**
 * Tracing spans named and attributed after the OpenTelemetry GenAI semantic
 * conventions: one span per logical call (`chat gpt-4o`, kind client) and
 * one child span per attempt (`llm.attempt`), so retries show as siblings
 * under their call and the HTTP client's own span nests under its attempt.
 *
 * Attributes are names, ids and counts only: never a prompt, an answer, a
 * header or a key (a key's *name* is fine; its value never reaches here).
 *
 * The pipeline calls {@link call} / {@link callStream} around each logical
 * call and {@link attempt} / {@link attemptStream} around each attempt; the
 * end-of-call facts (attempts, queue wait, key name) are read from a thunk
 * when the call ends, so the pipeline can pass its own tracking record.
 *
 * @since 0.1.0
 */
import { Cause, Clock, Effect, Exit, Option, Stream, Tracer } from "effect"
import * as LlmError from "../LlmError.ts"
import { Attribute, attemptSpanName, operationName, providerName, type ResultFacts } from "./SpanAttributes.ts"

/** Attribute names and result facts (see `SpanAttributes`). @since 0.1.0 */
export * from "./SpanAttributes.ts"

/**
 * What the call span knows when the call starts.
 *
 * @since 0.1.0
 */
export interface CallInfo {
  readonly operation: string
  readonly provider: string
  readonly model?: string | undefined
  readonly priority: string
  readonly requestId: string
}

/**
 * The pipeline's own facts about a call, read when it ends.
 *
 * @since 0.1.0
 */
export interface Tracking {
  readonly attempts: number
  readonly queueWaitMs: number
  readonly key?: string | undefined
}

/**
 * How a call span reads its end-of-call facts.
 *
 * @since 0.1.0
 */
export interface CallOptions<A> {
  readonly tracking?: (() => Tracking) | undefined
  /** Facts from the value (Effect) or from each element (Stream). */
  readonly facts?: ((value: A) => ResultFacts | undefined) | undefined
}

class Collected {
  responseModel: string | undefined
  responseId: string | undefined
  inputTokens: number | undefined
  outputTokens: number | undefined
  finishReasons: Array<string> = []
  add(facts: ResultFacts | undefined) {
    if (facts === undefined) return
    if (facts.responseModel !== undefined) this.responseModel = facts.responseModel
    if (facts.responseId !== undefined) this.responseId = facts.responseId
    if (facts.inputTokens !== undefined) this.inputTokens = facts.inputTokens
    if (facts.outputTokens !== undefined) this.outputTokens = facts.outputTokens
    if (facts.finishReason !== undefined) this.finishReasons.push(facts.finishReason)
  }
}

const set = (span: Tracer.Span, key: string, value: unknown) => {
  if (value !== undefined) span.attribute(key, value)
}

const llmErrorOf = (exit: Exit.Exit<unknown, unknown>): LlmError.LlmError | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  const error = Option.getOrUndefined(Cause.findErrorOption(exit.cause))
  return error instanceof LlmError.LlmError ? error : undefined
}

// The outcome attributes shared by call and attempt spans.
const outcome = (span: Tracer.Span, exit: Exit.Exit<unknown, unknown>) => {
  if (Exit.isSuccess(exit)) {
    span.attribute(Attribute.outcome, "success")
    return
  }
  const error = llmErrorOf(exit)
  if (error !== undefined) {
    span.attribute(Attribute.outcome, "failure")
    span.attribute(Attribute.reason, error.reason._tag)
    span.attribute(Attribute.errorType, error.reason._tag)
    span.attribute(Attribute.retryable, error.retryable)
  } else if (Cause.hasInterruptsOnly(exit.cause)) {
    span.attribute(Attribute.outcome, "interrupted")
  } else {
    span.attribute(Attribute.outcome, "failure")
    // The conventions' value for an error without a known type.
    span.attribute(Attribute.errorType, "_OTHER")
  }
}

const endCall = (span: Tracer.Span, exit: Exit.Exit<unknown, unknown>, facts: Collected, tracking?: () => Tracking) => {
  outcome(span, exit)
  set(span, Attribute.responseModel, facts.responseModel)
  set(span, Attribute.responseId, facts.responseId)
  set(span, Attribute.inputTokens, facts.inputTokens)
  set(span, Attribute.outputTokens, facts.outputTokens)
  if (facts.finishReasons.length > 0) span.attribute(Attribute.finishReasons, [...facts.finishReasons])
  const track = tracking?.()
  if (track !== undefined) {
    span.attribute(Attribute.attempts, track.attempts)
    span.attribute(Attribute.queueWaitMs, track.queueWaitMs)
    set(span, Attribute.keyName, track.key)
  }
}

const callSpan = (info: CallInfo): readonly [string, Tracer.SpanOptionsNoTrace] => {
  const name = operationName(info.operation)
  const attributes: Record<string, unknown> = {
    [Attribute.operationName]: name,
    [Attribute.providerName]: providerName(info.provider),
    [Attribute.backend]: info.provider,
    [Attribute.operation]: info.operation,
    [Attribute.priority]: info.priority,
    [Attribute.requestId]: info.requestId
  }
  if (info.model !== undefined) attributes[Attribute.requestModel] = info.model
  // The conventions name a call span "{operation} {model}".
  return [info.model === undefined ? name : `${name} ${info.model}`, { kind: "client", attributes }]
}

/**
 * Wraps one logical call (queue wait and every attempt included) in its span.
 *
 * @example
 * ```ts
 * // in the pipeline, around the whole call:
 * // run(...).pipe(Spans.call({ operation, provider, model, priority, requestId }, { tracking: () => track, facts: Spans.ofChatResponse }))
 * ```
 *
 * @since 0.1.0
 */
export const call = <A>(info: CallInfo, options: CallOptions<A> = {}) =>
<E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
  const [name, spanOptions] = callSpan(info)
  return Effect.useSpan(name, spanOptions, (span) => {
    const facts = new Collected()
    return Effect.withParentSpan(
      Effect.onExit(self, (exit) =>
        Effect.sync(() => {
          if (Exit.isSuccess(exit) && options.facts !== undefined) facts.add(options.facts(exit.value))
          endCall(span, exit, facts, options.tracking)
        })),
      span
    )
  })
}

// A span over a stream's whole run: opened when the stream starts, ended when
// it ends, fails or is interrupted, and parent of whatever runs inside it.
const streamSpan = <A, E, R>(
  self: Stream.Stream<A, E, R>,
  name: string,
  options: Tracer.SpanOptionsNoTrace,
  element: ((value: A) => void) | undefined,
  end: (span: Tracer.Span, exit: Exit.Exit<unknown, E>) => void
): Stream.Stream<A, E, R> =>
  Stream.unwrap(Effect.map(Effect.makeSpan(name, options), (span) => {
    const observed = element === undefined ? self : Stream.tap(self, (value) => Effect.sync(() => element(value)))
    return observed.pipe(
      Stream.onExit((exit) =>
        Effect.flatMap(Clock.currentTimeNanos, (now) =>
          Effect.sync(() => {
            end(span, exit)
            span.end(now, exit)
          }))
      ),
      Stream.provideService(Tracer.ParentSpan, span)
    )
  })) as Stream.Stream<A, E, R>

/**
 * Wraps one logical streaming call in its span; facts are gathered from the
 * elements as they pass (the model from metadata, usage, each finish).
 *
 * @since 0.1.0
 */
export const callStream = <A>(info: CallInfo, options: CallOptions<A> = {}) =>
<E, R>(self: Stream.Stream<A, E, R>): Stream.Stream<A, E, R> => {
  const [name, spanOptions] = callSpan(info)
  const read = options.facts
  // One collector per run of the stream (a stream value may be run twice).
  return Stream.suspend(() => {
    const facts = new Collected()
    return streamSpan(
      self,
      name,
      spanOptions,
      read === undefined ? undefined : (value) => facts.add(read(value)),
      (span, exit) => endCall(span, exit, facts, options.tracking)
    )
  })
}

/**
 * What an attempt span knows: its number (1 = first attempt) and the key
 * name it was given, if any.
 *
 * @since 0.1.0
 */
export interface AttemptInfo {
  readonly number: number
  readonly key?: string | undefined
}

const attemptSpan = (info: AttemptInfo): Tracer.SpanOptionsNoTrace => {
  const attributes: Record<string, unknown> = { [Attribute.attempt]: info.number }
  if (info.key !== undefined) attributes[Attribute.keyName] = info.key
  return { kind: "internal", attributes }
}

/**
 * Wraps one attempt in a child span of the current (call) span.
 *
 * @since 0.1.0
 */
export const attempt = (info: AttemptInfo) => <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.useSpan(attemptSpanName, attemptSpan(info), (span) =>
    Effect.withParentSpan(Effect.onExit(self, (exit) => Effect.sync(() => outcome(span, exit))), span))

/**
 * Wraps one streaming attempt in a child span of the current (call) span.
 *
 * @since 0.1.0
 */
export const attemptStream = (info: AttemptInfo) => <A, E, R>(self: Stream.Stream<A, E, R>): Stream.Stream<A, E, R> =>
  streamSpan(self, attemptSpanName, attemptSpan(info), undefined, outcome)
