/**
 * S3's answers as `LlmError` reasons. The XML `<Code>` wins over the status
 * where it is explicit; a throttle (`SlowDown`, 503) is `Overloaded`, never
 * the credentials' fault, so the key pool does not rotate or cool a pair for
 * it; `RequestTimeout` (a 400: S3 gave up waiting for our body) is a
 * retryable `Timeout`; every other 4xx is final. A region redirect (301/307,
 * never followed) names the bucket's region.
 *
 * @since 0.1.0
 */
import type { Duration, Redacted } from "effect"
import * as LlmError from "../LlmError.ts"
import * as Redact from "../transport/Redact.ts"
import * as RetryAfter from "../transport/RetryAfter.ts"
import type { ErrorBody } from "./S3Wire.ts"

/**
 * A non-2xx S3 response (or a 200 whose body is an `<Error>`).
 *
 * @since 0.1.0
 */
export interface Failure {
  readonly status: number
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly body: ErrorBody | undefined
  /** The raw body, for the detail when it is not an S3 error document. */
  readonly text: string
  readonly bucket: string | undefined
}

const NOT_FOUND = new Set(["NoSuchKey", "NoSuchBucket", "NoSuchUpload", "NoSuchVersion"])
const UNAUTHORIZED = new Set([
  "AccessDenied",
  "SignatureDoesNotMatch",
  "InvalidAccessKeyId",
  "InvalidToken",
  "ExpiredToken",
  "TokenRefreshRequired",
  "AllAccessDisabled",
  "AccountProblem"
])
const OVERLOADED = new Set(["SlowDown", "ServiceUnavailable", "Busy", "RequestLimitExceeded", "Throttling", "ThrottlingException"])
const SERVER = new Set(["InternalError", "InternalFailure"])
const UNSUPPORTED = new Set(["NotImplemented", "MethodNotAllowed"])
const REDIRECT = new Set(["PermanentRedirect", "TemporaryRedirect", "Redirect"])
// Fields of request settings the caller can fix, by code.
const FIELD: Readonly<Record<string, string>> = {
  InvalidRange: "range",
  EntityTooSmall: "partSize",
  EntityTooLarge: "body",
  InvalidBucketName: "bucket",
  KeyTooLongError: "key",
  InvalidPart: "parts",
  InvalidPartOrder: "parts",
  MetadataTooLarge: "metadata",
  AuthorizationHeaderMalformed: "region",
  IllegalLocationConstraintException: "region"
}

/**
 * Whether S3 answered with a redirect we do not follow.
 *
 * @since 0.1.0
 */
export const isRedirect = (status: number): boolean => status === 301 || status === 302 || status === 307 || status === 308

/**
 * The reason for a failure. `secrets` are scrubbed from S3's message.
 *
 * @since 0.1.0
 */
export const classify = (
  failure: Failure,
  now: number,
  secrets: ReadonlyArray<Redacted.Redacted<string>>
): LlmError.Reason => {
  const { body, status } = failure
  const code = body?.code
  const said = body?.message ?? (body === undefined && failure.text.trim().length > 0 ? failure.text : undefined)
  const text = Redact.snippet(code === undefined ? said ?? "" : said === undefined ? code : `${code}: ${said}`, secrets, 500)
  const base = text.length === 0 ? {} : { detail: text }
  const wait: Duration.Duration | undefined = RetryAfter.fromHeaders(failure.headers, now)
  const withWait = wait === undefined ? base : { ...base, retryAfter: wait }

  if (isRedirect(status) || (code !== undefined && REDIRECT.has(code))) return redirect(failure)
  if (code !== undefined) {
    if (NOT_FOUND.has(code)) return new LlmError.NotFound(base)
    // The request was signed with a wrong region: the same fix as a redirect.
    if (code === "AuthorizationHeaderMalformed" && body?.region !== undefined) return redirect(failure)
    if (code === "RequestTimeTooSkewed") {
      // Our clock, not the credentials: ejecting every key would not help.
      return new LlmError.InvalidRequest({ ...base, field: "clock" })
    }
    if (UNAUTHORIZED.has(code)) return new LlmError.Unauthorized(base)
    if (OVERLOADED.has(code)) return new LlmError.Overloaded(withWait)
    if (code === "RequestTimeout") return new LlmError.Timeout({ ...base, phase: "attempt" })
    if (SERVER.has(code)) return new LlmError.ServerError(withWait)
    if (UNSUPPORTED.has(code)) return new LlmError.Unsupported({ ...base, capability: code })
    const field = FIELD[code]
    if (field !== undefined && status < 500) return new LlmError.InvalidRequest({ ...base, field })
  }
  switch (status) {
    case 401:
    case 403:
      return new LlmError.Unauthorized(base)
    case 404:
      return new LlmError.NotFound(base)
    case 405:
    case 501:
      return new LlmError.Unsupported({ ...base, capability: `HTTP ${status}` })
    // A throttle from an S3-compatible server that says 429: still the prefix's load, not the key's.
    case 429:
    case 503:
      return new LlmError.Overloaded(withWait)
  }
  if (status >= 500 || status === 200) return new LlmError.ServerError(withWait)
  return new LlmError.InvalidRequest(base)
}

const redirect = (failure: Failure): LlmError.Reason => {
  const region = failure.headers["x-amz-bucket-region"] ?? failure.body?.region
  const bucket = failure.bucket === undefined ? "the bucket" : `bucket ${JSON.stringify(failure.bucket)}`
  const what = failure.body?.code ?? `HTTP ${failure.status}`
  return new LlmError.InvalidRequest({
    field: "region",
    detail: region === undefined
      ? `S3 redirected the request (${what}) without naming the bucket's region; redirects are not followed`
      : `${bucket} is in region ${region} (S3 answered ${what}); set S3_REGION=${region} (or the region option)`
  })
}
