/**
 * Embeddings: text in, vectors out, in input order.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { nonEmpty } from "./Message.ts"
import { Usage } from "./Usage.ts"

/**
 * One or more texts to embed.
 *
 * @since 0.1.0
 */
export class EmbedRequest extends Schema.Class<EmbedRequest>("effect-llm-backends/EmbedRequest")({
  model: Schema.optionalKey(Schema.NonEmptyString),
  input: nonEmpty(Schema.String),
  dimensions: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)))
}) {}

/**
 * What a caller may pass: an `EmbedRequest`, a plain object of that shape, or
 * just the text(s).
 *
 * @since 0.1.0
 */
export type EmbedRequestInput =
  | EmbedRequest
  | ConstructorParameters<typeof EmbedRequest>[0]
  | string
  | ReadonlyArray<string>

/**
 * Vectors in the order of the inputs.
 *
 * @since 0.1.0
 */
export class EmbedResponse extends Schema.Class<EmbedResponse>("effect-llm-backends/EmbedResponse")({
  provider: Schema.String,
  model: Schema.String,
  embeddings: Schema.Array(Schema.Array(Schema.Number)),
  usage: Schema.optionalKey(Usage),
  requestId: Schema.optionalKey(Schema.String),
  providerRequestId: Schema.optionalKey(Schema.String)
}) {}
