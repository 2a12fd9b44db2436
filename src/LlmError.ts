/**
 * The one error every backend fails with. What went wrong is the `reason`, a
 * small tagged union; each reason knows whether the same target may be
 * retried, whether another key or backend may succeed, and whether the key
 * itself is at fault.
 *
 * Messages are built only from our own words, the provider's error message
 * (scrubbed of secrets before it gets here) and ids: never a key or header.
 *
 * @since 0.1.0
 */
import { Duration, Schema } from "effect"
import { omitUndefined } from "./internal/omitUndefined.ts"

const detail = { detail: Schema.optionalKey(Schema.String) }
const retryAfter = Schema.optionalKey(Schema.Duration)

/** 429: too many requests or tokens for now. @since 0.1.0 */
export class RateLimited extends Schema.TaggedClass<RateLimited>()("RateLimited", { ...detail, retryAfter }) {}
/** 429 insufficient_quota / billing: will not clear by waiting a little. @since 0.1.0 */
export class QuotaExhausted extends Schema.TaggedClass<QuotaExhausted>()("QuotaExhausted", { ...detail, retryAfter }) {}
/** 401/403: the key is wrong, revoked or lacks permission. @since 0.1.0 */
export class Unauthorized extends Schema.TaggedClass<Unauthorized>()("Unauthorized", detail) {}
/** 400/413/422: the request itself is wrong. `field` names the offending field when known. @since 0.1.0 */
export class InvalidRequest extends Schema.TaggedClass<InvalidRequest>()("InvalidRequest", {
  ...detail,
  field: Schema.optionalKey(Schema.String)
}) {}
/** The prompt and requested output do not fit the model's context. @since 0.1.0 */
export class ContextLengthExceeded extends Schema.TaggedClass<ContextLengthExceeded>()("ContextLengthExceeded", detail) {}
/** A safety or content policy blocked the prompt or the answer. @since 0.1.0 */
export class ContentFiltered extends Schema.TaggedClass<ContentFiltered>()("ContentFiltered", detail) {}
/** 404: unknown model or route. @since 0.1.0 */
export class NotFound extends Schema.TaggedClass<NotFound>()("NotFound", detail) {}
/** 503/529: the service is overloaded. @since 0.1.0 */
export class Overloaded extends Schema.TaggedClass<Overloaded>()("Overloaded", { ...detail, retryAfter }) {}
/** 500/502/504 and other server faults. @since 0.1.0 */
export class ServerError extends Schema.TaggedClass<ServerError>()("ServerError", { ...detail, retryAfter }) {}

/**
 * Which clock ran out: one attempt, the wait for the first streamed token,
 * the gap between two chunks, or the whole call (queue wait and retries included).
 *
 * @since 0.1.0
 */
export const TimeoutPhase = Schema.Literals(["attempt", "first-token", "idle", "total"])
/** @since 0.1.0 */
export type TimeoutPhase = typeof TimeoutPhase.Type

/** A timeout in the given phase. @since 0.1.0 */
export class Timeout extends Schema.TaggedClass<Timeout>()("Timeout", {
  ...detail,
  phase: TimeoutPhase,
  after: Schema.optionalKey(Schema.Duration)
}) {}
/** Connection refused or reset, DNS failure, body cut off. @since 0.1.0 */
export class Network extends Schema.TaggedClass<Network>()("Network", detail) {}
/** Our circuit breaker is open; try again after `retryAfter`. @since 0.1.0 */
export class CircuitOpen extends Schema.TaggedClass<CircuitOpen>()("CircuitOpen", {
  ...detail,
  retryAfter: Schema.Duration
}) {}
/** Our queue is full: back-pressure, reported at once. @since 0.1.0 */
export class QueueFull extends Schema.TaggedClass<QueueFull>()("QueueFull", {
  ...detail,
  capacity: Schema.optionalKey(Schema.Int)
}) {}
/** A stream ended (or broke) after content without its terminal event. @since 0.1.0 */
export class StreamTruncated extends Schema.TaggedClass<StreamTruncated>()("StreamTruncated", detail) {}
/** The body did not decode; `snippet` keeps the start of it, scrubbed. @since 0.1.0 */
export class InvalidResponse extends Schema.TaggedClass<InvalidResponse>()("InvalidResponse", {
  ...detail,
  snippet: Schema.optionalKey(Schema.String)
}) {}
/** The backend does not offer this capability. @since 0.1.0 */
export class Unsupported extends Schema.TaggedClass<Unsupported>()("Unsupported", {
  ...detail,
  capability: Schema.String
}) {}

