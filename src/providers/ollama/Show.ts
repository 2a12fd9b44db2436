/**
 * What Ollama knows about one local model (`POST /api/show`): family, size
 * and quantization, its Modelfile parameters and prompt template, its
 * context length and its capabilities (`completion`, `tools`, `vision`,
 * `embedding`, `thinking`, ...).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import type * as Wire from "./Wire.ts"

/**
 * A model's format and size.
 *
 * @since 0.1.0
 */
export class ModelFamily extends Schema.Class<ModelFamily>("effect-llm-backends/OllamaModelFamily")({
  format: Schema.optionalKey(Schema.String),
  family: Schema.optionalKey(Schema.String),
  families: Schema.optionalKey(Schema.Array(Schema.String)),
  /** e.g. `8.0B`. */
  parameterSize: Schema.optionalKey(Schema.String),
  /** e.g. `Q4_K_M`. */
  quantizationLevel: Schema.optionalKey(Schema.String),
  parentModel: Schema.optionalKey(Schema.String)
}) {}

/**
 * One model, described.
 *
 * @since 0.1.0
 */
export class ModelDetails extends Schema.Class<ModelDetails>("effect-llm-backends/OllamaModelDetails")({
  model: Schema.String,
  details: Schema.optionalKey(ModelFamily),
  /** Modelfile parameters as Ollama prints them (`num_ctx 4096\nstop "<|eot_id|>"`). */
  parameters: Schema.optionalKey(Schema.String),
  /** The prompt template. */
  template: Schema.optionalKey(Schema.String),
  /** The system prompt built into the model. */
  system: Schema.optionalKey(Schema.String),
  license: Schema.optionalKey(Schema.String),
  /** From `model_info` (`<architecture>.context_length`), when present. */
  contextLength: Schema.optionalKey(Schema.Int),
  capabilities: Schema.Array(Schema.String),
  modifiedAt: Schema.optionalKey(Schema.String)
}) {
  /** Whether the model lists this capability (e.g. `tools`, `vision`). */
  has(capability: string): boolean {
    return this.capabilities.includes(capability)
  }
}

const text = (value: string | null | undefined) => value === null || value === "" ? undefined : value

// `model_info` keys are prefixed with the architecture (`llama.context_length`).
const contextLength = (info: Readonly<Record<string, unknown>> | null | undefined): number | undefined => {
  if (info === undefined || info === null) return undefined
  const architecture = info["general.architecture"]
  const own = typeof architecture === "string" ? info[`${architecture}.context_length`] : undefined
  const value = own ?? Object.entries(info).find(([key]) => key.endsWith(".context_length"))?.[1]
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined
}

const family = (details: Wire.Details | null | undefined): ModelFamily | undefined =>
  details === undefined || details === null ? undefined : new ModelFamily(omitUndefined({
    format: text(details.format),
    family: text(details.family),
    families: details.families ?? undefined,
    parameterSize: text(details.parameter_size),
    quantizationLevel: text(details.quantization_level),
    parentModel: text(details.parent_model)
  }))

/**
 * Maps a `/api/show` reply for `model`.
 *
 * @since 0.1.0
 */
export const fromWire = (body: Wire.ShowReply, model: string): ModelDetails =>
  new ModelDetails({
    model,
    capabilities: body.capabilities ?? [],
    ...omitUndefined({
      details: family(body.details),
      parameters: text(body.parameters),
      template: text(body.template),
      system: text(body.system),
      license: text(body.license),
      contextLength: contextLength(body.model_info),
      modifiedAt: text(body.modified_at)
    })
  })
