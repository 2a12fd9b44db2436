/**
 * TEI's response bodies (`/embed`, `/embed_sparse`, `/rerank`, `/tokenize`,
 * `/info`), read leniently where versions differ.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

const opt = <S extends Schema.Top>(schema: S) => Schema.optionalKey(Schema.NullOr(schema))

/** `POST /embed`: one vector per input, in order. @since 0.1.0 */
export const Embeddings = Schema.Array(Schema.Array(Schema.Number))

/** `POST /embed_sparse`: the non-zero entries of each input's vector. @since 0.1.0 */
export const SparseEmbeddings = Schema.Array(Schema.Array(Schema.Struct({ index: Schema.Number, value: Schema.Number })))

/** `POST /rerank`: one score per text (`text` when `return_text`). @since 0.1.0 */
export const Ranks = Schema.Array(Schema.Struct({ index: Schema.Int, score: Schema.Number, text: opt(Schema.String) }))
/** @since 0.1.0 */
export type Ranks = typeof Ranks.Type

/** `POST /tokenize`: each input's tokens. @since 0.1.0 */
export const Tokens = Schema.Array(Schema.Array(Schema.Struct({
  id: Schema.Number,
  text: Schema.String,
  special: Schema.Boolean,
  start: opt(Schema.Number),
  stop: opt(Schema.Number)
})))
/** @since 0.1.0 */
export type Tokens = typeof Tokens.Type

/** `GET /info`. @since 0.1.0 */
export const Info = Schema.Struct({
  model_id: Schema.String,
  served_model_name: opt(Schema.String),
  model_sha: opt(Schema.String),
  model_dtype: opt(Schema.String),
  model_type: opt(Schema.Unknown),
  max_concurrent_requests: opt(Schema.Number),
  max_input_length: opt(Schema.Number),
  max_batch_tokens: opt(Schema.Number),
  max_batch_requests: opt(Schema.Number),
  max_client_batch_size: Schema.Number,
  auto_truncate: opt(Schema.Boolean),
  tokenization_workers: opt(Schema.Number),
  version: opt(Schema.String)
})
/** @since 0.1.0 */
export type Info = typeof Info.Type
