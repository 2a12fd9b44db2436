/**
 * Ollama's response bodies and NDJSON lines (`/api/chat`, `/api/generate`,
 * `/api/embed`, `/api/tags`, `/api/show`, `/api/pull`, `/api/version`),
 * read leniently: fields Ollama adds later are ignored, and `null` (e.g.
 * `"images": null` in streamed chat lines) counts as absent.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

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
  prompt_eval_count: opt(Schema.Number),
  prompt_eval_duration: opt(Schema.Number),
  eval_count: opt(Schema.Number),
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

/** @since 0.1.0 */
export const EmbedReply = Schema.Struct({
  model: opt(Schema.String),
  embeddings: Schema.Array(Schema.Array(Schema.Number)),
  total_duration: opt(Schema.Number),
  load_duration: opt(Schema.Number),
  prompt_eval_count: opt(Schema.Number)
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
