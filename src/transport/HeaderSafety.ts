/**
 * What may go into an HTTP header. fetch refuses a value with a line break
 * or a character outside Latin-1 only when the request is sent, as a
 * transport error that looks like a network fault (retried, counted against
 * the breaker, nothing ever sent). We check first and say which setting or
 * field is wrong.
 *
 * @since 0.1.0
 */

// RFC 9110 token characters: the only ones a header name may have.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
// Visible ASCII, space and tab. Latin-1 obs-text is legal on the wire but
// servers and proxies read it differently; no key or id of ours needs it.
const SAFE_VALUE = /^[\t\x20-\x7e]*$/
// The usual case in one test: safe, and no whitespace at either end (empty included).
const CLEAN_VALUE = /^(?:[\x21-\x7e](?:[\t\x20-\x7e]*[\x21-\x7e])?)?$/

/**
 * Why `value` cannot be sent as a header value, or `undefined` when it can.
 * The value itself is never part of the answer (it may be a secret).
 *
 * @since 0.1.0
 */
export const valueProblem = (value: string): string | undefined => {
  if (CLEAN_VALUE.test(value)) return undefined
  if (/[\r\n]/.test(value)) return "contains a line break (CR or LF)"
  if (!SAFE_VALUE.test(value)) return "contains a control or non-ASCII character, which HTTP headers cannot carry"
  if (value !== value.trim()) return "has leading or trailing whitespace"
  return undefined
}

/**
 * Why `name` is not a header name, or `undefined` when it is one.
 *
 * @since 0.1.0
 */
export const nameProblem = (name: string): string | undefined =>
  TOKEN.test(name) ? undefined : `${JSON.stringify(name.slice(0, 64))} is not a valid header name`
