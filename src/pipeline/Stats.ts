/**
 * Statistics of one backend, two ways. Effect `Metric`s with attributes
 * (provider, model, outcome, reason) feed exporters and are cumulative.
 * Alongside, an in-memory aggregate gives the snapshot users of the
 * predecessor read (`total_requests`, `errors_by_type`, percentiles, ...),
 * which `reset` clears. Neither ever holds a payload or a secret.
 *
 * @since 0.1.0
 */
import { type Context, Effect, Metric } from "effect"
import type { KeyStats } from "./KeyPool.ts"

const msBoundaries = Metric.exponentialBoundaries({ start: 1, factor: 2, count: 18 })

interface MetricSpec {
  readonly kind: "counter" | "gauge" | "histogram"
  readonly name: string
  readonly description: string
}

/**
 * The metrics every backend updates (names and descriptions; attributes are
 * added per series).
 *
 * @since 0.1.0
 */
export const metrics = {
  requests: { kind: "counter", name: "llm_requests_total", description: "Finished calls by outcome and reason" },
  duration: { kind: "histogram", name: "llm_request_duration_ms", description: "Call duration incl. queue and retries" },
  queueWait: { kind: "histogram", name: "llm_queue_wait_ms", description: "Time waiting for a permit" },
  retries: { kind: "counter", name: "llm_retries_total", description: "Retries by the reason that caused them" },
  backoff: { kind: "histogram", name: "llm_backoff_delay_ms", description: "Delays slept before retries" },
  tokens: { kind: "counter", name: "llm_tokens_total", description: "Tokens by direction" },
  inFlight: { kind: "gauge", name: "llm_in_flight", description: "Calls holding a permit" },
  queueDepth: { kind: "gauge", name: "llm_queue_depth", description: "Calls waiting for a permit" },
  breakerState: { kind: "gauge", name: "llm_circuit_state", description: "0 closed, 1 half open, 2 open" },
  breakerTrips: { kind: "counter", name: "llm_circuit_trips_total", description: "Times the breaker opened" },
  firstToken: { kind: "histogram", name: "llm_time_to_first_token_ms", description: "Stream start to first content" },
  keyAttempts: { kind: "counter", name: "llm_key_attempts_total", description: "Attempts per key name (never the key) and outcome" }
} as const satisfies Record<string, MetricSpec>

type AnyMetric = Metric.Metric<number, unknown>

// One metric per attribute combination, built with its attributes fixed:
// `Metric.withAttributes` would re-derive the series key on every update.
const cache = new Map<string, AnyMetric>()
const series = (spec: MetricSpec, attributes: Record<string, string>): AnyMetric => {
  let key = spec.name
  for (const name in attributes) key += `|${name}=${attributes[name]}`
  let metric = cache.get(key)
  if (metric === undefined) {
    const options = { description: spec.description, attributes }
    metric = (spec.kind === "counter"
      ? Metric.counter(spec.name, options)
      : spec.kind === "gauge"
      ? Metric.gauge(spec.name, options)
      : Metric.histogram(spec.name, { ...options, boundaries: msBoundaries })) as AnyMetric
    cache.set(key, metric)
  }
  return metric
}

// Several metric updates as one effect: `Metric.update` is an effect per
// update (a context read and a sync each); a call makes about ten.
const updating = (f: (context: Context.Context<never>) => void): Effect.Effect<void> =>
  Effect.contextWith((context: Context.Context<never>) => {
    f(context)
    return Effect.void
  })

