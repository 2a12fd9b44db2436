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
import { Clock, Duration, Effect, type Fiber, Option, Result, Stream } from "effect"
import type { CallOptions } from "../domain/CallOptions.ts"
import type { ChatRequest, ChatRequestInput, ChatResponse } from "../domain/Chat.ts"
import type { EmbedRequest, EmbedResponse } from "../domain/Embedding.ts"
import type { ModelInfo } from "../domain/Model.ts"
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
import * as Stage from "./Stage.ts"
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

// A call's checked input: the request (none for models and extra operations), options, model and cost.
interface Checked {
  readonly request: ChatRequest | EmbedRequest | undefined
  readonly resolved: Validate.ResolvedOptions
  readonly model: string | undefined
  readonly cost: number
}

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
  // A call's token estimate feeds only token buckets: with none configured it is never read, and
  // not computing it spares a JSON rendering of every prompt.
  const countsTokens = policy.tokensPerMinute !== undefined || keys.some((key) => key.tokensPerMinute !== undefined)

  const capabilities: Capabilities = {
    chat: provider.chat !== undefined,
    stream: provider.stream !== undefined,
    embed: provider.embed !== undefined,
    models: provider.models !== undefined
  }

  const gauges = (fiber: Stage.AnyFiber) => recorder.gaugesNow(fiber.context, queue.depth(), queue.inFlight())

  const accounting = Accounting.stage(name, ring, recorder)

  const admission = PriorityQueue.stage(queue, {
    acquired: (call, fiber) => {
      recorder.queuedNow(fiber.context, call.queueWaitMs)
      gauges(fiber)
    },
    entered: gauges,
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
    usage: (call, usage, fiber) => {
      recorder.usageNow(fiber.context, call.model ?? "unknown", usage.inputTokens, usage.outputTokens)
      return keyAccess.correct(call.keyName, call.cost, usage, Stage.now(fiber))
    },
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

  // A call's record, in the same step as its checks: the clock is the fiber's own (TestClock in tests).
  const open = (
    fiber: Fiber.Fiber<unknown, unknown>,
    operation: string,
    streaming: boolean,
    checked: Checked
  ): Result.Result<Call.Call, LlmError.LlmError> => {
    const { cost, model, request, resolved } = checked
    const pinned = keyAccess.pinError(resolved.requestId, resolved.key)
    if (pinned !== undefined) return Result.fail(pinned)
    const start = fiber.getRef(Clock.Clock).currentTimeMillisUnsafe()
    const deadline = resolved.timeout ?? policy.deadline
    return Result.succeed(Call.make({
      requestId: resolved.requestId,
      model,
      request,
      operation,
      streaming,
      priority: resolved.priority,
      pinned: resolved.key,
      sessionId: resolved.sessionId,
      cost,
      start,
      deadlineAt: deadline === undefined ? Infinity : start + Duration.toMillis(deadline),
      maxRetries: Math.min(policy.maxRetries, resolved.maxRetries ?? Infinity)
    }))
  }

  // A call's checks, then its record.
  const begin = (
    fiber: Fiber.Fiber<unknown, unknown>,
    operation: string,
    streaming: boolean,
    check: () => Result.Result<Checked, LlmError.LlmError>
  ): Result.Result<Call.Call, LlmError.LlmError> =>
    Result.flatMap(check(), (checked) => open(fiber, operation, streaming, checked))

  // The call span is outermost (queue wait, retries and accounting inside
  // it); each attempt gets a child span. Both only when a tracer is installed.
  // Everything before the stages (checks, the call's record, whether to
  // trace) is one synchronous step, run per evaluation.
  // One attempt of an operation, built once per operation (extra operations:
  // per call): it reads the call's request off the call.
  const attemptOf = <A>(
    spec: Attempt.EffectSpec<A>,
    attempt: (request: Checked["request"], context: CallContext) => Effect.Effect<A, LlmError.LlmError>
  ) => {
    const one = (call: Call.Call, context: CallContext) =>
      Attempt.effect(call, spec, effectObserver, attempt(call.request as Checked["request"], context))
    const traced = (call: Call.Call, context: CallContext) => Tracing.attempt(call, context.keyName, one(call, context))
    return { one, traced }
  }

  const run = <A>(
    operation: string,
    check: () => Result.Result<Checked, LlmError.LlmError>,
    attempt: ReturnType<typeof attemptOf<A>>,
    facts?: (value: A) => Spans.ResultFacts | undefined
  ): Effect.Effect<A, LlmError.LlmError> =>
    Effect.withFiber((fiber) => {
      const begun = begin(fiber, operation, false, check)
      if (Result.isFailure(begun)) return Effect.fail(begun.failure)
      const call = begun.success
      if (!Tracing.enabled(fiber)) return composed.effect<A>(call, attempt.one)
      return Tracing.call(name, call, facts, composed.effect<A>(call, attempt.traced))
    })

  const runStream = <A>(
    operation: string,
    check: () => Result.Result<Checked, LlmError.LlmError>,
    spec: Attempt.StreamSpec<A>,
    attempt: (request: Checked["request"], context: CallContext) => Stream.Stream<A, LlmError.LlmError>,
    facts?: (value: A) => Spans.ResultFacts | undefined
  ): Stream.Stream<A, LlmError.LlmError> =>
    Stream.unwrap(Effect.withFiber((fiber) => {
      const begun = begin(fiber, operation, true, check)
      if (Result.isFailure(begun)) return Effect.fail(begun.failure)
      const call = begun.success
      const tracing = Tracing.enabled(fiber)
      let held: CircuitBreaker.Ticket | undefined
      const watch = observer(() => held)
      const body = composed.stream<A>(call, (_, context, ticket) => {
        held = ticket
        const one = Attempt.stream(call, spec, watch, attempt(call.request as Checked["request"], context))
        return tracing ? Tracing.attemptStream(call, context.keyName, one) : one
      })
      return Effect.succeed(tracing ? Tracing.callStream(name, call, facts, body) : body)
    }))

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

  // The checks of a call: its input, its options and its model, synchronously.
  const checkChat = (input: ChatRequestInput, callOptions: CallOptions | undefined) => () =>
    Result.flatMap(Validate.chatRequestResult(name, input), (request) =>
      Result.flatMap(Validate.callOptionsResult(name, callOptions), (resolved) =>
        Result.map(Validate.modelResult(name, request.model, options.model), (model): Checked => ({
          request,
          resolved,
          model,
          cost: countsTokens ? chatCost(request) : 0
        }))))

  const chatAttempt = attemptOf<ChatResponse>(chatSpec, (request, context) => provider.chat!(request as ChatRequest, context))
  const chat: Service["chat"] = (input, callOptions) => {
    if (provider.chat === undefined) return Effect.fail(LlmError.unsupported(name, "chat"))
    return run("chat", checkChat(input, callOptions), chatAttempt, Spans.ofChatResponse)
  }

  const stream: Service["stream"] = (input, callOptions) => {
    const send = provider.stream
    if (send === undefined) return Stream.fail(LlmError.unsupported(name, "stream"))
    return runStream("stream", checkChat(input, callOptions), chatStreamSpec, (request, call) => send(request as ChatRequest, call), Spans.ofChatChunk)
  }

  const embedAttempt = attemptOf<EmbedResponse>(chatSpec, (request, context) => provider.embed!(request as EmbedRequest, context))
  const embed: Service["embed"] = (input, callOptions) => {
    if (provider.embed === undefined) return Effect.fail(LlmError.unsupported(name, "embed"))
    // Embedding input is checked as an effect (its schema is the one part not yet a plain value here).
    return Effect.flatMap(Validate.embedRequest(name, input), (request) =>
      run("embed", () =>
        Result.flatMap(Validate.callOptionsResult(name, callOptions), (resolved) =>
          Result.map(Validate.modelResult(name, request.model, options.embeddingModel ?? options.model), (model): Checked => ({
            request,
            resolved,
            model,
            cost: countsTokens ? RateLimiter.estimate(request.input.reduce((n, text) => n + text.length, 0), 0) : 0
          }))), embedAttempt, Spans.ofEmbedResponse))
  }

  const optionsOnly = (callOptions: CallOptions | undefined, model: string | undefined, cost: number) => () =>
    Result.map(Validate.callOptionsResult(name, callOptions), (resolved): Checked => ({ request: undefined, resolved, model, cost }))

  const modelsAttempt = attemptOf<ReadonlyArray<ModelInfo>>(modelsSpec, (_, context) => provider.models!(context))
  const models: Service["models"] = (callOptions) => {
    if (provider.models === undefined) return Effect.fail(LlmError.unsupported(name, "models"))
    return run("models", optionsOnly(callOptions, undefined, 0), modelsAttempt)
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
    load: Effect.sync(() => queue.inFlight() + queue.depth()),
    // An open breaker whose reset time has passed lets the next call probe: half open, as callers see it.
    breaker: Effect.flatMap(breaker.state, (state) =>
      Effect.map(Clock.currentTimeMillis, (now) =>
        state._tag === "Open" && now >= state.until ? "half_open" : CircuitBreaker.stateName(state)))
  }

  const extras: Extras = {
    effect: (operation, attempt, callOptions) =>
      run(
        operation.name,
        optionsOnly(callOptions, operation.model, operation.cost ?? 0),
        attemptOf({ attemptTimeout: operation.attemptTimeout ?? policy.attemptTimeout, usage: operation.usage ?? none }, (_, call) => attempt(call))
      ),
    stream: <A>(
      operation: ExtraStreamOperation<A>,
      attempt: (call: CallContext) => Stream.Stream<A, LlmError.LlmError>,
      callOptions?: CallOptions
    ) =>
      runStream(operation.name, optionsOnly(callOptions, operation.model, operation.cost ?? 0), {
        firstTokenTimeout: operation.attemptTimeout ?? policy.firstTokenTimeout,
        idleTimeout: operation.idleTimeout ?? policy.idleTimeout,
        isContent: operation.isContent ?? (() => true),
        isTerminal: undefined,
        usage: operation.usage ?? none
      }, (_, call) => attempt(call))
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
