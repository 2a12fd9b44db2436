/**
 * OPEA's own error body, `{"object":"error","message":...,"code":40303}`
 * (GenAIComps `ErrorResponse` with an `ApiErrorCode`): the five-digit code
 * says more than the HTTP status (OPEA derives the status from it, and some
 * deployments put it behind a plain 500 or 400).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import * as LlmError from "../../LlmError.ts"
import type * as Classify from "../../transport/Classify.ts"

const Body = Schema.Struct({ object: Schema.Literal("error"), code: Schema.Int })
const decodeBody = Schema.decodeUnknownOption(Schema.fromJsonString(Body))

const fromCode = (code: number, reason: LlmError.Reason): LlmError.Reason | undefined => {
  const detail = "detail" in reason && typeof reason.detail === "string" ? { detail: reason.detail } : {}
  const wait = "retryAfter" in reason && reason.retryAfter !== undefined ? { ...detail, retryAfter: reason.retryAfter } : detail
  switch (code) {
    case 40001:
    case 40302:
      return new LlmError.InvalidRequest(detail)
    case 40101:
    case 40102:
    case 40103:
      return new LlmError.Unauthorized(detail)
    case 40301:
      return new LlmError.NotFound(detail)
    case 40303:
      return new LlmError.ContextLengthExceeded(detail)
    case 42901:
      return new LlmError.RateLimited(wait)
    case 42902:
      return new LlmError.QuotaExhausted(wait)
    case 42903:
      return new LlmError.Overloaded(wait)
    case 50001:
    case 50002:
    case 50003:
    case 50004:
      return new LlmError.ServerError(wait)
    default:
      return undefined
  }
}

/**
 * Corrects the generic classification from an OPEA error code, when the
 * body carries one.
 *
 * @since 0.1.0
 */
export const refine = (failure: Classify.HttpFailure, reason: LlmError.Reason): LlmError.Reason => {
  const body = decodeBody(failure.body)
  return body._tag === "None" ? reason : fromCode(body.value.code, reason) ?? reason
}
