/**
 * Token usage as the provider reported it.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { omitUndefined } from "../internal/omitUndefined.ts"
import * as Trusted from "../internal/Trusted.ts"

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
}): Usage => {
  const totalTokens = fields.totalTokens ?? fields.inputTokens + fields.outputTokens
  const extra = omitUndefined({ cachedInputTokens: fields.cachedInputTokens, reasoningTokens: fields.reasoningTokens })
  const input = { inputTokens: fields.inputTokens, outputTokens: fields.outputTokens, totalTokens, ...extra }
  // Every response carries usage: counts that are whole and non-negative (all the class
  // checks) are taken as they are; anything else goes to the constructor, which names the field.
  return isCount(input.inputTokens) && isCount(input.outputTokens) && isCount(totalTokens) &&
      (extra.cachedInputTokens === undefined || isCount(extra.cachedInputTokens)) &&
      (extra.reasoningTokens === undefined || isCount(extra.reasoningTokens))
    ? Trusted.make(Usage, input)
    : new Usage(input)
}

const isCount = (n: number) => Number.isSafeInteger(n) && n >= 0
