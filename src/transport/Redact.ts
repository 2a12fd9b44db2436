/**
 * Keeping secrets out of text we did not write (provider error bodies,
 * transport error descriptions) before it reaches an error message or a log.
 *
 * @since 0.1.0
 */
import { Redacted } from "effect"

const MASK = "[REDACTED]"

// Credential shapes of the services we talk to, caught even when we were not
// told the value (a proxy echoing a header, a key from another config).
const patterns: ReadonlyArray<readonly [RegExp, string]> = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${MASK}`],
  [/\bsk-[A-Za-z0-9_-]{8,}/g, MASK],
  [/\bgsk_[A-Za-z0-9]{8,}/g, MASK],
  [/\bhf_[A-Za-z0-9]{8,}/g, MASK],
  [/\bAIza[0-9A-Za-z_-]{20,}/g, MASK],
  [/\b(api[_-]?key|key|token)=[^&\s"']+/gi, `$1=${MASK}`]
]

/**
 * Replaces every occurrence of the given secrets, and of well-known key
 * shapes, with `[REDACTED]`.
 *
 * @since 0.1.0
 */
export const scrub = (text: string, secrets: ReadonlyArray<Redacted.Redacted<string>> = []): string => {
  let out = text
  for (const secret of secrets) {
    const value = Redacted.value(secret)
    // Very short values would mask ordinary words; keys are never that short.
    if (value.length >= 6) out = out.split(value).join(MASK)
  }
  for (const [pattern, replacement] of patterns) out = out.replace(pattern, replacement)
  return out
}

/**
 * The start of a body, scrubbed, for `InvalidResponse` and non-JSON errors.
 *
 * @since 0.1.0
 */
export const snippet = (text: string, secrets: ReadonlyArray<Redacted.Redacted<string>> = [], max = 200): string => {
  const clean = scrub(text, secrets).replace(/\s+/g, " ").trim()
  return clean.length <= max ? clean : `${clean.slice(0, max)}…`
}
