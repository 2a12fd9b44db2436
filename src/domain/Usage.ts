/**
 * Token usage as the provider reported it.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { omitUndefined } from "../internal/omitUndefined.ts"

const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/**
 * Tokens in and out of one call. `cachedInputTokens` and `reasoningTokens`
 * are present only where the provider reports them (they are part of, not in
 * addition to, input and output).
 *
 * @since 0.1.0
 */
export class Usage extends Schema.Class<Usage>("effect-llm-backends/Usage")({
  inputTokens: Count,
  outputTokens: Count,
  totalTokens: Count,
  cachedInputTokens: Schema.optionalKey(Count),
  reasoningTokens: Schema.optionalKey(Count)
}) {}

/**
 * Builds usage from input and output counts; total defaults to their sum.
 *
 * @since 0.1.0
 */
export const make = (fields: {
  readonly inputTokens: number
  readonly outputTokens: number
  readonly totalTokens?: number | undefined
  readonly cachedInputTokens?: number | undefined
  readonly reasoningTokens?: number | undefined
}): Usage =>
  new Usage({
    inputTokens: fields.inputTokens,
    outputTokens: fields.outputTokens,
    totalTokens: fields.totalTokens ?? fields.inputTokens + fields.outputTokens,
    ...omitUndefined({ cachedInputTokens: fields.cachedInputTokens, reasoningTokens: fields.reasoningTokens })
  })
