/**
 * What a TGI server says about itself (`GET /info`): the model it serves
 * and its limits.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import type * as Wire from "./Wire.ts"

const Count = Schema.Number

/**
 * @since 0.1.0
 */
export class Info extends Schema.Class<Info>("effect-llm-backends/TgiInfo")({
  modelId: Schema.String,
  modelSha: Schema.optionalKey(Schema.String),
  modelPipelineTag: Schema.optionalKey(Schema.String),
  maxConcurrentRequests: Schema.optionalKey(Count),
  maxBestOf: Schema.optionalKey(Count),
  maxStopSequences: Schema.optionalKey(Count),
  /** Longest prompt, in tokens. */
  maxInputTokens: Schema.optionalKey(Count),
  /** Longest prompt plus generated tokens. */
  maxTotalTokens: Schema.optionalKey(Count),
  maxClientBatchSize: Schema.optionalKey(Count),
  router: Schema.optionalKey(Schema.String),
  version: Schema.optionalKey(Schema.String),
  sha: Schema.optionalKey(Schema.String),
  dockerLabel: Schema.optionalKey(Schema.String)
}) {}

/**
 * Maps the wire body.
 *
 * @since 0.1.0
 */
export const fromWire = (wire: Wire.Info): Info =>
  new Info({
    modelId: wire.model_id,
    ...omitUndefined({
      modelSha: wire.model_sha ?? undefined,
      modelPipelineTag: wire.model_pipeline_tag ?? undefined,
      maxConcurrentRequests: wire.max_concurrent_requests ?? undefined,
      maxBestOf: wire.max_best_of ?? undefined,
      maxStopSequences: wire.max_stop_sequences ?? undefined,
      maxInputTokens: wire.max_input_tokens ?? wire.max_input_length ?? undefined,
      maxTotalTokens: wire.max_total_tokens ?? undefined,
      maxClientBatchSize: wire.max_client_batch_size ?? undefined,
      router: wire.router ?? undefined,
      version: wire.version ?? undefined,
      sha: wire.sha ?? undefined,
      dockerLabel: wire.docker_label ?? undefined
    })
  })
