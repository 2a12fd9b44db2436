/**
 * Anthropic Messages API response bodies and stream events, read leniently:
 * new block, delta and event types appear without an API version change, so
 * unknown `type`s pass decoding and are ignored by the mappers.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { WireCount } from "../../internal/WireCount.ts"
import { isPlainObject } from "../../internal/PlainObject.ts"

const opt = <S extends Schema.Top>(schema: S) => Schema.optionalKey(Schema.NullOr(schema))

// Counts go straight into `Usage`: checked here, so a bad body is an InvalidResponse, not a defect.
const Count = WireCount

/** @since 0.1.0 */
export const WireUsage = Schema.Struct({
  input_tokens: opt(Count),
  output_tokens: opt(Count),
  cache_creation_input_tokens: opt(Count),
  cache_read_input_tokens: opt(Count)
})
/** @since 0.1.0 */
export type WireUsage = typeof WireUsage.Type

/** A content block: `text`, `tool_use`, `thinking`, or a kind we ignore. @since 0.1.0 */
export const ContentBlock = Schema.Struct({
  type: Schema.String,
  text: opt(Schema.String),
  id: opt(Schema.String),
  name: opt(Schema.String),
  input: opt(Schema.Unknown)
})
/** @since 0.1.0 */
export type ContentBlock = typeof ContentBlock.Type

/** The body of a `POST /messages` reply. @since 0.1.0 */
export const Message = Schema.Struct({
  id: opt(Schema.String),
  model: opt(Schema.String),
  content: Schema.Array(ContentBlock),
  stop_reason: opt(Schema.String),
  stop_sequence: opt(Schema.String),
  usage: opt(WireUsage)
})
/** @since 0.1.0 */
export type Message = typeof Message.Type

/** One `data:` payload of a stream; which fields are set depends on `type`. @since 0.1.0 */
export const StreamEvent = Schema.Struct({
  type: Schema.String,
  // message_start: the message so far (input usage; usually no content yet,
  // but some servers put whole blocks and the stop_reason here).
  message: opt(Schema.Struct({
    id: opt(Schema.String),
    model: opt(Schema.String),
    content: opt(Schema.Array(ContentBlock)),
    stop_reason: opt(Schema.String),
    usage: opt(WireUsage)
  })),
  // content_block_start / _delta / _stop
  index: opt(Schema.Int),
  content_block: opt(ContentBlock),
  // content_block_delta (text_delta, input_json_delta, ...) or message_delta (stop_reason)
  delta: opt(Schema.Struct({
    type: opt(Schema.String),
    text: opt(Schema.String),
    partial_json: opt(Schema.String),
    stop_reason: opt(Schema.String),
    stop_sequence: opt(Schema.String)
  })),
  // message_delta: cumulative usage (output, and on newer versions input and cache too)
  usage: opt(WireUsage)
})
/** @since 0.1.0 */
export type StreamEvent = typeof StreamEvent.Type


/**
 * A stream's most common event, checked by hand: a block's text delta,
 * exactly `{ type: "content_block_delta", index, delta: { type: "text_delta", text } }`.
 * One-sided: what it takes, `StreamEvent` accepts and decodes to an equal
 * value (pinned by a property test); any other event, or one with more
 * fields, is decoded by the Schema.
 *
 * @since 0.1.0
 */
export const isTextDelta = (json: unknown): json is StreamEvent => {
  if (!isPlainObject(json) || json["type"] !== "content_block_delta" || !Number.isSafeInteger(json["index"])) return false
  const delta = json["delta"]
  if (!isPlainObject(delta) || delta["type"] !== "text_delta" || typeof delta["text"] !== "string") return false
  for (const key in json) if (key !== "type" && key !== "index" && key !== "delta") return false
  for (const key in delta) if (key !== "type" && key !== "text") return false
  return true
}

/** One page of `GET /models`. @since 0.1.0 */
export const ModelPage = Schema.Struct({
  data: Schema.Array(Schema.Struct({
    id: Schema.String,
    display_name: opt(Schema.String),
    created_at: opt(Schema.String)
  })),
  has_more: opt(Schema.Boolean),
  last_id: opt(Schema.String)
})
/** @since 0.1.0 */
export type ModelPage = typeof ModelPage.Type
