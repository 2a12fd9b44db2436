/**
 * Reading "wait this long" out of what providers send: `Retry-After`
 * (seconds or an HTTP date), `retry-after-ms`, OpenAI/Groq reset headers
 * (`1s`, `6m0s`, `7.66s`), Anthropic reset headers (RFC 3339 instants) and
 * Gemini's `RetryInfo.retryDelay` (`"30s"`).
 *
 * Every parser returns `undefined` for a value it cannot read: a garbled
 * header must never turn into a zero wait or an exception.
 *
 * @since 0.1.0
 */
import { Duration } from "effect"
import { Headers } from "effect/http"

type HeaderRecord = Readonly<Record<string, string | undefined>>

const unitMillis: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1, us: 0.001, "µs": 0.001, ns: 0.000001 }
const goDurationPart = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/y

/**
 * Parses a Go-style duration such as `1s`, `6m0s`, `7.66s`, `250ms`, `1h2m3s`
 * (OpenAI and Groq `x-ratelimit-reset-*`, Gemini `retryDelay`).
 *
 * @since 0.1.0
 */
export const parseGoDuration = (input: string): Duration.Duration | undefined => {
  const text = input.trim()
  if (text.length === 0) return undefined
  let millis = 0
  goDurationPart.lastIndex = 0
  while (goDurationPart.lastIndex < text.length) {
    const at = goDurationPart.lastIndex
    const match = goDurationPart.exec(text)
    if (match === null || match.index !== at) return undefined
    millis += Number(match[1]) * unitMillis[match[2]!]!
  }
  return Number.isFinite(millis) ? Duration.millis(millis) : undefined
}

/**
 * Parses a `Retry-After` value: delta seconds (whole, or decimal as some
 * servers send) or an HTTP date, measured from `now` (epoch millis). A date in
 * the past means "now", not a negative wait.
 *
 * @since 0.1.0
 */
export const parseRetryAfter = (value: string, now: number): Duration.Duration | undefined => {
  const text = value.trim()
  if (/^\d+(\.\d+)?$/.test(text)) return Duration.millis(Math.round(Number(text) * 1000))
  const parsed = Headers.parseRetryAfter(text)
  return parsed._tag === "Success" ? Headers.retryAfterDelay(parsed.success, now) : undefined
}

/**
 * Parses a rate-limit reset value: a Go duration (`6m0s`), plain seconds, or
 * an RFC 3339 instant (Anthropic), measured from `now`.
 *
 * @since 0.1.0
 */
export const parseReset = (value: string, now: number): Duration.Duration | undefined => {
  const text = value.trim()
  if (/^\d+(\.\d+)?$/.test(text)) return Duration.millis(Math.round(Number(text) * 1000))
  const go = parseGoDuration(text)
  if (go !== undefined) return go
  if (/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    const at = Date.parse(text)
    return Number.isNaN(at) ? undefined : Duration.millis(Math.max(0, at - now))
  }
  return undefined
}

const resetFamilies: ReadonlyArray<readonly [remaining: string, reset: string]> = [
  ["x-ratelimit-remaining-requests", "x-ratelimit-reset-requests"],
  ["x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens"],
  ["anthropic-ratelimit-requests-remaining", "anthropic-ratelimit-requests-reset"],
  ["anthropic-ratelimit-tokens-remaining", "anthropic-ratelimit-tokens-reset"],
  ["anthropic-ratelimit-input-tokens-remaining", "anthropic-ratelimit-input-tokens-reset"],
  ["anthropic-ratelimit-output-tokens-remaining", "anthropic-ratelimit-output-tokens-reset"]
]

/**
 * How long a response asks us to wait. `retry-after-ms` beats `retry-after`;
 * without either, the reset time of each exhausted limit (remaining = 0)
 * counts, and the longest of those wins. Header names must be lower case (as
 * `effect/http` stores them).
 *
 * @since 0.1.0
 */
export const fromHeaders = (headers: HeaderRecord, now: number): Duration.Duration | undefined => {
  const ms = headers["retry-after-ms"]
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim())) return Duration.millis(Math.round(Number(ms.trim())))
  const retryAfter = headers["retry-after"]
  if (retryAfter !== undefined) {
    const parsed = parseRetryAfter(retryAfter, now)
    if (parsed !== undefined) return parsed
  }
  let longest: Duration.Duration | undefined
  for (const [remaining, reset] of resetFamilies) {
    const left = headers[remaining]
    const at = headers[reset]
    if (left === undefined || at === undefined || Number(left.trim()) !== 0) continue
    const wait = parseReset(at, now)
    if (wait !== undefined && (longest === undefined || Duration.isGreaterThan(wait, longest))) longest = wait
  }
  return longest
}
