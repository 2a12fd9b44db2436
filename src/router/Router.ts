/**
 * One `LlmBackend` over many: ordered fallback, weighted or least-busy
 * choice, and routing by model name, with one deadline for the whole call.
 * Before any content a failure moves on to the next eligible target (see
 * `Failover`); a target whose breaker is open rejects at once, so it costs
 * nothing, and once its breaker lets a probe through it is tried first again.
 * While another target follows, a target gets at most
 * `retriesBeforeFallback` retries, so a persistent 503 or 429 reaches the
 * fallback in seconds. After content, `midStream` decides: `fail`,
 * `restart` (a `Reset` chunk, then a complete answer from the next target)
 * or `continue` (the partial text as an assistant prefill, towards targets
 * that declare `prefill`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Router } from "effect-llm-backends"
 * import type { LlmBackend } from "effect-llm-backends"
 *
 * declare const openai: LlmBackend.Service
 * declare const claude: LlmBackend.Service
 * const router = Router.make({ targets: [{ backend: openai }, { backend: claude, prefill: true }] })
 * ```
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, Exit, Layer, Random, Result, Stream } from "effect"
import type { CallOptions, MidStream } from "../domain/CallOptions.ts"
import { ChatRequest } from "../domain/Chat.ts"
import * as ChatChunk from "../domain/ChatChunk.ts"
import * as Message from "../domain/Message.ts"
import { EmbedRequest } from "../domain/Embedding.ts"
import type { ModelInfo } from "../domain/Model.ts"
import type { Usage } from "../domain/Usage.ts"
import { BackendConfigError } from "../BackendConfigError.ts"
import { LlmBackend, type Monitor, type Service } from "../LlmBackend.ts"
import * as LlmError from "../LlmError.ts"
import * as Stage from "../pipeline/Stage.ts"
import * as Stats from "../pipeline/Stats.ts"
import * as StatsReport from "../pipeline/StatsReport.ts"
import * as Tracking from "../pipeline/Tracking.ts"
import * as Validate from "../pipeline/Validate.ts"
import * as Failover from "./Failover.ts"
import * as Routing from "./Routing.ts"
import * as Target from "./Target.ts"

/** @since 0.1.0 */
export type { Route, RouteTarget, Strategy, Target } from "./Target.ts"
/** @since 0.1.0 */
export type { Fallback, Snapshot as RoutingSnapshot, TargetStats } from "./Routing.ts"

/**
 * @since 0.1.0
 */
export interface Options {
  /** Its name in stats and errors (default `"router"`). */
  readonly name?: string | undefined
  readonly targets: ReadonlyArray<Target.Target>
  /** Routes by the request's model name; a model no route matches goes to every target. */
  readonly routes?: ReadonlyArray<Target.Route> | undefined
  /** How the first target is chosen (default `fallback`: the configured order). */
  readonly strategy?: Target.Strategy | undefined
  /** Retries a target gets while another target could take the call (default 1). */
  readonly retriesBeforeFallback?: number | undefined
  /** What a stream failure after content does (default `restart`; per call: `CallOptions.midStream`). */
  readonly midStream?: MidStream | undefined
  /** Deadline of a call that sets none itself, shared by all the targets it tries. */
  readonly timeout?: Duration.Input | undefined
  /** How many recent calls the monitor keeps (default 100). */
  readonly recentCalls?: number | undefined
}

/**
 * A router: an `LlmBackend`, plus what it routed.
 *
 * @since 0.1.0
 */
export interface Router extends Service {
  readonly routing: Effect.Effect<Routing.Snapshot>
}

const usageOf = (value: { readonly model: string; readonly usage?: Usage | undefined }) =>
  value.usage === undefined ? undefined : { model: value.model, input: value.usage.inputTokens, output: value.usage.outputTokens }

// Only our own errors count (a consumer's failure can reach a stream's exit too).
const failureOf = <A>(exit: Exit.Exit<A, LlmError.LlmError>): LlmError.LlmError | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  const error: unknown = exit.cause.reasons.find((r) => r._tag === "Fail")?.error
  return error instanceof LlmError.LlmError ? error : undefined
}

