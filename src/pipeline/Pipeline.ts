/**
 * The one composition every backend goes through. A provider supplies raw
 * single-attempt operations; for each call the pipeline validates the input,
 * resolves options, model and key, waits in the priority queue for a
 * concurrency permit, asks the circuit breaker, runs attempts under their
 * timeouts, retries what may be retried, and accounts for the call exactly
 * once (success, failure with its reason, or interruption) in stats and the
 * recent-calls ring.
 *
 * @since 0.1.0
 */
import { Cause, Clock, Duration, Effect, Exit, Option, Stream } from "effect"
import type { CallOptions } from "../domain/CallOptions.ts"
import type { ChatRequest } from "../domain/Chat.ts"
import * as ChatChunk from "../domain/ChatChunk.ts"
import type { Usage } from "../domain/Usage.ts"
import type { Capabilities, Monitor, Service } from "../LlmBackend.ts"
import * as LlmError from "../LlmError.ts"
import type { CallContext } from "../transport/ProviderHttp.ts"
import * as CircuitBreaker from "./CircuitBreaker.ts"
import * as KeyAccess from "./KeyAccess.ts"
import type * as KeyPool from "./KeyPool.ts"
import * as Policy from "./Policy.ts"
import * as PriorityQueue from "./PriorityQueue.ts"
import type { Provider } from "./Provider.ts"
import * as RateLimiter from "./RateLimiter.ts"
import * as Retry from "./Retry.ts"
import * as Stats from "./Stats.ts"
import * as StatsReport from "./StatsReport.ts"
import * as StreamGuard from "./StreamGuard.ts"
import * as Timeouts from "./Timeouts.ts"
import * as Tracking from "./Tracking.ts"
import * as Validate from "./Validate.ts"

/**
 * A named API key (with optional weight, model allow-list, concurrency and
 * rate limits). The name is what shows up in stats and errors; the value
 * never does.
 *
 * @since 0.1.0
 */
export type ApiKey = KeyPool.KeyConfig

/**
 * How the pipeline wraps a provider.
 *
 * @since 0.1.0
 */
export interface Options {
  /** Model used when a chat request names none. */
  readonly model?: string | undefined
  /** Model used when an embedding request names none. */
  readonly embeddingModel?: string | undefined
  /** Keys the backend may use; none for services without auth. */
  readonly keys?: ReadonlyArray<ApiKey> | undefined
  /** Queue, retry, breaker and timeout settings (default `Policy.defaults`). */
  readonly policy?: Policy.Policy | undefined
}

type Operation = Tracking.RecentCall["operation"]

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

/**
 * A backend and the entry for its extra operations, sharing one queue,
 * breaker, key pool and stats.
 *
 * @since 0.1.0
 */
export interface Built {
  readonly service: Service
  readonly extras: Extras
}

interface Track {
  attempts: number
  retries: number
  queueWaitMs: number
  firstTokenMs: number | undefined
  /** The key of the latest attempt. */
  key: string | undefined
}

const newTrack = (): Track => ({ attempts: 0, retries: 0, queueWaitMs: 0, firstTokenMs: undefined, key: undefined })

// A stream's exit can carry a failure raised downstream by its consumer (e.g. an adapter's
// own error type): only our own errors are this call's failures.
const failureOf = <A>(exit: Exit.Exit<A, LlmError.LlmError>): LlmError.LlmError | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  const error: unknown = Option.getOrUndefined(Cause.findErrorOption(exit.cause))
  return error instanceof LlmError.LlmError ? error : undefined
}

const breakerOutcome = <A>(exit: Exit.Exit<A, LlmError.LlmError>): CircuitBreaker.Outcome => {
  if (Exit.isSuccess(exit)) return "success"
  const error = failureOf(exit)
  if (error === undefined) return "interrupted"
  return LlmError.countsForBreaker(error.reason) ? "unhealthy" : "answered"
}

// Only a cheap size estimate: everything we send, as JSON characters.
const chatCost = (request: ChatRequest): number =>
  RateLimiter.estimate(
    (request.system?.length ?? 0) + JSON.stringify(request.messages).length +
      (request.tools === undefined ? 0 : JSON.stringify(request.tools).length),
    request.maxTokens
  )

const withAttempts = (error: LlmError.LlmError, attempts: number): LlmError.LlmError =>
  attempts <= 1 || error.attempts !== undefined ? error : new LlmError.LlmError({ ...error, attempts })

/**
 * Wraps a provider's raw operations into an `LlmBackend` service, with the
 * entry for extra operations that share its pipeline.
 *
 * @since 0.1.0
 */
