/**
 * Reranking: a query and candidate documents in, the documents' relevance
 * scores out, best first.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { nonEmpty } from "./Message.ts"
import { Usage } from "./Usage.ts"

/**
 * A query and the documents to score against it.
 *
 * @since 0.1.0
 */
export class RerankRequest extends Schema.Class<RerankRequest>("effect-llm-backends/RerankRequest")({
  model: Schema.optionalKey(Schema.NonEmptyString),
  query: Schema.NonEmptyString,
  documents: nonEmpty(Schema.String),
  /** Keep only the best `topN` results. */
  topN: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))),
  /** Put each document's text on its result. */
  returnDocuments: Schema.optionalKey(Schema.Boolean)
}) {}

/**
 * What a caller may pass: a `RerankRequest` or a plain object of that shape.
 *
 * @since 0.1.0
 */
export type RerankRequestInput = RerankRequest | ConstructorParameters<typeof RerankRequest>[0]

/**
 * One document's score. `index` is its position in the request's `documents`.
 *
 * @since 0.1.0
 */
export class RerankResult extends Schema.Class<RerankResult>("effect-llm-backends/RerankResult")({
  index: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  score: Schema.Number,
  document: Schema.optionalKey(Schema.String)
}) {}

/**
 * Results sorted by score, highest first.
 *
 * @since 0.1.0
 */
export class RerankResponse extends Schema.Class<RerankResponse>("effect-llm-backends/RerankResponse")({
  provider: Schema.String,
  model: Schema.optionalKey(Schema.String),
  results: Schema.Array(RerankResult),
  usage: Schema.optionalKey(Usage),
  requestId: Schema.optionalKey(Schema.String),
  providerRequestId: Schema.optionalKey(Schema.String)
}) {}
