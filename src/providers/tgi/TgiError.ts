/**
 * What TGI's `{error, error_type}` bodies mean, beyond the generic reading:
 *
 * - `validation` (422) is the caller's: `InvalidRequest`, except a prompt
 *   that does not fit (`inputs` tokens + `max_new_tokens` must be <= N,
 *   `inputs` must have less than N tokens) is `ContextLengthExceeded`;
 * - `generation` (424) failed while generating: `ServerError`, retryable;
 * - a 429 from a self-hosted server means its queue is full (`Overloaded`,
 *   not the key's fault); on Hugging Face's router it is a real rate limit
 *   (`RateLimited`), and 402 means the account's credits are spent
 *   (`QuotaExhausted`).
 *
 * @since 0.1.0
 */
import * as LlmError from "../../LlmError.ts"
import type * as Classify from "../../transport/Classify.ts"
import * as ErrorBody from "../../transport/ErrorBody.ts"

const TOO_LONG = /must be <= \d+|must have less than \d+ tokens|input is too long|exceeds the maximum/i

const fields = (reason: LlmError.Reason) => ({
  ...(reason.detail === undefined ? {} : { detail: reason.detail }),
  ...("retryAfter" in reason && reason.retryAfter !== undefined ? { retryAfter: reason.retryAfter } : {})
})

/**
 * The `refine` for TGI's transport; `hosted` is true on Hugging Face's router.
 *
 * @since 0.1.0
 */
export const refine = (hosted: boolean) => (failure: Classify.HttpFailure, reason: LlmError.Reason): LlmError.Reason => {
  const type = ErrorBody.fromText(failure.body)?.type?.toLowerCase()
  const { detail } = fields(reason)
  const base = detail === undefined ? {} : { detail }
  if (type === "validation" || failure.status === 422) {
    return TOO_LONG.test(detail ?? "") ? new LlmError.ContextLengthExceeded(base) : new LlmError.InvalidRequest(base)
  }
  if (type === "generation" || type === "incomplete_generation" || failure.status === 424) {
    return new LlmError.ServerError(fields(reason))
  }
  if (failure.status === 429) {
    if (!hosted) return new LlmError.Overloaded(fields(reason))
    return reason._tag === "QuotaExhausted" ? reason : new LlmError.RateLimited(fields(reason))
  }
  if (hosted && failure.status === 402) return new LlmError.QuotaExhausted(base)
  return reason
}
