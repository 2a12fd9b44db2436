/**
 * OVMS response bodies beyond the OpenAI-compatible ones: KServe v2
 * inference and model metadata, the (pre-2026.3) config status listing, and
 * the Cohere-style rerank reply. Tensor data is read as `unknown` here and
 * checked element by element against its datatype in `Infer`.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

const opt = <S extends Schema.Top>(schema: S) => Schema.optionalKey(Schema.NullOr(schema))
const Parameters = Schema.Record(Schema.String, Schema.Unknown)

/** @since 0.1.0 */
export const OutputTensor = Schema.Struct({
  name: Schema.String,
  datatype: Schema.String,
  shape: Schema.Array(Schema.Number),
  parameters: opt(Parameters),
  data: Schema.optionalKey(Schema.Unknown)
})
/** @since 0.1.0 */
export type OutputTensor = typeof OutputTensor.Type

/** @since 0.1.0 */
export const InferResponse = Schema.Struct({
  model_name: Schema.String,
  model_version: opt(Schema.String),
  id: opt(Schema.String),
  parameters: opt(Parameters),
  outputs: Schema.Array(OutputTensor)
})
/** @since 0.1.0 */
export type InferResponse = typeof InferResponse.Type

const MetadataTensor = Schema.Struct({
  name: Schema.String,
  datatype: Schema.String,
  shape: Schema.Array(Schema.Number)
})

/** @since 0.1.0 */
export const ModelMetadata = Schema.Struct({
  name: Schema.String,
  versions: opt(Schema.Array(Schema.String)),
  platform: opt(Schema.String),
  inputs: opt(Schema.Array(MetadataTensor)),
  outputs: opt(Schema.Array(MetadataTensor)),
  rt_info: opt(Schema.Unknown)
})
/** @since 0.1.0 */
export type ModelMetadata = typeof ModelMetadata.Type

/** @since 0.1.0 */
export const VersionStatus = Schema.Struct({
  version: Schema.Union([Schema.String, Schema.Number]),
  state: opt(Schema.String),
  status: opt(Schema.Struct({
    error_code: opt(Schema.String),
    error_message: opt(Schema.String)
  }))
})

/** `GET /v1/config`: every served model (and DAG) with its versions' states. @since 0.1.0 */
export const ConfigStatus = Schema.Record(
  Schema.String,
  Schema.Struct({ model_version_status: opt(Schema.Array(VersionStatus)) })
)
/** @since 0.1.0 */
export type ConfigStatus = typeof ConfigStatus.Type

/** @since 0.1.0 */
export const RerankReply = Schema.Struct({
  results: Schema.Array(Schema.Struct({
    index: Schema.Number,
    relevance_score: Schema.Number,
    // Cohere nests it as `{text}`; OVMS documents a plain string.
    document: opt(Schema.Union([Schema.String, Schema.Struct({ text: Schema.String })]))
  })),
  usage: opt(Schema.Unknown)
})
/** @since 0.1.0 */
export type RerankReply = typeof RerankReply.Type
