/**
 * Ollama's response bodies and NDJSON lines (`/api/chat`, `/api/generate`,
 * `/api/embed`, `/api/tags`, `/api/show`, `/api/pull`, `/api/version`),
 * read leniently: fields Ollama adds later are ignored, and `null` (e.g.
 * `"images": null` in streamed chat lines) counts as absent.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { isAbsentField, isOptionalField as optional, isPlainObject } from "../../internal/PlainObject.ts"
import { isWireCount, WireCount } from "../../internal/WireCount.ts"

const opt = <S extends Schema.Top>(schema: S) => Schema.optionalKey(Schema.NullOr(schema))

/**
 * A tool call as Ollama sends it: `arguments` is a JSON object, not text, and
 * `id` is usually absent (newer servers may send one).
 *
 * @since 0.1.0
 */
export const ToolCall = Schema.Struct({
  id: opt(Schema.String),
  function: Schema.Struct({
    index: opt(Schema.Number),
    name: Schema.NonEmptyString,
    arguments: opt(Schema.Unknown)
  })
})
/** @since 0.1.0 */
export type ToolCall = typeof ToolCall.Type

// Counts and timings every final chat/generate object carries.
const metrics = {
  done: opt(Schema.Boolean),
  done_reason: opt(Schema.String),
  total_duration: opt(Schema.Number),
  load_duration: opt(Schema.Number),
  // Counts go straight into `Usage`: checked here, so a bad body is an InvalidResponse, not a defect.
  prompt_eval_count: opt(WireCount),
  prompt_eval_duration: opt(Schema.Number),
  eval_count: opt(WireCount),
  eval_duration: opt(Schema.Number)
}

/**
 * One `/api/chat` object: the whole reply (`stream:false`) or one NDJSON line.
 *
 * @since 0.1.0
 */
export const ChatLine = Schema.Struct({
  model: opt(Schema.String),
  created_at: opt(Schema.String),
  message: opt(Schema.Struct({
    role: opt(Schema.String),
    content: opt(Schema.String),
    thinking: opt(Schema.String),
    tool_calls: opt(Schema.Array(ToolCall))
  })),
  ...metrics
})
/** @since 0.1.0 */
export type ChatLine = typeof ChatLine.Type

/**
 * One `/api/generate` object: the whole reply or one NDJSON line.
 *
 * @since 0.1.0
 */
export const GenerateLine = Schema.Struct({
  model: opt(Schema.String),
  created_at: opt(Schema.String),
  response: opt(Schema.String),
  thinking: opt(Schema.String),
  ...metrics
})
/** @since 0.1.0 */
export type GenerateLine = typeof GenerateLine.Type

const durations = ["total_duration", "load_duration", "prompt_eval_duration", "eval_duration"] as const
const counts = ["prompt_eval_count", "eval_count"] as const
const optionalCount = (json: Record<string, unknown>, key: string): boolean => isAbsentField(json, key) || isWireCount(json[key])

// The fields a text line shares: `done: false`, and the rest of the known ones of the right kind.
const isTextLineBase = (json: Record<string, unknown>): boolean => {
  if (json["done"] !== false || !optional(json, "model", "string") || !optional(json, "created_at", "string")) return false
  if (!optional(json, "done_reason", "string")) return false
  for (const key of durations) if (!optional(json, key, "number")) return false
  for (const key of counts) if (!optionalCount(json, key)) return false
  return true
}

/**
 * A chat stream's common line, checked by hand: a plain object with
 * `done: false`, a message without tool calls, and every field `ChatLine`
 * names absent, null or of its kind (others are ignored, as the Schema
 * ignores them). One-sided: what it takes, `ChatLine` accepts (pinned by a
 * property test); a final line, a tool call and anything else go to the Schema.
 *
 * @since 0.1.0
 */
export const isTextChatLine = (json: unknown): json is ChatLine => {
  if (!isPlainObject(json) || !isTextLineBase(json)) return false
  if (isAbsentField(json, "message")) return true
  const message = json["message"]
  return isPlainObject(message) && optional(message, "role", "string") && optional(message, "content", "string") &&
    optional(message, "thinking", "string") && isAbsentField(message, "tool_calls")
}

/**
 * A generate stream's common line, checked by hand like `isTextChatLine`
 * (`response` and `thinking` absent, null or text), one-sided against `GenerateLine`.
 *
 * @since 0.1.0
 */
export const isTextGenerateLine = (json: unknown): json is GenerateLine =>
  isPlainObject(json) && isTextLineBase(json) && optional(json, "response", "string") && optional(json, "thinking", "string")

/** @since 0.1.0 */
export const EmbedReply = Schema.Struct({
  model: opt(Schema.String),
  embeddings: Schema.Array(Schema.Array(Schema.Number)),
  total_duration: opt(Schema.Number),
  load_duration: opt(Schema.Number),
  prompt_eval_count: opt(WireCount)
})
/** @since 0.1.0 */
export type EmbedReply = typeof EmbedReply.Type

/**
 * `details` in `/api/tags` and `/api/show`.
 *
 * @since 0.1.0
 */
export const Details = Schema.Struct({
  parent_model: opt(Schema.String),
  format: opt(Schema.String),
  family: opt(Schema.String),
  families: opt(Schema.Array(Schema.String)),
  parameter_size: opt(Schema.String),
  quantization_level: opt(Schema.String)
})
/** @since 0.1.0 */
export type Details = typeof Details.Type

/** @since 0.1.0 */
export const TagsReply = Schema.Struct({
  models: Schema.Array(Schema.Struct({
    name: Schema.String,
    model: opt(Schema.String),
    modified_at: opt(Schema.String),
    size: opt(Schema.Number),
    digest: opt(Schema.String),
    details: opt(Details)
  }))
})
/** @since 0.1.0 */
export type TagsReply = typeof TagsReply.Type

/** @since 0.1.0 */
export const ShowReply = Schema.Struct({
  parameters: opt(Schema.String),
  license: opt(Schema.String),
  modified_at: opt(Schema.String),
  details: opt(Details),
  template: opt(Schema.String),
  system: opt(Schema.String),
  capabilities: opt(Schema.Array(Schema.String)),
  model_info: opt(Schema.Record(Schema.String, Schema.Unknown))
})
/** @since 0.1.0 */
export type ShowReply = typeof ShowReply.Type

/**
 * One `/api/pull` progress line. `completed` is absent until a layer has
 * started downloading.
 *
 * @since 0.1.0
 */
export const PullLine = Schema.Struct({
  status: Schema.String,
  digest: opt(Schema.String),
  total: opt(Schema.Number),
  completed: opt(Schema.Number)
})
/** @since 0.1.0 */
export type PullLine = typeof PullLine.Type

/** @since 0.1.0 */
export const VersionReply = Schema.Struct({ version: Schema.String })
