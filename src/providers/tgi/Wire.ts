/**
 * TGI's native response bodies (`/generate`, `/generate_stream`, `/info`,
 * `/v1/models`), read leniently: fields the server may send as `null` or
 * leave out (older versions, options not asked for) are optional.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { isPlainObject } from "../../internal/PlainObject.ts"
import { WireCount } from "../../internal/WireCount.ts"

const opt = <S extends Schema.Top>(schema: S) => Schema.optionalKey(Schema.NullOr(schema))

/** One generated (or prompt) token. @since 0.1.0 */
export const Token = Schema.Struct({
  id: Schema.Number,
  text: Schema.String,
  logprob: opt(Schema.Number),
  special: opt(Schema.Boolean)
})
/** @since 0.1.0 */
export type Token = typeof Token.Type

/** `details` of a `/generate` reply (sent when `details: true`). @since 0.1.0 */
export const Details = Schema.Struct({
  finish_reason: Schema.String,
  // Counts go straight into `Usage`: checked here, so a bad body is an InvalidResponse, not a defect.
  generated_tokens: WireCount,
  seed: opt(Schema.Number),
  prefill: opt(Schema.Array(Token)),
  tokens: opt(Schema.Array(Token)),
  input_length: opt(WireCount)
})
/** @since 0.1.0 */
export type Details = typeof Details.Type

/** The `/generate` reply. @since 0.1.0 */
export const GenerateReply = Schema.Struct({
  generated_text: Schema.String,
  details: opt(Details)
})
/** @since 0.1.0 */
export type GenerateReply = typeof GenerateReply.Type

/** One `/generate_stream` event; the last carries `generated_text` (and `details` when asked). @since 0.1.0 */
export const StreamEvent = Schema.Struct({
  index: opt(Schema.Number),
  token: Token,
  generated_text: opt(Schema.String),
  details: opt(Schema.Struct({
    finish_reason: Schema.String,
    generated_tokens: WireCount,
    input_length: opt(WireCount),
    seed: opt(Schema.Number)
  }))
})
/** @since 0.1.0 */
export type StreamEvent = typeof StreamEvent.Type

const tokenField: Readonly<Record<string, (value: unknown) => boolean>> = {
  id: (value) => typeof value === "number",
  text: (value) => typeof value === "string",
  logprob: (value) => value === null || typeof value === "number",
  special: (value) => value === null || typeof value === "boolean"
}
const isPlainToken = (value: unknown): boolean => {
  if (!isPlainObject(value) || typeof value["id"] !== "number" || typeof value["text"] !== "string") return false
  for (const key in value) {
    const check = Object.hasOwn(tokenField, key) ? tokenField[key] : undefined
    if (check === undefined || !check(value[key])) return false
  }
  return true
}

/**
 * A stream's common event, checked by hand: one token and nothing else,
 * exactly the fields `StreamEvent` names (`index`, `token`, and a null
 * `generated_text` and `details`). One-sided: what it takes, `StreamEvent`
 * accepts and decodes to an equal value (pinned by a property test); the
 * last event, and any event with other fields, is decoded by the Schema.
 *
 * @since 0.1.0
 */
export const isTokenEvent = (json: unknown): json is StreamEvent => {
  if (!isPlainObject(json) || !isPlainToken(json["token"])) return false
  for (const key in json) {
    const value = json[key]
    if (key === "index") {
      if (value !== null && typeof value !== "number") return false
    } else if (key === "generated_text" || key === "details") {
      if (value !== null) return false
    } else if (key !== "token") return false
  }
  return true
}

/** `GET /info`. Only `model_id` is required: the rest varies between versions. @since 0.1.0 */
export const Info = Schema.Struct({
  model_id: Schema.String,
  model_sha: opt(Schema.String),
  model_pipeline_tag: opt(Schema.String),
  max_concurrent_requests: opt(Schema.Number),
  max_best_of: opt(Schema.Number),
  max_stop_sequences: opt(Schema.Number),
  max_input_tokens: opt(Schema.Number),
  // The name before TGI 2.1.
  max_input_length: opt(Schema.Number),
  max_total_tokens: opt(Schema.Number),
  max_client_batch_size: opt(Schema.Number),
  router: opt(Schema.String),
  version: opt(Schema.String),
  sha: opt(Schema.String),
  docker_label: opt(Schema.String)
})
/** @since 0.1.0 */
export type Info = typeof Info.Type

const Model = Schema.Struct({
  id: Schema.String,
  owned_by: opt(Schema.String),
  created: opt(Schema.Number)
})

/**
 * `GET /v1/models`: TGI answers with its one model as a bare object (its
 * spec's `ModelInfo`); the router and newer servers with an OpenAI list.
 *
 * @since 0.1.0
 */
export const Models = Schema.Union([Schema.Struct({ data: Schema.Array(Model) }), Model])
/** @since 0.1.0 */
export type Models = typeof Models.Type
