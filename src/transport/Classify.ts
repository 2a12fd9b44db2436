/**
 * Turning an HTTP failure (status, headers, body) into an `LlmError` reason.
 * Provider bodies refine what the status alone says: a 429 may be a quota,
 * a 400 may be a context overflow or a content filter.
 *
 * @since 0.1.0
 */
import type { Duration, Redacted } from "effect"
import * as LlmError from "../LlmError.ts"
import * as ErrorBody from "./ErrorBody.ts"
import * as Redact from "./Redact.ts"
import * as RetryAfter from "./RetryAfter.ts"

/**
 * A non-2xx response, its body read as text.
 *
 * @since 0.1.0
 */
export interface HttpFailure {
  readonly status: number
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly body: string
}

const has = (value: string | undefined, pattern: RegExp) => value !== undefined && pattern.test(value)

const QUOTA_CODE = /insufficient_quota|billing|quota_exceeded/i
// llama.cpp's llama-server says `type: "exceed_context_size_error"` (with `code` the number 400).
const CONTEXT_CODE = /context_length_exceeded|context_window_exceeded|string_above_max_length|exceed_context_size/i
// OpenAI and vLLM: "maximum context length is N tokens"; llama.cpp: "exceeds the
// available context size"; TGI: "`inputs` tokens + `max_new_tokens` must be <= N".
const CONTEXT_TEXT =
  /context length|context window|maximum context|context size|prompt is too long|input is too long|too many tokens|exceeds the model's (maximum|max|context)|inputs`? tokens \+ `?max_new_tokens`? must be <=/i
// A server that cannot take an input this large answers 5xx on some builds
// (llama.cpp embeddings over the batch size: "input (602 tokens) is too large
// to process"): asking again cannot help.
const TOO_LARGE_TEXT = /too large to process|input \(\d+ tokens\) is too large/i
const FILTER_CODE = /content_filter|content_policy|responsible_ai|safety/i
const FILTER_TEXT = /content (management )?policy|flagged by|safety system|blocked by (the )?safety/i

/**
 * Classifies a failure. `now` (epoch millis) resolves HTTP-date and RFC 3339
 * waits; `secrets` are scrubbed from the provider's message.
 *
 * @since 0.1.0
 */
export const classify = (
  failure: HttpFailure,
  now: number,
  secrets: ReadonlyArray<Redacted.Redacted<string>> = []
): LlmError.Reason => {
  const { status } = failure
  const said = ErrorBody.fromText(failure.body)
  const detail = said?.message !== undefined
    ? Redact.snippet(said.message, secrets, 500)
    : failure.body.trim().length > 0
    ? Redact.snippet(failure.body, secrets)
    : undefined
  const base = detail === undefined ? {} : { detail }
  const wait: Duration.Duration | undefined = RetryAfter.fromHeaders(failure.headers, now) ?? said?.retryDelay
  const withWait = wait === undefined ? base : { ...base, retryAfter: wait }
  const code = said?.code
  const type = said?.type
  const message = said?.message

  // The body's own kind wins where it is explicit (Anthropic sends 529 but also
  // may put overloaded_error behind other statuses; OpenAI-style servers send
  // in-stream errors with no status at all).
  if (has(type, /overloaded/i) || said?.status === "UNAVAILABLE") return new LlmError.Overloaded(withWait)
  if (has(code, QUOTA_CODE) || has(type, QUOTA_CODE)) return new LlmError.QuotaExhausted(withWait)
  if (has(code, CONTEXT_CODE) || has(type, CONTEXT_CODE) || (status < 500 && has(message, CONTEXT_TEXT))) {
    return new LlmError.ContextLengthExceeded(base)
  }
  if (status >= 500 && (has(message, TOO_LARGE_TEXT) || (said === undefined && TOO_LARGE_TEXT.test(failure.body)))) {
    return new LlmError.InvalidRequest(base)
  }
  if (has(code, FILTER_CODE) || has(type, FILTER_CODE) || (status < 500 && has(message, FILTER_TEXT))) {
    return new LlmError.ContentFiltered(base)
  }

  switch (status) {
    case 401:
    case 403:
      return new LlmError.Unauthorized(base)
    case 404:
      return new LlmError.NotFound(base)
    case 408:
    // OpenAI documents 409 as a transient lock conflict; its own SDK retries it.
    case 409:
      return new LlmError.ServerError(withWait)
    case 429:
      // A bare "quota" message with no hint of when to come back is a quota,
      // not a per-minute limit (Gemini and others reuse 429 for both).
      if (wait === undefined && has(message, /quota/i) && !has(message, /per minute|rate/i)) {
        return new LlmError.QuotaExhausted(base)
      }
      return new LlmError.RateLimited(withWait)
    case 503:
    case 529:
      return new LlmError.Overloaded(withWait)
  }
  if (status >= 500) return new LlmError.ServerError(withWait)
  if (status === 0) return fromInStream(said, base, withWait)
  const field = said?.param
  return new LlmError.InvalidRequest(field === undefined ? base : { ...base, field })
}

// An error object that arrived inside a 200 stream: only its words tell us what it is.
const fromInStream = (
  said: ErrorBody.ProviderError | undefined,
  base: { readonly detail?: string },
  withWait: { readonly detail?: string; readonly retryAfter?: Duration.Duration }
): LlmError.Reason => {
  const kind = `${said?.type ?? ""} ${said?.code ?? ""} ${said?.status ?? ""}`
  if (/rate_limit|RESOURCE_EXHAUSTED|too_many/i.test(kind)) return new LlmError.RateLimited(withWait)
  if (/auth|permission|UNAUTHENTICATED|PERMISSION_DENIED/i.test(kind)) return new LlmError.Unauthorized(base)
  if (/invalid_request|INVALID_ARGUMENT|validation/i.test(kind)) return new LlmError.InvalidRequest(base)
  if (/not_found|NOT_FOUND/i.test(kind)) return new LlmError.NotFound(base)
  return new LlmError.ServerError(withWait)
}

/**
 * Classifies an error object received inside a successful (200) stream,
 * where there is no status to go by.
 *
 * @since 0.1.0
 */
export const classifyInStream = (
  json: unknown,
  now: number,
  secrets: ReadonlyArray<Redacted.Redacted<string>> = []
): LlmError.Reason => classify({ status: 0, headers: {}, body: JSON.stringify(json) }, now, secrets)
