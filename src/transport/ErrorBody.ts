/**
 * The error bodies providers send, read into one shape. Covers OpenAI and
 * the compatible family (`{error:{message,type,param,code}}`), Anthropic
 * (`{type:"error", error:{type,message}}`), Gemini
 * (`{error:{code,message,status,details}}`, sometimes inside an array), TGI
 * and TEI (`{error, error_type}` or `type`), Ollama (`{error}`) and FastAPI
 * servers (`{detail}`).
 *
 * @since 0.1.0
 */
import { Duration, Schema } from "effect"
import { parseGoDuration } from "./RetryAfter.ts"

const Text = Schema.optionalKey(Schema.NullOr(Schema.String))

const ErrorObject = Schema.Struct({
  message: Text,
  type: Text,
  code: Schema.optionalKey(Schema.NullOr(Schema.Union([Schema.String, Schema.Number]))),
  param: Text,
  status: Text,
  details: Schema.optionalKey(Schema.Array(Schema.Unknown))
})

const Envelope = Schema.Struct({
  error: Schema.optionalKey(Schema.Union([Schema.String, ErrorObject])),
  error_type: Text,
  type: Text,
  message: Text,
  detail: Schema.optionalKey(Schema.Unknown)
})

const decodeEnvelope = Schema.decodeUnknownOption(Envelope)

const RetryInfo = Schema.Struct({
  "@type": Schema.String.check(Schema.isEndingWith("google.rpc.RetryInfo")),
  retryDelay: Schema.String
})
const decodeRetryInfo = Schema.decodeUnknownOption(RetryInfo)

/**
 * What a provider said about a failure.
 *
 * @since 0.1.0
 */
export interface ProviderError {
  readonly message?: string
  /** `type` / `error_type` (e.g. `rate_limit_error`, `invalid_request_error`, `validation`). */
  readonly type?: string
  /** `code` (e.g. `insufficient_quota`, `context_length_exceeded`), or Gemini's numeric code. */
  readonly code?: string
  /** Gemini's status (e.g. `RESOURCE_EXHAUSTED`). */
  readonly status?: string
  /** The request field the provider blames (`param`). */
  readonly param?: string
  /** Gemini `RetryInfo.retryDelay`. */
  readonly retryDelay?: Duration.Duration
}

const str = (value: string | number | null | undefined): string | undefined =>
  value === null || value === undefined || value === "" ? undefined : String(value)

/**
 * Reads an already-parsed JSON error value. Returns `undefined` when the value
 * has none of the known shapes.
 *
 * @since 0.1.0
 */
export const fromJson = (json: unknown): ProviderError | undefined => {
  const value = Array.isArray(json) && json.length > 0 ? json[0] : json
  const decoded = decodeEnvelope(value)
  if (decoded._tag === "None") return undefined
  const body = decoded.value
  const out: { -readonly [K in keyof ProviderError]: ProviderError[K] } = {}
  if (typeof body.error === "string") {
    out.message = body.error
  } else if (body.error !== undefined) {
    const e = body.error
    const message = str(e.message)
    const type = str(e.type)
    const code = str(e.code)
    const status = str(e.status)
    const param = str(e.param)
    if (message !== undefined) out.message = message
    if (type !== undefined) out.type = type
    if (code !== undefined) out.code = code
    if (status !== undefined) out.status = status
    if (param !== undefined) out.param = param
    for (const d of e.details ?? []) {
      const info = decodeRetryInfo(d)
      const delay = info._tag === "Some" ? parseGoDuration(info.value.retryDelay) : undefined
      if (delay !== undefined) out.retryDelay = delay
    }
  }
  // TGI/TEI put the kind next to a string `error`; TEI's OpenAI route calls it `type`.
  const kind = str(body.error_type) ?? (typeof body.error === "string" ? str(body.type) : undefined)
  if (kind !== undefined && out.type === undefined) out.type = kind
  if (out.message === undefined) {
    const message = str(body.message) ?? detailText(body.detail)
    if (message !== undefined) out.message = message
  }
  return Object.keys(out).length === 0 ? undefined : out
}

const detailText = (detail: unknown): string | undefined => {
  if (typeof detail === "string") return detail
  if (detail !== undefined && detail !== null) return JSON.stringify(detail)
  return undefined
}

/**
 * Reads an error body given as text. Non-JSON text yields `undefined`.
 *
 * @since 0.1.0
 */
export const fromText = (text: string): ProviderError | undefined => {
  try {
    return fromJson(JSON.parse(text))
  } catch {
    return undefined
  }
}