/** A window of recent samples for percentiles (bounded memory). */
class Window {
  private readonly values: Float64Array
  private count = 0
  private next = 0
  total = 0
  n = 0
  max = 0
  constructor(size: number) {
    this.values = new Float64Array(size)
  }
  add(value: number) {
    this.values[this.next] = value
    this.next = (this.next + 1) % this.values.length
    this.count = Math.min(this.count + 1, this.values.length)
    this.total += value
    this.n++
    if (value > this.max) this.max = value
  }
  percentiles(): Percentiles {
    const sorted = Array.from(this.values.subarray(0, this.count)).sort((a, b) => a - b)
    const at = (p: number) => sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!
    return { p50: at(0.5), p90: at(0.9), p95: at(0.95), p99: at(0.99) }
  }
  summary(): Summary {
    return { count: this.n, total_ms: round(this.total), average_ms: round(this.n === 0 ? 0 : this.total / this.n), max_ms: round(this.max), ...roundAll(this.percentiles()) }
  }
}

const round = (n: number) => Math.round(n * 100) / 100
const roundAll = (p: Percentiles): Percentiles => ({ p50: round(p.p50), p90: round(p.p90), p95: round(p.p95), p99: round(p.p99) })

/**
 * @since 0.1.0
 */
export interface Percentiles {
  readonly p50: number
  readonly p90: number
  readonly p95: number
  readonly p99: number
}

/**
 * @since 0.1.0
 */
export interface Summary extends Percentiles {
  readonly count: number
  readonly total_ms: number
  readonly average_ms: number
  readonly max_ms: number
}

/**
 * The snapshot. Times are milliseconds.
 *
 * @since 0.1.0
 */
export interface Snapshot {
  readonly provider: string
  readonly total_requests: number
  readonly successful_requests: number
  readonly failed_requests: number
  /** Calls interrupted, including the cancelled ones: `total = successful + failed + interrupted`. */
  readonly interrupted_requests: number
  /** Of those, streams the caller stopped after content but before the answer was complete. */
  readonly cancelled_requests: number
  /** HTTP attempts handed to the provider (some may never have left when the deadline cut them). */
  readonly attempts_started: number
  /** Attempts the provider answered (headers, a result, or an HTTP status): `answered ≤ seen by the server ≤ started`. */
  readonly attempts_answered: number
  /** Calls that needed at least one retry. */
  readonly retried_requests: number
  readonly total_retries: number
  readonly average_response_time: number
  readonly latency: Percentiles
  readonly errors_by_type: Readonly<Record<string, number>>
  readonly circuit_breaker_state: string
  readonly circuit_breaker_trips: number
  readonly queue_wait: Summary
  readonly backoff: Summary
  readonly time_to_first_token: Summary
  readonly tokens_by_model: Readonly<Record<string, { readonly input: number; readonly output: number }>>
  readonly requests_by_priority: Readonly<Record<string, number>>
  readonly in_flight: number
  readonly queue_depth: number
  /** Per key: state, requests, failures by reason, cooldowns, ejections (names only, never values). */
  readonly keys: ReadonlyArray<KeyStats>
  /** Stream events skipped under `malformedEvents: "skip"` (answers that may have a gap). */
  readonly malformed_events_skipped: number
  /** Where the shared parts' state lives: `memory`, `shared` (a store such as Redis), or `fallback` (the store is unreachable: this process's own state). */
  readonly shared_state: "memory" | "shared" | "fallback"
}

/**
 * How one call ended, for the recorder.
 *
 * @since 0.1.0
 */
export interface Finished {
  readonly model: string | undefined
  readonly priority: string
  readonly outcome: "success" | "failure" | "interrupted" | "cancelled"
  readonly reason: string | undefined
  readonly durationMs: number
  readonly retries: number
  readonly attemptsStarted: number
  readonly attemptsAnswered: number
}

const WINDOW = 10_000

const child = (level: Map<unknown, any>, value: string | undefined): Map<unknown, any> => {
  let next = level.get(value)
  if (next === undefined) level.set(value, next = new Map())
  return next
}

// Attribute names of the per-call series, in the order their values are passed.
const modelOnly = ["model"]
const modelReason = ["model", "reason"]
const modelDirection = ["model", "direction"]
const modelOutcome = ["model", "outcome"]
const modelOutcomeReason = ["model", "outcome", "reason"]
const keyOutcomeReason = ["key", "outcome", "reason"]

