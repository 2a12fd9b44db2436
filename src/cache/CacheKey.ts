/**
 * Cache keys: a request is reduced to a canonical JSON text (object keys
 * sorted, insignificant whitespace normalized, tool-call arguments re-encoded)
 * and hashed with SHA-256, so the same request written two ways is one key.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { createHash } from "node:crypto"
import { ChatRequest } from "../domain/Chat.ts"

const encodeRequest = Schema.encodeSync(ChatRequest)

/**
 * Text as the model sees it: line endings unified, trailing spaces of each
 * line and of the whole text dropped. Inner spacing and indentation stay,
 * because in code and tables they carry meaning.
 *
 * @since 0.1.0
 */
export const normalizeText = (text: string): string => text.replace(/\r\n?/g, "\n").replace(/[ \t]+$/gm, "").trim()

// Tool-call arguments are JSON inside a string: the same object with other
// key order or spacing must give the same key.
const normalizeArguments = (text: string): unknown => {
  try {
    return { json: JSON.parse(text) as unknown }
  } catch {
    return { raw: text }
  }
}

const canonical = (value: unknown, parentKey: string | undefined): unknown => {
  if (typeof value === "string") {
    if (parentKey === "arguments") return canonical(normalizeArguments(value), undefined)
    return parentKey === "text" || parentKey === "system" || parentKey === "content" ? normalizeText(value) : value
  }
  if (Array.isArray(value)) return value.map((item) => canonical(item, undefined))
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key]
      if (item !== undefined) out[key] = canonical(item, key)
    }
    return out
  }
  return value
}

/**
 * The parts of a request that decide the answer, in canonical form. `user`
 * (an end-user id for abuse monitoring) does not change the answer and is
 * left out, so users asking the same thing share one entry.
 *
 * @since 0.1.0
 */
export const normalize = (request: ChatRequest): unknown => {
  const { user: _user, ...rest } = encodeRequest(request) as Record<string, unknown>
  return canonical(rest, undefined)
}

/**
 * Canonical JSON of any value (keys sorted at every level).
 *
 * @since 0.1.0
 */
export const canonicalJson = (value: unknown): string => JSON.stringify(canonical(value, undefined))

/**
 * A stable hex SHA-256 of a value's canonical JSON.
 *
 * @since 0.1.0
 */
export const hash = (value: unknown): string => createHash("sha256").update(canonicalJson(value)).digest("hex")

/**
 * The exact-cache key of a request.
 *
 * @since 0.1.0
 */
export const exact = (request: ChatRequest): string => hash(normalize(request))