/**
 * Every reason.
 *
 * @since 0.1.0
 */
export const Reason = Schema.Union([
  RateLimited,
  QuotaExhausted,
  Unauthorized,
  InvalidRequest,
  ContextLengthExceeded,
  ContentFiltered,
  NotFound,
  Overloaded,
  ServerError,
  Timeout,
  Network,
  CircuitOpen,
  QueueFull,
  StreamTruncated,
  InvalidResponse,
  Unsupported
])

/** @since 0.1.0 */
export type Reason = typeof Reason.Type

/** @since 0.1.0 */
export type ReasonTag = Reason["_tag"]

interface Traits {
  /** The same target may succeed if asked again. */
  readonly retryable: boolean
  /** Another key, model or backend may succeed. */
  readonly fallbackable: boolean
  /** The key is the cause: cool it down or eject it. */
  readonly keyFault: boolean
  /** The target looks unhealthy: counts toward the circuit breaker. */
  readonly breaker: boolean
}

const traits: Record<ReasonTag, Traits> = {
  RateLimited: { retryable: true, fallbackable: true, keyFault: true, breaker: false },
  QuotaExhausted: { retryable: false, fallbackable: true, keyFault: true, breaker: false },
  Unauthorized: { retryable: false, fallbackable: true, keyFault: true, breaker: false },
  InvalidRequest: { retryable: false, fallbackable: false, keyFault: false, breaker: false },
  ContextLengthExceeded: { retryable: false, fallbackable: true, keyFault: false, breaker: false },
  ContentFiltered: { retryable: false, fallbackable: false, keyFault: false, breaker: false },
  NotFound: { retryable: false, fallbackable: true, keyFault: false, breaker: false },
  Overloaded: { retryable: true, fallbackable: true, keyFault: false, breaker: true },
  ServerError: { retryable: true, fallbackable: true, keyFault: false, breaker: true },
  Timeout: { retryable: true, fallbackable: true, keyFault: false, breaker: true },
  Network: { retryable: true, fallbackable: true, keyFault: false, breaker: true },
  CircuitOpen: { retryable: false, fallbackable: true, keyFault: false, breaker: false },
  QueueFull: { retryable: false, fallbackable: true, keyFault: false, breaker: false },
  StreamTruncated: { retryable: false, fallbackable: false, keyFault: false, breaker: true },
  InvalidResponse: { retryable: false, fallbackable: true, keyFault: false, breaker: true },
  Unsupported: { retryable: false, fallbackable: true, keyFault: false, breaker: false }
}

/**
 * May the same target be asked again? A `total` timeout is final: the
 * caller's whole budget is spent.
 *
 * @since 0.1.0
 */
export const isRetryable = (reason: Reason): boolean =>
  reason._tag === "Timeout" ? reason.phase !== "total" : traits[reason._tag].retryable

/**
 * May another key, model or backend succeed where this one failed?
 *
 * @since 0.1.0
 */
export const isFallbackable = (reason: Reason): boolean => traits[reason._tag].fallbackable

/**
 * Is the key the cause (rate limit, quota, bad key)?
 *
 * @since 0.1.0
 */
export const isKeyFault = (reason: Reason): boolean => traits[reason._tag].keyFault

/**
 * Does this failure say the target is unhealthy (feeds the circuit breaker)?
 * Caller mistakes (4xx) never do; a `total` timeout is the caller's budget.
 *
 * @since 0.1.0
 */
export const countsForBreaker = (reason: Reason): boolean =>
  reason._tag === "Timeout" ? reason.phase !== "total" : traits[reason._tag].breaker

/**
 * The failure of a call to a backend.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LlmError } from "effect-llm-backends"
 *
 * declare const call: Effect.Effect<string, LlmError.LlmError>
 * call.pipe(Effect.catchReason("LlmError", "RateLimited", (r) => Effect.succeed(`wait ${r.retryAfter}`)))
 * ```
 *
 * @since 0.1.0
 */