/**
 * The aggregate for one backend.
 *
 * @since 0.1.0
 */
export class Recorder {
  private total = 0
  private succeeded = 0
  private failed = 0
  private interrupted = 0
  private cancelled = 0
  private attemptsStarted = 0
  private attemptsAnswered = 0
  private retried = 0
  private retries = 0
  private errors: Record<string, number> = {}
  private byPriority: Record<string, number> = {}
  private tokens: Record<string, { input: number; output: number }> = {}
  private latency = new Window(WINDOW)
  private queueWait = new Window(WINDOW)
  private backoff = new Window(WINDOW)
  private firstToken = new Window(WINDOW)
  // Series whose attributes are the provider alone, looked up once.
  private readonly fixed: Record<"queueWait" | "queueDepth" | "inFlight" | "backoff" | "breakerState" | "breakerTrips", AnyMetric>
  constructor(readonly provider: string) {
    this.fixed = {
      queueWait: this.tagged(metrics.queueWait),
      queueDepth: this.tagged(metrics.queueDepth),
      inFlight: this.tagged(metrics.inFlight),
      backoff: this.tagged(metrics.backoff),
      breakerState: this.tagged(metrics.breakerState),
      breakerTrips: this.tagged(metrics.breakerTrips)
    }
  }


  private tagged(spec: MetricSpec, extra: Record<string, string | undefined> = {}): AnyMetric {
    const attributes: Record<string, string> = { provider: this.provider }
    for (const k in extra) {
      const v = extra[k]
      if (v !== undefined) attributes[k] = v
    }
    return series(spec, attributes)
  }

  // The series for `spec` with attributes `names` = `values`, found by the
  // values alone (nested maps): no key string or attribute object per update.
  private readonly memo = new Map<MetricSpec, Map<unknown, any>>()
  private at(spec: MetricSpec, names: ReadonlyArray<string>, a: string | undefined, b?: string, c?: string): AnyMetric {
    let level = this.memo.get(spec)
    if (level === undefined) this.memo.set(spec, level = new Map())
    if (names.length > 1) level = child(level, a)
    if (names.length > 2) level = child(level, b)
    const last = names.length === 1 ? a : names.length === 2 ? b : c
    let metric = level.get(last) as AnyMetric | undefined
    if (metric === undefined) {
      const extra: Record<string, string | undefined> = {}
      names.forEach((name, i) => {
        extra[name] = [a, b, c][i]
      })
      metric = this.tagged(spec, extra)
      level.set(last, metric)
    }
    return metric
  }

  // Each update comes twice: `…Now` for a synchronous step that has the
  // fiber's context at hand (the pipeline's fast path), and as an effect.

  queuedNow(context: Context.Context<never>, waitMs: number): void {
    this.queueWait.add(waitMs)
    this.fixed.queueWait.updateUnsafe(waitMs, context)
  }

  gaugesNow(context: Context.Context<never>, depth: number, inFlight: number): void {
    this.fixed.queueDepth.updateUnsafe(depth, context)
    this.fixed.inFlight.updateUnsafe(inFlight, context)
  }

  retry(model: string | undefined, reason: string, delayMs: number): Effect.Effect<void> {
    return updating((context) => {
      this.retries++
      this.backoff.add(delayMs)
      this.at(metrics.retries, modelReason, model, reason).updateUnsafe(1, context)
      this.fixed.backoff.updateUnsafe(delayMs, context)
    })
  }

  keyAttemptNow(context: Context.Context<never>, key: string, reason: string | undefined): void {
    this.at(metrics.keyAttempts, keyOutcomeReason, key, reason === undefined ? "success" : "failure", reason).updateUnsafe(1, context)
  }

  firstContent(model: string | undefined, ms: number): Effect.Effect<void> {
    return updating((context) => {
      this.firstToken.add(ms)
      this.at(metrics.firstToken, modelOnly, model).updateUnsafe(ms, context)
    })
  }

