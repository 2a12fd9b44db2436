/**
 * A model's route prefix on OVMS: `/v2/models/{m}[/versions/{v}]` (KServe)
 * or `/v1/models/...` (TF-Serving). Names and versions are path segments,
 * percent-encoded, so a name with `/`, `?` or `#` stays one segment.
 *
 * @since 0.1.0
 */
import * as LlmError from "../../LlmError.ts"

// "." and ".." survive percent-encoding and would be resolved as path steps.
const segment = (value: string) => value === "." || value === ".." ? undefined : encodeURIComponent(value)

/**
 * The path of `model` (and `version`) under `root`, or why it cannot be one.
 *
 * @since 0.1.0
 */
export const make = (
  root: "/v1" | "/v2",
  model: string,
  version: string | number | undefined
): string | LlmError.InvalidRequest => {
  const name = typeof model === "string" && model.trim().length > 0 ? segment(model) : undefined
  if (name === undefined) return new LlmError.InvalidRequest({ field: "model", detail: "must be a model name (not empty, '.' or '..')" })
  if (version === undefined) return `${root}/models/${name}`
  const text = typeof version === "number" && Number.isSafeInteger(version) && version >= 0
    ? String(version)
    : typeof version === "string" && version.trim().length > 0
    ? segment(version)
    : undefined
  if (text === undefined) return new LlmError.InvalidRequest({ field: "version", detail: "must be a non-negative integer or a version name" })
  return `${root}/models/${name}/versions/${text}`
}
