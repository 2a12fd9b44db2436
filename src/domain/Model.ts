/**
 * Models a backend offers, as its API lists them (never a hard-coded list).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * One model.
 *
 * @since 0.1.0
 */
export class ModelInfo extends Schema.Class<ModelInfo>("effect-llm-backends/ModelInfo")({
  provider: Schema.String,
  id: Schema.String,
  displayName: Schema.optionalKey(Schema.String),
  ownedBy: Schema.optionalKey(Schema.String),
  /** Unix seconds. */
  created: Schema.optionalKey(Schema.Number),
  contextWindow: Schema.optionalKey(Schema.Int),
  maxOutputTokens: Schema.optionalKey(Schema.Int)
}) {}