/**
 * Builds a router over its targets; bad options fail naming the setting.
 *
 * @since 0.1.0
 */
export const make = Effect.fnUntraced(function*(options: Options) {
  const name = options.name ?? "router"
  const table = yield* Target.table(name, options.targets, options.routes ?? [])
  const strategy = options.strategy ?? "fallback"
  const retriesBeforeFallback = options.retriesBeforeFallback ?? 1
  if (!Number.isInteger(retriesBeforeFallback) || retriesBeforeFallback < 0) {
    return yield* new BackendConfigError({ provider: name, setting: "retriesBeforeFallback", detail: "must be a whole number >= 0" })
  }
  const defaultTimeout = options.timeout === undefined ? undefined : Duration.fromInput(options.timeout)
  if (defaultTimeout !== undefined && (defaultTimeout._tag === "None" || !Duration.isGreaterThan(defaultTimeout.value, Duration.zero))) {
    return yield* new BackendConfigError({ provider: name, setting: "timeout", detail: "must be a positive duration" })
  }
  const fallbackTimeout = defaultTimeout?._tag === "Some" ? defaultTimeout.value : undefined
  const midStreamDefault: MidStream = options.midStream ?? "restart"
  const recorder = new Stats.Recorder(name)
  const routing = new Routing.Recorder(name)
  const ring = new Tracking.Ring(options.recentCalls ?? 100)

  /** One logical call's plan: its candidates in order, and its deadline. */
  const plan = (model: string | undefined, resolved: Validate.ResolvedOptions) =>
    Effect.withFiber((fiber) => {
      const candidates = table.forModel(model)
      const start = Stage.now(fiber)
      const timeout = resolved.timeout ?? fallbackTimeout
      const planned = (ordered: ReadonlyArray<Target.Resolved>) => ({
        ordered,
        alias: candidates.alias,
        start,
        deadlineAt: timeout === undefined ? undefined : start + Duration.toMillis(timeout)
      })
      // The configured order needs no draw and no load: the plan is made at once.
      if (strategy === "fallback") return Effect.succeed(planned(candidates.targets))
      return Effect.map(Effect.flatMap(Random.next, (random) => Target.order(strategy, candidates.targets, random)), planned)
    })

  /** The call options a target gets: what is left of the deadline, and fewer retries while others wait. */
  const optionsFor = (
    resolved: Validate.ResolvedOptions,
    callOptions: CallOptions | undefined,
    left: Duration.Duration | undefined,
    othersLeft: boolean
  ): CallOptions => {
    const cap = callOptions?.maxRetries
    const maxRetries = othersLeft ? Math.min(retriesBeforeFallback, cap ?? Infinity) : cap
    return {
      priority: resolved.priority,
      requestId: resolved.requestId,
      ...(resolved.sessionId === undefined ? {} : { sessionId: resolved.sessionId }),
      ...(left === undefined ? {} : { timeout: left }),
      ...(maxRetries === undefined ? {} : { maxRetries })
    }
  }

  const requestFor = (request: ChatRequest, target: Target.Resolved, alias: boolean): ChatRequest => {
    const model = target.model ?? (alias ? undefined : request.model)
    if (model === request.model) return request
    const { model: _dropped, ...rest } = request
    return new ChatRequest(model === undefined ? rest : { ...rest, model })
  }

  const breakerOf = (target: Target.Resolved) => target.backend.monitor.breaker

  const finish = (
    operation: string,
    model: string | undefined,
    resolved: Validate.ResolvedOptions,
    start: number,
    attempts: () => { readonly started: number; readonly answered: number },
    firstTokenMs: () => number | undefined,
    exit: Exit.Exit<unknown, LlmError.LlmError>
  ) =>
    Effect.withFiber((fiber) => {
      const now = Stage.now(fiber)
      const failure = failureOf(exit)
      // A stream the caller stopped after content was delivered is cancelled, not interrupted.
      const stopped = firstTokenMs() !== undefined ? "cancelled" : "interrupted"
      const outcome = Exit.isSuccess(exit) ? "success" : failure === undefined ? stopped : "failure"
      const { answered, started } = attempts()
      const reason = failure?.reason._tag
      ring.add({
        requestId: resolved.requestId,
        provider: name,
        model,
        operation,
        priority: resolved.priority,
        outcome,
        reason,
        startedAt: start,
        queueWaitMs: 0,
        durationMs: now - start,
        attempts: started,
        attemptsAnswered: answered,
        firstTokenMs: firstTokenMs()
      })
      // Fail-overs are the routing's (see `routing`), not retries: each target counts its own.
      recorder.finishedNow(fiber.context, {
        model,
        priority: resolved.priority,
        outcome,
        reason,
        durationMs: now - start,
        retries: 0,
        attemptsStarted: started,
        attemptsAnswered: answered
      })
      return Effect.void
    })

  /**
   * Tries candidates in order for an Effect-shaped operation until one
   * answers or a failure stops the call.
   */
  const failover = <A>(
    operation: string,
    model: string | undefined,
    resolved: Validate.ResolvedOptions,
    callOptions: CallOptions | undefined,
    supports: (target: Target.Resolved) => boolean,
    call: (target: Target.Resolved, options: CallOptions) => Effect.Effect<A, LlmError.LlmError>,
    usageOf: (value: A) => { readonly model: string; readonly input: number; readonly output: number } | undefined = () => undefined
  ): Effect.Effect<A, LlmError.LlmError> =>
    Effect.flatMap(plan(model, resolved), ({ deadlineAt, ordered, start }) => {
      let tried = 0
      let answered = 0
      const candidates = ordered.filter(supports)
      // Plain steps, not a generator: every routed call runs this once per target it tries.
      const attempt = (index: number, eligible: ReadonlyArray<Target.Resolved>, last: LlmError.LlmError | undefined): Effect.Effect<A, LlmError.LlmError> =>
        Effect.withFiber((fiber) => {
          const position = candidates.findIndex((t, i) => i >= index && eligible.includes(t))
          if (position < 0) {
            return Effect.fail(last ?? LlmError.make(name, new LlmError.Unsupported({ capability: operation, detail: `no target of ${name} offers ${operation}` })))
          }
          const target = candidates[position]!
          const now = Stage.now(fiber)
          const left = Target.remaining(deadlineAt, now)
          if (left !== undefined && Duration.isZero(left) && last !== undefined) return Effect.fail(last)
          const othersLeft = candidates.some((t, i) => i > position && eligible.includes(t))
          tried++
          return Effect.flatMap(Effect.exit(call(target, optionsFor(resolved, callOptions, left, othersLeft))), (exit) =>
            Effect.withFiber((later): Effect.Effect<A, LlmError.LlmError> => {
              const error = failureOf(exit)
              if (Exit.isSuccess(exit) || error !== undefined) answered++
              routing.attempted(target.name, Stage.now(later) - now, error?.reason._tag)
              if (Exit.isSuccess(exit)) {
                const usage = usageOf(exit.value)
                if (usage !== undefined) recorder.usageNow(later.context, usage.model, usage.input, usage.output)
                return exit
              }
              if (error === undefined) return exit
              const decision = Failover.decide(error, target)
              if (decision._tag === "Stop") return Effect.fail(error)
              const next = eligible.filter((t) => t !== target && decision.eligible(t))
              const to = candidates.find((t, i) => i > position && next.includes(t))
              const rest = attempt(position + 1, next, error)
              return to === undefined ? rest : Effect.andThen(routing.fellBack(target.name, to.name, error.reason._tag, "before-content"), rest)
            }))
        })
      return attempt(0, candidates, undefined).pipe(
        Effect.onExit((exit) => finish(operation, model, resolved, start, () => ({ started: tried, answered }), () => undefined, exit))
      )
    })

  const chat: Service["chat"] = (input, callOptions) =>
    Effect.suspend(() => {
      const request = Validate.chatRequestResult(name, input)
      if (Result.isFailure(request)) return Effect.fail(request.failure)
      const resolved = Validate.callOptionsResult(name, callOptions)
      if (Result.isFailure(resolved)) return Effect.fail(resolved.failure)
      const alias = table.forModel(request.success.model).alias
      return failover(
        "chat",
        request.success.model,
        resolved.success,
        callOptions,
        (t) => t.backend.capabilities.chat,
        (target, options) => target.backend.chat(requestFor(request.success, target, alias), options),
        usageOf
      )
    })

  const embed: Service["embed"] = (input, callOptions) =>
    Effect.gen(function*() {
      const request = yield* Validate.embedRequest(name, input)
      const resolved = yield* Validate.callOptions(name, callOptions)
      const alias = table.forModel(request.model).alias
      return yield* failover("embed", request.model, resolved, callOptions, (t) => t.backend.capabilities.embed, (target, options) => {
        const model = target.model ?? (alias ? undefined : request.model)
        const { model: _dropped, ...rest } = request
        return target.backend.embed(new EmbedRequest(model === undefined ? rest : { ...rest, model }), options)
      }, usageOf)
    })

  // The union of every target's models; a target that cannot list them is left out, and only
  // when none can does the call fail (with the last reason).
  const models: Service["models"] = (callOptions) =>
    Effect.gen(function*() {
      const resolved = yield* Validate.callOptions(name, callOptions)
      const listing = table.targets.filter((t) => t.backend.capabilities.models)
      const results = yield* Effect.forEach(listing, (t) => Effect.exit(t.backend.models({ priority: resolved.priority, requestId: resolved.requestId })), {
        concurrency: "unbounded"
      })
      const all: Array<ModelInfo> = []
      const seen = new Set<string>()
      let last: LlmError.LlmError | undefined
      for (const exit of results) {
        if (Exit.isSuccess(exit)) {
          for (const model of exit.value) {
            const key = `${model.provider}/${model.id}`
            if (!seen.has(key)) {
              seen.add(key)
              all.push(model)
            }
          }
        } else last = failureOf(exit) ?? last
      }
      if (all.length === 0 && last !== undefined) return yield* Effect.fail(last)
      if (listing.length === 0) return yield* Effect.fail(LlmError.unsupported(name, "models"))
      return all
    })

  const stream: Service["stream"] = (input, callOptions) =>
    Stream.unwrap(Effect.gen(function*() {
      const request = yield* Validate.chatRequest(name, input)
      const resolved = yield* Validate.callOptions(name, callOptions)
      const { alias, deadlineAt, ordered, start } = yield* plan(request.model, resolved)
      const candidates = ordered.filter((t) => t.backend.capabilities.stream)
      const midStream = callOptions?.midStream ?? midStreamDefault
      // What the caller has been given of the current answer.
      let content = false
      let text = ""
      let toolInProgress = false
      let tried = 0
      let answered = 0
      let firstTokenMs: number | undefined

      const observe = (target: Target.Resolved, trimLeading: { value: boolean }) => (chunk: ChatChunk.ChatChunk): ChatChunk.ChatChunk => {
        switch (chunk._tag) {
          case "TextDelta": {
            let delta = chunk.text
            if (trimLeading.value) {
              delta = delta.replace(/^\s+/, "")
              if (delta.length > 0) trimLeading.value = false
            }
            text += delta
            return delta === chunk.text ? chunk : new ChatChunk.TextDelta({ text: delta })
          }
          case "ToolCallDelta":
          case "ToolCall":
            toolInProgress = true
            return chunk
          case "Metadata":
            return chunk.provider === undefined ? new ChatChunk.Metadata({ ...chunk, provider: target.backend.provider }) : chunk
          default:
            return chunk
        }
      }

      let answeringModel: string | undefined
      const onContent = (chunk: ChatChunk.ChatChunk) => {
        if (chunk._tag === "Metadata" && chunk.model !== undefined) answeringModel = chunk.model
        if (chunk._tag === "Usage") {
          return recorder.usage(answeringModel ?? request.model ?? "unknown", chunk.usage.inputTokens, chunk.usage.outputTokens)
        }
        return ChatChunk.isContent(chunk) && !content
          ? Effect.flatMap(Clock.currentTimeMillis, (now) => {
            content = true
            firstTokenMs = now - start
            return recorder.firstContent(request.model, now - start)
          })
          : Effect.void
      }

      /** Runs the answer from candidate `index` on; `prefill` continues a partial answer. */
      const run = (
        index: number,
        eligible: ReadonlyArray<Target.Resolved>,
        last: LlmError.LlmError | undefined,
        prefill: string | undefined
      ): Stream.Stream<ChatChunk.ChatChunk, LlmError.LlmError> =>
        Stream.unwrap(Effect.gen(function*() {
          const position = candidates.findIndex((t, i) => i >= index && eligible.includes(t))
          if (position < 0) {
            return Stream.fail(last ?? LlmError.make(name, new LlmError.Unsupported({ capability: "stream", detail: `no target of ${name} streams` })))
          }
          const target = candidates[position]!
          const now = yield* Clock.currentTimeMillis
          const left = Target.remaining(deadlineAt, now)
          if (left !== undefined && Duration.isZero(left) && last !== undefined) return Stream.fail(last)
          const othersLeft = candidates.some((t, i) => i > position && eligible.includes(t))
          const base = requestFor(request, target, alias)
          // Anthropic refuses a prefill ending in whitespace: send it trimmed and drop the
          // continuation's leading whitespace, which the caller already has.
          const trimmed = prefill?.replace(/\s+$/, "")
          const asked = trimmed === undefined || trimmed.length === 0
            ? base
            : new ChatRequest({ ...base, messages: [...base.messages, Message.assistant(trimmed)] })
          const trimLeading = { value: trimmed !== undefined && trimmed.length < (prefill?.length ?? 0) }
          const contentBefore = content
          let contentHere = false
          tried++
          let first = true
          const body = target.backend.stream(asked, optionsFor(resolved, callOptions, left, othersLeft)).pipe(
            Stream.map(observe(target, trimLeading)),
            // Every answer says which target gave it, even when that target sends no metadata.
            Stream.mapArray((chunks) => {
              if (!first) return chunks
              first = false
              return chunks.some((c) => c._tag === "Metadata")
                ? chunks
                : [new ChatChunk.Metadata({ provider: target.backend.provider }), ...chunks]
            }),
            Stream.tap((chunk) => {
              if (ChatChunk.isContent(chunk)) contentHere = true
              return onContent(chunk)
            }),
            Stream.onExit((exit) =>
              Effect.map(Clock.currentTimeMillis, (after) => {
                const error = failureOf(exit)
                if (Exit.isSuccess(exit) || error !== undefined) answered++
                routing.attempted(target.name, after - now, error?.reason._tag)
              })
            )
          )
          return Stream.catchTag(body, "LlmError", (error) =>
            Stream.unwrap(Effect.gen(function*() {
              const next = (decision: Failover.Decision) =>
                decision._tag === "Stop" ? [] : eligible.filter((t) => t !== target && decision.eligible(t))
              if (!contentHere && prefill !== undefined && error.reason._tag === "InvalidRequest") {
                // The target refused the prefill: restart the whole answer on it.
                yield* routing.fellBack(target.name, target.name, error.reason._tag, "restart")
                text = ""
                toolInProgress = false
                return Stream.concat(
                  Stream.make(new ChatChunk.Reset({ reason: "prefill refused", from: target.name, to: target.name })),
                  run(position, eligible, error, undefined)
                )
              }
              if (!content || (!contentHere && contentBefore && prefill !== undefined)) {
                // Nothing of this target's reached the caller: an ordinary fail-over.
                const decision = Failover.decide(error, target)
                if (decision._tag === "Stop") return Stream.fail(error)
                const rest = next(decision)
                const to = candidates.find((t, i) => i > position && rest.includes(t))
                if (to !== undefined) yield* routing.fellBack(target.name, to.name, error.reason._tag, prefill === undefined ? "before-content" : "continue")
                return run(position + 1, rest, error, prefill)
              }
              const decision = Failover.decideAfterContent(error)
              if (midStream === "fail" || decision._tag === "Stop") return Stream.fail(error)
              const rest = next(decision)
              const to = candidates.find((t, i) => i > position && rest.includes(t))
              if (to === undefined) return Stream.fail(error)
              if (midStream === "continue" && to.prefill && !toolInProgress) {
                yield* routing.fellBack(target.name, to.name, error.reason._tag, "continue")
                return run(candidates.indexOf(to), rest, error, text)
              }
              yield* routing.fellBack(target.name, to.name, error.reason._tag, "restart")
              text = ""
              toolInProgress = false
              return Stream.concat(
                Stream.make(new ChatChunk.Reset({ reason: error.reason._tag, from: target.name, to: to.name })),
                run(candidates.indexOf(to), rest, error, undefined)
              )
            })))
        }))

      return run(0, candidates, undefined, undefined).pipe(
        Stream.onExit((exit) => finish("stream", request.model, resolved, start, () => ({ started: tried, answered }), () => firstTokenMs, exit))
      )
    }))

  const targetBreakers = Effect.forEach(table.targets, (t) => Effect.map(breakerOf(t), (breaker) => ({ name: t.name, provider: t.backend.provider, breaker })))

  const routingSnapshot = Effect.map(targetBreakers, (targets) => routing.snapshot(targets))

  // Open only when every target is; half open when none is closed but one may probe.
  const breaker: Monitor["breaker"] = Effect.map(targetBreakers, (targets) =>
    targets.some((t) => t.breaker === "closed") ? "closed" : targets.some((t) => t.breaker === "half_open") ? "half_open" : "open")

  const snapshot = Effect.flatMap(breaker, (state) =>
    Effect.map(Effect.forEach(table.targets, (t) => t.backend.monitor.stats), (stats) =>
      recorder.snapshot({
        breakerState: state,
        breakerTrips: stats.reduce((n, s) => n + s.circuit_breaker_trips, 0),
        inFlight: stats.reduce((n, s) => n + s.in_flight, 0),
        queueDepth: stats.reduce((n, s) => n + s.queue_depth, 0),
        keys: [],
        sharedState: stats.some((s) => s.shared_state === "fallback")
          ? "fallback"
          : stats.some((s) => s.shared_state === "shared")
          ? "shared"
          : "memory"
      })))

  const monitor: Monitor = {
    stats: snapshot,
    reset: Effect.sync(() => {
      recorder.reset()
      routing.reset()
      ring.clear()
    }),
    report: (format = "text") =>
      Effect.flatMap(snapshot, (stats) =>
        Effect.map(routingSnapshot, (routed) =>
          format === "json"
            ? JSON.stringify({ ...stats, routing: routed }, null, 2)
            : `${StatsReport.text(stats)}\n${Routing.text(routed)}`)),
    recent: Effect.sync(() => ring.toArray()),
    breaker,
    load: Effect.map(Effect.forEach(table.targets, (t) => t.backend.monitor.load), (loads) => loads.reduce((n, l) => n + l, 0))
  }

  const capabilities = {
    chat: table.targets.some((t) => t.backend.capabilities.chat),
    stream: table.targets.some((t) => t.backend.capabilities.stream),
    embed: table.targets.some((t) => t.backend.capabilities.embed),
    models: table.targets.some((t) => t.backend.capabilities.models)
  }

  return { provider: name, capabilities, chat, stream, embed, models, monitor, routing: routingSnapshot } satisfies Router
})

/**
 * The router as the `LlmBackend` in context.
 *
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<LlmBackend, BackendConfigError> =>
  Layer.effect(LlmBackend, make(options))
