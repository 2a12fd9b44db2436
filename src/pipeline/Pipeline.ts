/**
 * The one composition every backend goes through. A provider supplies raw
 * single-attempt operations; the pipeline validates the input, resolves
 * options and model, and runs the call through its stages, composed once
 * for both call shapes (an Effect and a Stream):
 *
 * accounting → admission (queue permit) → breaker ticket → retry → key lease
 * with rate tokens → attempt (timeouts, deadline)
 *
 * Each stage owns one resource from acquisition to release (`Stage.ts`); the
 * call's own state lives in one `Call` record. Every call is accounted for
 * exactly once (success, failure with its reason, interruption or, for a
 * stream stopped early, cancellation) in stats and the recent-calls ring.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, Option, Stream } from "effect"
import type { CallOptions } from "../domain/CallOptions.ts"
import type { ChatRequest } from "../domain/Chat.ts"
import * as ChatChunk from "../domain/ChatChunk.ts"
import type { Usage } from "../domain/Usage.ts"
import * as Spans from "../observability/Spans.ts"
import type { Capabilities, Monitor, Service } from "../LlmBackend.ts"
import * as LlmError from "../LlmError.ts"
import type { CallContext } from "../transport/ProviderHttp.ts"
import * as Accounting from "./Accounting.ts"
import * as Attempt from "./Attempt.ts"
import * as Call from "./Call.ts"
import * as CircuitBreaker from "./CircuitBreaker.ts"
import * as Composition from "./Composition.ts"
import type { Extras, ExtraStreamOperation } from "./Extras.ts"
import * as KeyAccess from "./KeyAccess.ts"
import type * as KeyPool from "./KeyPool.ts"
import * as Policy from "./Policy.ts"
import * as PriorityQueue from "./PriorityQueue.ts"
import type { Provider } from "./Provider.ts"
import * as RateLimiter from "./RateLimiter.ts"
import * as Retry from "./Retry.ts"
import * as SharedState from "./SharedState.ts"
import * as Stats from "./Stats.ts"
import * as StatsReport from "./StatsReport.ts"
import * as Tracing from "./Tracing.ts"
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
  /** The transport's count of stream events skipped under `malformedEvents: "skip"` (for the snapshot). */
  readonly skippedEvents?: { readonly skipped: number; readonly reset: () => void } | undefined
}

export type { ExtraOperation, ExtraStreamOperation, Extras } from "./Extras.ts"

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

// Only a cheap size estimate: everything we send, as JSON characters.
const chatCost = (request: ChatRequest): number =>
  RateLimiter.estimate(
    (request.system?.length ?? 0) + JSON.stringify(request.messages).length +
      (request.tools === undefined ? 0 : JSON.stringify(request.tools).length),
    request.maxTokens
  )

