/**
 * Gemini's error quirks the generic classification cannot see from the
 * status and the `{error:{code, message, status, details}}` shape alone.
 *
 * - A bad, expired or blocked key is a 400 `INVALID_ARGUMENT` whose details
 *   hold a `google.rpc.ErrorInfo` with reason `API_KEY_INVALID` (and kin):
 *   that is `Unauthorized` (the key is ejected), not a caller mistake.
 * - An over-long prompt is a 400 "The input token count (N) exceeds the
 *   maximum number of tokens allowed (M)": `ContextLengthExceeded`.
 *
 * @since 0.1.0
 */
import * as LlmError from "../../LlmError.ts"
import type { HttpFailure } from "../../transport/Classify.ts"

const OVER_CONTEXT = /input token count.*exceeds the maximum number of tokens/i

interface Said {
  readonly message: string | undefined
  readonly reasons: ReadonlyArray<string>
}

const read = (body: string): Said | undefined => {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return undefined
  }
  // Gemini sometimes wraps the error in an array: `[{"error": {...}}]`.
  const value: unknown = Array.isArray(json) ? json[0] : json
  if (typeof value !== "object" || value === null || !("error" in value)) return undefined
  const error: unknown = value.error
  if (typeof error !== "object" || error === null) return undefined
  const message = "message" in error && typeof error.message === "string" ? error.message : undefined
  const details = "details" in error && Array.isArray(error.details) ? error.details : []
  const reasons = details.flatMap((detail: unknown) =>
    typeof detail === "object" && detail !== null && "reason" in detail && typeof detail.reason === "string"
      ? [detail.reason]
      : []
  )
  return { message, reasons }
}

const withDetail = (reason: LlmError.Reason) => reason.detail === undefined ? {} : { detail: reason.detail }

/**
 * Corrects the generic reason for a Gemini failure (HTTP or in-stream).
 *
 * @since 0.1.0
 */
export const refine = (failure: HttpFailure, reason: LlmError.Reason): LlmError.Reason => {
  const said = read(failure.body)
  if (said === undefined) return reason
  if (said.reasons.some((r) => r.startsWith("API_KEY_"))) return new LlmError.Unauthorized(withDetail(reason))
  if (reason._tag === "InvalidRequest" && said.message !== undefined && OVER_CONTEXT.test(said.message)) {
    return new LlmError.ContextLengthExceeded(withDetail(reason))
  }
  return reason
}