export class LlmError extends Schema.TaggedError<LlmError>()("LlmError", {
  reason: Reason,
  provider: Schema.String,
  model: Schema.optionalKey(Schema.String),
  status: Schema.optionalKey(Schema.Int),
  /** Our id for the logical call. */
  requestId: Schema.optionalKey(Schema.String),
  /** The provider's request id, for support tickets. */
  providerRequestId: Schema.optionalKey(Schema.String),
  /** How many HTTP attempts were made before giving up. */
  attempts: Schema.optionalKey(Schema.Int),
  /** The call's deadline ended it; `reason` is then the last completed attempt's. */
  endedByDeadline: Schema.optionalKey(Schema.Boolean)
}) {
  /** May the same target be asked again? */
  get retryable(): boolean {
    return isRetryable(this.reason)
  }
  /** May another key or backend succeed? */
  get fallbackable(): boolean {
    return isFallbackable(this.reason)
  }
  /** Is the key at fault? */
  get keyFault(): boolean {
    return isKeyFault(this.reason)
  }
  /** How long the provider (or our breaker) asked us to wait, if it said. */
  get retryAfter(): Duration.Duration | undefined {
    return "retryAfter" in this.reason ? this.reason.retryAfter : undefined
  }

  override get message(): string {
    const r = this.reason
    const parts = [`${this.provider}: ${describe(r)}`]
    if (this.status !== undefined) parts.push(`(HTTP ${this.status})`)
    if (r.detail !== undefined && r.detail.length > 0) parts.push(`- ${r.detail}`)
    const wait = this.retryAfter
    if (wait !== undefined) parts.push(`[retry after ${Duration.format(wait)}]`)
    const ids = [
      this.model === undefined ? undefined : `model ${this.model}`,
      this.requestId === undefined ? undefined : `request ${this.requestId}`,
      this.providerRequestId === undefined ? undefined : `provider request ${this.providerRequestId}`,
      this.attempts === undefined || this.attempts <= 1 ? undefined : `${this.attempts} attempts`,
      this.endedByDeadline === true ? "the call's deadline ended it" : undefined
    ].filter((s) => s !== undefined)
    if (ids.length > 0) parts.push(`(${ids.join(", ")})`)
    return parts.join(" ")
  }
}

const describe = (r: Reason): string => {
  switch (r._tag) {
    case "RateLimited":
      return "rate limited"
    case "QuotaExhausted":
      return "quota exhausted"
    case "Unauthorized":
      return "unauthorized"
    case "InvalidRequest":
      return r.field === undefined ? "invalid request" : `invalid request at ${r.field}`
    case "ContextLengthExceeded":
      return "context length exceeded"
    case "ContentFiltered":
      return "content filtered"
    case "NotFound":
      return "not found"
    case "Overloaded":
      return "overloaded"
    case "ServerError":
      return "server error"
    case "Timeout":
      return `timed out (${r.phase}${r.after === undefined ? "" : ` after ${Duration.format(r.after)}`})`
    case "Network":
      return "network error"
    case "CircuitOpen":
      return "circuit open"
    case "QueueFull":
      return r.capacity === undefined ? "queue full" : `queue full (${r.capacity} waiting)`
    case "StreamTruncated":
      return "stream truncated"
    case "InvalidResponse":
      return r.snippet === undefined ? "invalid response" : `invalid response: ${JSON.stringify(r.snippet)}`
    case "Unsupported":
      return `unsupported capability '${r.capability}'`
  }
}

/**
 * Builds an error for `provider` from a reason.
 *
 * @since 0.1.0
 */
export const make = (
  provider: string,
  reason: Reason,
  context?: {
    readonly model?: string | undefined
    readonly status?: number | undefined
    readonly requestId?: string | undefined
    readonly providerRequestId?: string | undefined
  }
): LlmError =>
  new LlmError({ reason, provider, ...omitUndefined({ ...context }) })

/**
 * The `Unsupported` error for a capability the backend lacks.
 *
 * @since 0.1.0
 */
export const unsupported = (provider: string, capability: string): LlmError =>
  make(provider, new Unsupported({ capability, detail: `${provider} does not offer ${capability}` }))
