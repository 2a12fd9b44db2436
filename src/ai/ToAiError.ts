/**
 * Our `LlmError` as effect/ai's `AiError`: the reason that means the same
 * thing, with `retryAfter` where effect/ai has a place for it, and whether it
 * may be retried kept as ours said wherever effect/ai has a reason to say it.
 * Everything else we know (our reason, provider, model, status, request ids,
 * attempts, Retry-After) travels in the reason's `metadata` under
 * `"effect-llm-backends"`, so nothing is lost in translation.
 *
 * @since 0.1.0
 */
import { Duration } from "effect"
import { AiError } from "effect/ai"
import * as LlmError from "../LlmError.ts"

/**
 * The key under which our own facts sit in an `AiError` reason's metadata.
 *
 * @since 0.1.0
 */
export const metadataKey = "effect-llm-backends"

/**
 * What `metadata["effect-llm-backends"]` holds (ids and names only: never a
 * payload or a key).
 *
 * @since 0.1.0
 */
export interface Metadata {
  readonly reason: LlmError.ReasonTag
  readonly provider: string
  readonly retryable: boolean
  readonly model?: string
  readonly status?: number
  readonly requestId?: string
  readonly providerRequestId?: string
  readonly attempts?: number
  readonly retryAfterMs?: number
  readonly capability?: string
  readonly phase?: string
}

const metadataOf = (error: LlmError.LlmError): Metadata => {
  const out: { -readonly [K in keyof Metadata]: Metadata[K] } = {
    reason: error.reason._tag,
    provider: error.provider,
    retryable: error.retryable
  }
  if (error.model !== undefined) out.model = error.model
  if (error.status !== undefined) out.status = error.status
  if (error.requestId !== undefined) out.requestId = error.requestId
  if (error.providerRequestId !== undefined) out.providerRequestId = error.providerRequestId
  if (error.attempts !== undefined) out.attempts = error.attempts
  const wait = error.retryAfter
  if (wait !== undefined) out.retryAfterMs = Duration.toMillis(wait)
  if (error.reason._tag === "Unsupported") out.capability = error.reason.capability
  if (error.reason._tag === "Timeout") out.phase = error.reason.phase
  return out
}

// Our detail is already scrubbed of secrets (LlmError's contract); the
// message adds provider, status and ids, which are not secrets either.
const describe = (error: LlmError.LlmError): string => error.message

/**
 * The effect/ai reason for one of ours.
 *
 * | ours | effect/ai |
 * |---|---|
 * | RateLimited | RateLimitError (with `retryAfter`) |
 * | QuotaExhausted | QuotaExhaustedError |
 * | Unauthorized | AuthenticationError (`InsufficientPermissions` on 403, else `InvalidKey`) |
 * | InvalidRequest, ContextLengthExceeded, NotFound, Unsupported | InvalidRequestError |
 * | ContentFiltered | ContentPolicyError |
 * | Overloaded, ServerError, Timeout (not total) | InternalProviderError (retryable) |
 * | Network | NetworkError `TransportError` (retryable) |
 * | InvalidResponse, StreamTruncated | InvalidResponseError |
 * | CircuitOpen, QueueFull, Timeout total | UnknownError (not retryable, as ours) |
 *
 * @since 0.1.0
 */
export const reason = (error: LlmError.LlmError, operation: "chat" | "stream" | "embed"): AiError.AiErrorReason => {
  const metadata = { [metadataKey]: { ...metadataOf(error) } }
  const description = describe(error)
  const r = error.reason
  switch (r._tag) {
    case "RateLimited":
      return new AiError.RateLimitError(
        r.retryAfter === undefined ? { metadata } : { metadata, retryAfter: r.retryAfter }
      )
    case "QuotaExhausted":
      return new AiError.QuotaExhaustedError({ metadata })
    case "Unauthorized":
      return new AiError.AuthenticationError({
        kind: error.status === 403 ? "InsufficientPermissions" : "InvalidKey",
        description,
        metadata
      })
    case "InvalidRequest":
      return new AiError.InvalidRequestError(
        r.field === undefined ? { description, metadata } : { parameter: r.field, description, metadata }
      )
    case "ContextLengthExceeded":
      return new AiError.InvalidRequestError({ constraint: "context length", description, metadata })
    case "NotFound":
      return new AiError.InvalidRequestError({ constraint: "not found", description, metadata })
    case "Unsupported":
      return new AiError.InvalidRequestError({ constraint: `unsupported: ${r.capability}`, description, metadata })
    case "ContentFiltered":
      return new AiError.ContentPolicyError({ description, metadata })
    case "Overloaded":
    case "ServerError":
      return new AiError.InternalProviderError({ description, metadata })
    case "Timeout":
      // A total timeout spent the caller's whole budget: asking again is not
      // "the same call once more", so it must not read as retryable.
      return r.phase === "total"
        ? new AiError.UnknownError({ description, metadata })
        : new AiError.InternalProviderError({ description, metadata })
    case "Network":
      // The adapter never sees URLs (and must not: some services put a key in
      // one), so `url` names the backend and operation instead.
      return new AiError.NetworkError({
        reason: "TransportError",
        // chat, stream and embed are POSTs on every backend we have.
        method: "POST",
        url: `${error.provider}:${operation}`,
        description
      })
    case "InvalidResponse":
    case "StreamTruncated":
      return new AiError.InvalidResponseError({ description, metadata })
    case "CircuitOpen":
    case "QueueFull":
      return new AiError.UnknownError({ description, metadata })
  }
}

/**
 * Our error as an `AiError` raised by `module.method` (e.g.
 * `EffectAi.generateText`).
 *
 * @since 0.1.0
 */
export const toAiError = (
  error: LlmError.LlmError,
  method: "generateText" | "streamText" | "embedMany",
  module = "EffectAi"
): AiError.AiError =>
  AiError.make({
    module,
    method,
    reason: reason(error, method === "generateText" ? "chat" : method === "streamText" ? "stream" : "embed")
  })