const none = () => undefined

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
  const budget: Call.Budget = {
    capMs: Duration.toMillis(policy.retryAfterCap),
    minAttemptMs: Duration.toMillis(policy.minAttemptTime)
  }
  const recorder = new Stats.Recorder(name)
  const ring = new Tracking.Ring(policy.recentCalls)
  const error = (call: Call.Call, reason: LlmError.Reason) =>
    LlmError.make(name, reason, { requestId: call.requestId, model: call.model })

  const queue = yield* PriorityQueue.make({
    budget,
    fail: error,
    maxConcurrent: policy.maxConcurrentRequests,
    capacity: policy.queueSize,
    whenFull: policy.queueFull,
    agingInterval: policy.agingInterval
  })
  // The one place the state of the shared parts is chosen: a store in the context, else memory.
  const shared = yield* Effect.serviceOption(SharedState.SharedState)
  const store = Option.isSome(shared) ? yield* shared.value.backend(name) : undefined
  const breaker = yield* CircuitBreaker.make({
    enabled: policy.circuitBreaker,
    failureThreshold: policy.failureThreshold,
    resetTimeout: policy.resetTimeout,
    maxResetTimeout: policy.maxResetTimeout,
    onTransition: (from, to) =>
      Effect.andThen(
        recorder.breaker(CircuitBreaker.stateName(to), to._tag === "Open"),
        Effect.logWarning(`${name}: circuit ${CircuitBreaker.stateName(from)} -> ${CircuitBreaker.stateName(to)}`)
      ),
    shared: store === undefined ? undefined : {
      store,
      leaseMs: Duration.toMillis(
        policy.probeLease ?? Duration.times(Duration.max(policy.attemptTimeout, policy.firstTokenTimeout), 2)
      )
    }
  })
  const keyAccess = KeyAccess.make(name, keys, policy, recorder, budget, store)

  const capabilities: Capabilities = {
    chat: provider.chat !== undefined,
    stream: provider.stream !== undefined,
    embed: provider.embed !== undefined,
    models: provider.models !== undefined
  }

  const gauges = Effect.suspend(() => recorder.gauges(queue.depth(), queue.inFlight()))

  const accounting = Accounting.stage(name, ring, recorder, gauges)

  const admission = PriorityQueue.stage(queue, {
    acquired: (call) => Effect.andThen(recorder.queued(call.queueWaitMs), gauges),
    released: gauges
  })
  const ticket = CircuitBreaker.stage(breaker, error)

  const hooks: Retry.Hooks<CircuitBreaker.Ticket> = {
    mayRetry: breaker.mayRetry,
    rotate: (call, failure) => keyAccess.rotate(failure, call.keyName, call.model),
    onRetry: (call, retry, delay, cause) =>
      Effect.andThen(
        recorder.retry(call.model, cause.reason._tag, Duration.toMillis(delay)),
        Effect.logDebug(`${name}: retry ${retry} in ${Duration.format(delay)} after ${cause.reason._tag}`)
      )
  }

  const observer = (ticketOf: (call: Call.Call) => CircuitBreaker.Ticket | undefined): Attempt.Observer => ({
    fail: error,
    usage: (call, usage) =>
      Effect.andThen(
        recorder.usage(call.model ?? "unknown", usage.inputTokens, usage.outputTokens),
        keyAccess.correct(call.keyName, call.cost, usage)
      ),
    firstContent: (call) => {
      const held = ticketOf(call)
      // A streaming probe is decided by its first content, not by the stream's end.
      const decided = held !== undefined && held.probe ? breaker.record(held, "success") : Effect.void
      return Effect.andThen(decided, recorder.firstContent(call.model, call.firstTokenMs ?? 0))
    }
  })

  const composed = Composition.make({
    accounting,
    admission,
    ticket,
    lease: keyAccess.stage,
    retry: { policy, budget, hooks }
  })
  const effectObserver = observer(() => undefined)

  const open = (
    operation: string,
    streaming: boolean,
    model: string | undefined,
    resolved: Validate.ResolvedOptions,
    cost: number
  ): Effect.Effect<Call.Call, LlmError.LlmError> =>
    Effect.andThen(
      keyAccess.checkPin(resolved.requestId, resolved.key),
      Effect.map(Clock.currentTimeMillis, (start) => {
        const deadline = resolved.timeout ?? policy.deadline
        return Call.make({
          requestId: resolved.requestId,
          model,
          operation,
          streaming,
          priority: resolved.priority,
          pinned: resolved.key,
          sessionId: resolved.sessionId,
          cost,
          start,
          deadlineAt: deadline === undefined ? Infinity : start + Duration.toMillis(deadline),
          maxRetries: Math.min(policy.maxRetries, resolved.maxRetries ?? Infinity)
        })
      })
    )

  // The call span is outermost (queue wait, retries and accounting inside
  // it); each attempt gets a child span. Both only when a tracer is installed.
  const run = <A>(
    operation: string,
    model: string | undefined,
    resolved: Validate.ResolvedOptions,
    cost: number,
    spec: Attempt.EffectSpec<A>,
    attempt: (context: CallContext) => Effect.Effect<A, LlmError.LlmError>,
    facts?: (value: A) => Spans.ResultFacts | undefined
  ): Effect.Effect<A, LlmError.LlmError> =>
    Effect.flatMap(open(operation, false, model, resolved, cost), (call) =>
      Tracing.withTracing((tracing) => {
        if (!tracing) return composed.effect<A>(call, (context) => Attempt.effect(call, spec, effectObserver, attempt(context)))
        const body = composed.effect<A>(call, (context) =>
          Tracing.attempt(call, context.keyName, Attempt.effect(call, spec, effectObserver, attempt(context))))
        return Tracing.call(name, call, facts, body)
      }))

  const runStream = <A>(
    operation: string,
    model: string | undefined,
    resolved: Validate.ResolvedOptions,
    cost: number,
    spec: Attempt.StreamSpec<A>,
    attempt: (context: CallContext) => Stream.Stream<A, LlmError.LlmError>,
    facts?: (value: A) => Spans.ResultFacts | undefined
  ): Stream.Stream<A, LlmError.LlmError> =>
    Stream.unwrap(Effect.flatMap(open(operation, true, model, resolved, cost), (call) =>
      Tracing.withTracing((tracing) => {
        let held: CircuitBreaker.Ticket | undefined
        const watch = observer(() => held)
        const body = composed.stream<A>(call, (context, ticket) => {
          held = ticket
          const one = Attempt.stream(call, spec, watch, attempt(context))
          return tracing ? Tracing.attemptStream(call, context.keyName, one) : one
        })
        return Effect.succeed(tracing ? Tracing.callStream(name, call, facts, body) : body)
      })))

  const chatSpec: Attempt.EffectSpec<{ readonly usage?: Usage | undefined }> = {
    attemptTimeout: policy.attemptTimeout,
    usage: (response) => response.usage
  }
  const modelsSpec: Attempt.EffectSpec<unknown> = { attemptTimeout: policy.attemptTimeout, usage: none }
  const chatStreamSpec: Attempt.StreamSpec<ChatChunk.ChatChunk> = {
    firstTokenTimeout: policy.firstTokenTimeout,
    idleTimeout: policy.idleTimeout,
    isContent: ChatChunk.isContent,
    isTerminal: (chunk) => chunk._tag === "Finish" || chunk._tag === "Usage",
    usage: (chunk) => chunk._tag === "Usage" ? chunk.usage : undefined
  }

  const chat: Service["chat"] = (input, callOptions) => {
    const send = provider.chat
    if (send === undefined) return Effect.fail(LlmError.unsupported(name, "chat"))
    // Nested flatMaps rather than Effect.gen: a generator function per call
    // costs a fresh prototype and hidden class, and its frame stays on the
    // fiber's stack while the call waits in the queue.
    return Effect.flatMap(Validate.chatRequest(name, input), (request) =>
      Effect.flatMap(Validate.callOptions(name, callOptions), (resolved) =>
        Effect.flatMap(Validate.model(name, request.model, options.model), (model) =>
          run("chat", model, resolved, chatCost(request), chatSpec, (call) => send(request, call), Spans.ofChatResponse))))
  }

  const stream: Service["stream"] = (input, callOptions) => {
    const send = provider.stream
    if (send === undefined) return Stream.fail(LlmError.unsupported(name, "stream"))
    return Stream.unwrap(Effect.flatMap(Validate.chatRequest(name, input), (request) =>
      Effect.flatMap(Validate.callOptions(name, callOptions), (resolved) =>
        Effect.map(Validate.model(name, request.model, options.model), (model) =>
          runStream("stream", model, resolved, chatCost(request), chatStreamSpec, (call) => send(request, call), Spans.ofChatChunk)))))
  }

  const embed: Service["embed"] = (input, callOptions) => {
    const send = provider.embed
    if (send === undefined) return Effect.fail(LlmError.unsupported(name, "embed"))
    return Effect.flatMap(Validate.embedRequest(name, input), (request) =>
      Effect.flatMap(Validate.callOptions(name, callOptions), (resolved) =>
        Effect.flatMap(Validate.model(name, request.model, options.embeddingModel ?? options.model), (model) => {
          const chars = request.input.reduce((n, text) => n + text.length, 0)
          return run("embed", model, resolved, RateLimiter.estimate(chars, 0), chatSpec, (call) => send(request, call), Spans.ofEmbedResponse)
        })))
  }

  const models: Service["models"] = (callOptions) => {
    const send = provider.models
    if (send === undefined) return Effect.fail(LlmError.unsupported(name, "models"))
    return Effect.flatMap(
      Validate.callOptions(name, callOptions),
      (resolved) => run("models", undefined, resolved, 0, modelsSpec, send)
    )
  }

  const snapshot = Effect.flatMap(breaker.state, (state) =>
    Effect.map(keyAccess.stats, (keyStats) =>
      recorder.snapshot({
        breakerState: CircuitBreaker.stateName(state),
        breakerTrips: breaker.trips(),
        inFlight: queue.inFlight(),
        queueDepth: queue.depth(),
        keys: keyStats,
        malformedEventsSkipped: options.skippedEvents?.skipped ?? 0,
        sharedState: store === undefined ? "memory" : store.mode()
      })))

  const monitor: Monitor = {
    stats: snapshot,
    reset: Effect.andThen(
      Effect.sync(() => {
        recorder.reset()
        ring.clear()
        breaker.resetTrips()
        keyAccess.restoreEjected()
        options.skippedEvents?.reset()
      }),
      keyAccess.restoreShared
    ),
    report: (format = "text") => Effect.map(snapshot, format === "json" ? StatsReport.json : StatsReport.text),
    recent: Effect.sync(() => ring.toArray()),
    // An open breaker whose reset time has passed lets the next call probe: half open, as callers see it.
    breaker: Effect.flatMap(breaker.state, (state) =>
      Effect.map(Clock.currentTimeMillis, (now) =>
        state._tag === "Open" && now >= state.until ? "half_open" : CircuitBreaker.stateName(state)))
  }

  const extras: Extras = {
    effect: (operation, attempt, callOptions) =>
      Effect.flatMap(Validate.callOptions(name, callOptions), (resolved) =>
        run(operation.name, operation.model, resolved, operation.cost ?? 0, {
          attemptTimeout: operation.attemptTimeout ?? policy.attemptTimeout,
          usage: operation.usage ?? none
        }, attempt)),
    stream: <A>(
      operation: ExtraStreamOperation<A>,
      attempt: (call: CallContext) => Stream.Stream<A, LlmError.LlmError>,
      callOptions?: CallOptions
    ) =>
      Stream.unwrap(Effect.map(Validate.callOptions(name, callOptions), (resolved) =>
        runStream(operation.name, operation.model, resolved, operation.cost ?? 0, {
          firstTokenTimeout: operation.attemptTimeout ?? policy.firstTokenTimeout,
          idleTimeout: operation.idleTimeout ?? policy.idleTimeout,
          isContent: operation.isContent ?? (() => true),
          isTerminal: undefined,
          usage: operation.usage ?? none
        }, attempt)))
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