  usageNow(context: Context.Context<never>, model: string, input: number, output: number): void {
    const entry = this.tokens[model] ?? (this.tokens[model] = { input: 0, output: 0 })
    entry.input += input
    entry.output += output
    this.at(metrics.tokens, modelDirection, model, "input").updateUnsafe(input, context)
    this.at(metrics.tokens, modelDirection, model, "output").updateUnsafe(output, context)
  }

  usage(model: string, input: number, output: number): Effect.Effect<void> {
    return updating((context) => this.usageNow(context, model, input, output))
  }

  breaker(state: "closed" | "open" | "half_open", tripped: boolean): Effect.Effect<void> {
    const value = state === "closed" ? 0 : state === "half_open" ? 1 : 2
    return updating((context) => {
      this.fixed.breakerState.updateUnsafe(value, context)
      if (tripped) this.fixed.breakerTrips.updateUnsafe(1, context)
    })
  }

  finishedNow(context: Context.Context<never>, call: Finished): void {
    this.total++
    this.byPriority[call.priority] = (this.byPriority[call.priority] ?? 0) + 1
    if (call.outcome === "success") this.succeeded++
    else if (call.outcome === "failure") this.failed++
    else {
      this.interrupted++
      if (call.outcome === "cancelled") this.cancelled++
    }
    this.attemptsStarted += call.attemptsStarted
    this.attemptsAnswered += call.attemptsAnswered
    if (call.reason !== undefined) this.errors[call.reason] = (this.errors[call.reason] ?? 0) + 1
    if (call.retries > 0) this.retried++
    this.latency.add(call.durationMs)
    this.at(metrics.requests, modelOutcomeReason, call.model, call.outcome, call.reason).updateUnsafe(1, context)
    this.at(metrics.duration, modelOutcome, call.model, call.outcome).updateUnsafe(call.durationMs, context)
  }

  finished(call: Finished): Effect.Effect<void> {
    return updating((context) => this.finishedNow(context, call))
  }

  snapshot(extra: {
    breakerState: string
    breakerTrips: number
    inFlight: number
    queueDepth: number
    keys: ReadonlyArray<KeyStats>
    malformedEventsSkipped?: number
    sharedState: "memory" | "shared" | "fallback"
  }): Snapshot {
    return {
      provider: this.provider,
      total_requests: this.total,
      successful_requests: this.succeeded,
      failed_requests: this.failed,
      interrupted_requests: this.interrupted,
      cancelled_requests: this.cancelled,
      attempts_started: this.attemptsStarted,
      attempts_answered: this.attemptsAnswered,
      retried_requests: this.retried,
      total_retries: this.retries,
      average_response_time: round(this.latency.n === 0 ? 0 : this.latency.total / this.latency.n),
      latency: roundAll(this.latency.percentiles()),
      errors_by_type: { ...this.errors },
      circuit_breaker_state: extra.breakerState,
      circuit_breaker_trips: extra.breakerTrips,
      queue_wait: this.queueWait.summary(),
      backoff: this.backoff.summary(),
      time_to_first_token: this.firstToken.summary(),
      tokens_by_model: Object.fromEntries(Object.entries(this.tokens).map(([m, t]) => [m, { ...t }])),
      requests_by_priority: { ...this.byPriority },
      in_flight: extra.inFlight,
      queue_depth: extra.queueDepth,
      keys: extra.keys,
      malformed_events_skipped: extra.malformedEventsSkipped ?? 0,
      shared_state: extra.sharedState
    }
  }

  reset(): void {
    this.total = this.succeeded = this.failed = this.interrupted = this.cancelled = this.retried = this.retries = 0
    this.attemptsStarted = this.attemptsAnswered = 0
    this.errors = {}
    this.byPriority = {}
    this.tokens = {}
    this.latency = new Window(WINDOW)
    this.queueWait = new Window(WINDOW)
    this.backoff = new Window(WINDOW)
    this.firstToken = new Window(WINDOW)
  }
}
