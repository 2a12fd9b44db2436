/** Checks that a secret reaches no string form of a value we might hand to a user or a log. */
import { assert } from "@effect/vitest"

/** Every string form of a value: String, JSON, and for errors the message and stack. */
export const renderings = (value: unknown): ReadonlyArray<string> => {
  const out = [String(value), JSON.stringify(value) ?? ""]
  if (value instanceof Error) out.push(value.message, value.stack ?? "")
  return out
}

/** Fails if `secret`, or a telling piece of it, appears in any rendering of `value`. */
export const assertNoSecret = (value: unknown, secret: string, where: string, piece = secret.slice(3, 20)) => {
  for (const text of renderings(value)) {
    assert.notInclude(text, secret, where)
    assert.notInclude(text, piece, `${where} (partial key)`)
  }
}
