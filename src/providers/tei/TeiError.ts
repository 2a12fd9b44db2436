/**
 * What TEI's errors mean. Native routes send `{error, error_type}`; the
 * OpenAI-compatible route sends `{message, code, type}` (its spec says
 * `error_type`, the wire says `type`): both are read.
 *
 * - `Validation`, `Tokenizer`, `Empty` → `InvalidRequest` (the caller's);
 *   413 → `InvalidRequest` on `input`, naming the batch size;
 * - `Overloaded` (429, a full queue) → `Overloaded`, not the key's fault;
 * - `Unhealthy`, `Backend` → `ServerError`.
 *
 * @since 0.1.0
 */
import * as LlmError from "../../LlmError.ts"
import type * as Classify from "../../transport/Classify.ts"

const kindOf = (body: string): string | undefined => {
  try {
    const json: unknown = JSON.parse(body)
    if (typeof json !== "object" || json === null) return undefined
    const record = json as Record<string, unknown>
    const kind = record["error_type"] ?? record["type"]
    return typeof kind === "string" ? kind.toLowerCase() : undefined
  } catch {
    return undefined
  }
}

/**
 * The `refine` for TEI's transport.
 *
 * @since 0.1.0
 */
export const refine = (failure: Classify.HttpFailure, reason: LlmError.Reason): LlmError.Reason => {
  const kind = kindOf(failure.body)
  const base = reason.detail === undefined ? {} : { detail: reason.detail }
  const wait = "retryAfter" in reason && reason.retryAfter !== undefined ? { retryAfter: reason.retryAfter } : {}
  if (failure.status === 413) {
    return new LlmError.InvalidRequest({
      field: "input",
      detail: `${reason.detail ?? "payload too large"} (more inputs than the server's max_client_batch_size, or too large a body)`
    })
  }
  switch (kind) {
    case "validation":
    case "tokenizer":
    case "empty":
      return new LlmError.InvalidRequest(base)
    case "overloaded":
      return new LlmError.Overloaded({ ...base, ...wait })
    case "unhealthy":
    case "backend":
      return new LlmError.ServerError({ ...base, ...wait })
  }
  // A bare 429 from TEI is its queue, not a quota on the key.
  if (failure.status === 429) return new LlmError.Overloaded({ ...base, ...wait })
  return reason
}