export const build = Effect.fnUntraced(function*(provider: Provider, options: Options = {}) {
  const name = provider.provider
  const keys = options.keys ?? []
  const policy = options.policy ?? Policy.defaults
  const recorder = new Stats.Recorder(name)
  const ring = new Tracking.Ring(policy.recentCalls)
  const queue = yield* PriorityQueue.make({
    maxConcurrent: policy.maxConcurrentRequests,
    capacity: policy.queueSize,
    whenFull: policy.queueFull,
    agingInterval: policy.agingInterval
  })
  const breaker = yield* CircuitBreaker.make({
    enabled: policy.circuitBreaker,
    failureThreshold: policy.failureThreshold,
    resetTimeout: policy.resetTimeout,
    onTransition: (from, to) =>
      Effect.andThen(
        recorder.breaker(CircuitBreaker.stateName(to), to._tag === "Open"),
        Effect.logWarning(`${name}: circuit ${CircuitBreaker.stateName(from)} -> ${CircuitBreaker.stateName(to)}`)
      )
  })

  const keyAccess = KeyAccess.make(name, keys, policy, recorder)

  const capabilities: Capabilities = {
    chat: provider.chat !== undefined,
    stream: provider.stream !== undefined,
    embed: provider.embed !== undefined,
    models: provider.models !== undefined
  }

  const error = (base: { readonly requestId: string; readonly model: string | undefined }, reason: LlmError.Reason) =>
    LlmError.make(name, reason, base)

  const lease = (call: CallContext, resolved: Validate.ResolvedOptions, track: Track, cost: number) =>
    Effect.map(keyAccess.lease(call, resolved, cost), (leased) => {
      track.key = leased[0]?.name
      return leased
    })

  const gauges = Effect.suspend(() => recorder.gauges(queue.depth(), queue.inFlight()))

  // Waits for a permit held for the rest of the enclosing scope.
  const admit = (call: CallContext, priority: Validate.ResolvedOptions["priority"], track: Track) =>
    queue.acquire(priority).pipe(
      Effect.mapError((reason) => error(call, reason)),
      Effect.tap((waited) => {
        track.queueWaitMs = waited
        return Effect.andThen(recorder.queued(waited), gauges)
      }),
      Effect.andThen(Effect.mapError(breaker.admit, (reason) => error(call, reason)))
    )

  const retryHooks = (ticket: CircuitBreaker.Ticket, track: Track, call: CallContext, extra?: () => boolean): Retry.Hooks => ({
    rotate: (failure) => keyAccess.rotate(failure, track.key, call.model),
    mayRetry: Effect.suspend(() => extra?.() === false ? Effect.succeed(false) : breaker.mayRetry(ticket)),
    onRetry: (retry, delay, cause) => {
      track.retries = retry
      const ms = Duration.toMillis(delay)
      return Effect.andThen(
        recorder.retry(call.model, cause.reason._tag, ms),
        Effect.logDebug(`${name}: retry ${retry} in ${Duration.format(delay)} after ${cause.reason._tag}`)
      )
    }
  })

  const finish = (
    operation: Operation,
    call: CallContext,
    priority: Validate.ResolvedOptions["priority"],
    track: Track,
    start: number,
    exit: Exit.Exit<unknown, LlmError.LlmError>
  ) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const failure = failureOf(exit)
      const outcome = Exit.isSuccess(exit) ? "success" : failure === undefined ? "interrupted" : "failure"
      const reason = failure?.reason._tag
      ring.add({
        requestId: call.requestId,
        provider: name,
        model: call.model,
        operation,
        priority,
        outcome,
        reason,
        startedAt: start,
        queueWaitMs: track.queueWaitMs,
        durationMs: now - start,
        attempts: track.attempts,
        firstTokenMs: track.firstTokenMs
      })
      return Effect.andThen(
        recorder.finished({ model: call.model, priority, outcome, reason, durationMs: now - start, retries: track.retries }),
        gauges
      )
    })

  const deadlineOf = (resolved: Validate.ResolvedOptions) => resolved.timeout ?? policy.deadline

  const run = <A>(
    operation: Operation,
    model: string | undefined,
    resolved: Validate.ResolvedOptions,
    cost: number,
    attempt: (call: CallContext) => Effect.Effect<A, LlmError.LlmError>,
    usageOf: (value: A) => Usage | undefined,
    attemptTimeout: Duration.Duration = policy.attemptTimeout
  ): Effect.Effect<A, LlmError.LlmError> =>
    Effect.andThen(keyAccess.checkPin(resolved.requestId, resolved.key), Effect.flatMap(Clock.currentTimeMillis, (start) => {
      const call: CallContext = { requestId: resolved.requestId, model, apiKey: undefined }
      const track = newTrack()
      const once = Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(restore(Effect.suspend(() => lease(call, resolved, track, cost))), ([lease, leased]) =>
          restore(Effect.suspend(() => {
            track.attempts++
            return Timeouts.effect(attempt(leased), "attempt", attemptTimeout, (reason) => error(call, reason))
          })).pipe(Effect.onExit((exit) => keyAccess.giveBack(lease, exit))))
      )
      const admitted = Effect.scoped(
        Effect.flatMap(admit(call, resolved.priority, track), (ticket) =>
          Effect.retry(once, Retry.schedule(policy, retryHooks(ticket, track, call))).pipe(
            Effect.onExit((exit) => breaker.record(ticket, breakerOutcome(exit)))
          ))
      )
      const deadline = deadlineOf(resolved)
      const bounded = deadline === undefined
        ? admitted
        : Timeouts.effect(admitted, "total", deadline, (reason) => error(call, reason))
      return bounded.pipe(
        Effect.tap((value) => {
          const usage = usageOf(value)
          return usage === undefined
            ? Effect.void
            : Effect.andThen(
              recorder.usage(model ?? "unknown", usage.inputTokens, usage.outputTokens),
              keyAccess.correct(track.key, cost, usage)
            )
        }),
        Effect.mapError((e) => withAttempts(e, track.attempts)),
        Effect.onExit((exit) => finish(operation, call, resolved.priority, track, start, exit))
      )
    }))

  interface StreamShape<A> {
    readonly operation: Operation
    readonly isContent: (element: A) => boolean
    readonly usageOf: (element: A) => Usage | undefined
    readonly firstTokenTimeout: Duration.Duration
    readonly idleTimeout: Duration.Duration
  }

  const runStream = <A>(
    model: string | undefined,
    resolved: Validate.ResolvedOptions,
    cost: number,
    open: (call: CallContext) => Stream.Stream<A, LlmError.LlmError>,
    shape: StreamShape<A>
  ): Stream.Stream<A, LlmError.LlmError> =>
    Stream.unwrap(Effect.andThen(keyAccess.checkPin(resolved.requestId, resolved.key), Effect.map(Clock.currentTimeMillis, (start) => {
      const call: CallContext = { requestId: resolved.requestId, model, apiKey: undefined }
      const track = newTrack()
      let content = false
      const attempt = Stream.unwrap(Effect.map(Effect.suspend(() => lease(call, resolved, track, cost)), ([lease, leased]) => {
        track.attempts++
        return Timeouts.stream(StreamGuard.holdUntilContent(open(leased), shape.isContent), {
          firstToken: shape.firstTokenTimeout,
          idle: shape.idleTimeout,
          isContent: shape.isContent,
          fail: (reason) => error(call, reason)
        }).pipe(Stream.onExit((exit) => keyAccess.giveBack(lease, exit)))
      }))
      const observe = (element: A) =>
        Effect.suspend(() => {
          const usage = shape.usageOf(element)
          if (usage !== undefined) {
            return Effect.andThen(
              recorder.usage(model ?? "unknown", usage.inputTokens, usage.outputTokens),
              keyAccess.correct(track.key, cost, usage)
            )
          }
          if (content || !shape.isContent(element)) return Effect.void
          content = true
          return Effect.flatMap(Clock.currentTimeMillis, (now) => {
            track.firstTokenMs = now - start
            return recorder.firstContent(model, now - start)
          })
        })
      // The permit is taken in the stream's own scope: held until it ends or is interrupted.
      const admitted = Stream.unwrap(Effect.map(admit(call, resolved.priority, track), (ticket) =>
        Stream.retry(attempt, Retry.schedule(policy, retryHooks(ticket, track, call, () => !content))).pipe(
          Stream.tap(observe),
          Stream.onExit((exit) => breaker.record(ticket, breakerOutcome(exit)))
        )))
      const deadline = deadlineOf(resolved)
      const bounded = deadline === undefined ? admitted : Stream.interruptWhen(
        admitted,
        Effect.andThen(
          Effect.sleep(deadline),
          Effect.fail(error(call, new LlmError.Timeout({ phase: "total", after: deadline, detail: "the call's deadline passed" })))
        )
      )
      return bounded.pipe(
        Stream.mapError((e) => withAttempts(e, track.attempts)),
        Stream.onExit((exit) => finish(shape.operation, call, resolved.priority, track, start, exit))
      )
    })))

  const chatStream: StreamShape<ChatChunk.ChatChunk> = {
    operation: "stream",
    isContent: ChatChunk.isContent,
    usageOf: (chunk) => chunk._tag === "Usage" ? chunk.usage : undefined,
    firstTokenTimeout: policy.firstTokenTimeout,
    idleTimeout: policy.idleTimeout
  }

  const chat: Service["chat"] = (input, callOptions) => {
    const open = provider.chat
    if (open === undefined) return Effect.fail(LlmError.unsupported(name, "chat"))
    return Effect.gen(function*() {
      const request = yield* Validate.chatRequest(name, input)
      const resolved = yield* Validate.callOptions(name, callOptions)
      const model = yield* Validate.model(name, request.model, options.model)
      return yield* run("chat", model, resolved, chatCost(request), (call) => open(request, call), (r) => r.usage)
    })
  }

  const stream: Service["stream"] = (input, callOptions) => {
    const open = provider.stream
    if (open === undefined) return Stream.fail(LlmError.unsupported(name, "stream"))
    return Stream.unwrap(Effect.gen(function*() {
      const request = yield* Validate.chatRequest(name, input)
      const resolved = yield* Validate.callOptions(name, callOptions)
      const model = yield* Validate.model(name, request.model, options.model)
      return runStream(model, resolved, chatCost(request), (call) => open(request, call), chatStream)
    }))
  }

  const embed: Service["embed"] = (input, callOptions) => {
    const open = provider.embed
    if (open === undefined) return Effect.fail(LlmError.unsupported(name, "embed"))
    return Effect.gen(function*() {
      const request = yield* Validate.embedRequest(name, input)
      const resolved = yield* Validate.callOptions(name, callOptions)
      const model = yield* Validate.model(name, request.model, options.embeddingModel ?? options.model)
      const chars = request.input.reduce((n, text) => n + text.length, 0)
      return yield* run("embed", model, resolved, RateLimiter.estimate(chars, 0), (call) => open(request, call), (r) => r.usage)
    })
  }

  const models: Service["models"] = (callOptions) => {
    const open = provider.models
    if (open === undefined) return Effect.fail(LlmError.unsupported(name, "models"))
    return Effect.flatMap(
      Validate.callOptions(name, callOptions),
      (resolved) => run("models", undefined, resolved, 0, open, () => undefined)
    )
  }

  const snapshot = Effect.flatMap(breaker.state, (state) =>
    Effect.map(keyAccess.stats, (keyStats) =>
      recorder.snapshot({
        breakerState: CircuitBreaker.stateName(state),
        breakerTrips: breaker.trips(),
        inFlight: queue.inFlight(),
        queueDepth: queue.depth(),
        keys: keyStats
      })))

  const monitor: Monitor = {
    stats: snapshot,
    reset: Effect.sync(() => {
      recorder.reset()
      ring.clear()
    }),
    report: (format = "text") => Effect.map(snapshot, format === "json" ? StatsReport.json : StatsReport.text),
    recent: Effect.sync(() => ring.toArray()),
    breaker: Effect.map(breaker.state, CircuitBreaker.stateName)
  }

  const extras: Extras = {
    effect: (operation, attempt, callOptions) =>
      Effect.flatMap(
        Validate.callOptions(name, callOptions),
        (resolved) =>
          run(
            operation.name,
            operation.model,
            resolved,
            operation.cost ?? 0,
            attempt,
            operation.usage ?? (() => undefined),
            operation.attemptTimeout
          )
      ),
    stream: <A>(
      operation: ExtraStreamOperation<A>,
      open: (call: CallContext) => Stream.Stream<A, LlmError.LlmError>,
      callOptions?: CallOptions
    ) =>
      Stream.unwrap(Effect.map(Validate.callOptions(name, callOptions), (resolved) =>
        runStream(operation.model, resolved, operation.cost ?? 0, open, {
          operation: operation.name,
          isContent: operation.isContent ?? (() => true),
          usageOf: operation.usage ?? (() => undefined),
          firstTokenTimeout: operation.attemptTimeout ?? policy.firstTokenTimeout,
          idleTimeout: operation.idleTimeout ?? policy.idleTimeout
        })))
  }

  const service = { provider: name, capabilities, chat, stream, embed, models, monitor } satisfies Service
  return { service, extras } satisfies Built
})

/**
 * Wraps a provider's raw operations into an `LlmBackend` service.
 *
 * @since 0.1.0
 */
export const make = (provider: Provider, options: Options = {}): Effect.Effect<Service> =>
  Effect.map(build(provider, options), (built) => built.service)
