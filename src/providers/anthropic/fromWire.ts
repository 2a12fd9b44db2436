/**
 * Anthropic Messages API replies as our domain values.
 *
 * @since 0.1.0
 */
import { Result } from "effect"
import { ChatResponse, type FinishReason } from "../../domain/Chat.ts"
import * as Content from "../../domain/Content.ts"
import { ModelInfo } from "../../domain/Model.ts"
import * as Usage from "../../domain/Usage.ts"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import type { Message, ModelPage, WireUsage } from "./Wire.ts"

/**
 * Maps a `stop_reason`.
 *
 * @since 0.1.0
 */
export const finishReason = (raw: string | null | undefined): FinishReason => {
  switch (raw) {
    case "end_turn":
    case "stop_sequence":
      return "stop"
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length"
    case "tool_use":
      return "tool_calls"
    case "refusal":
      return "refusal"
    default:
      // e.g. pause_turn (a server tool paused a long turn): the caller decides.
      return "other"
  }
}

/**
 * Token counts collected from one reply (or from a stream's `message_start`
 * and `message_delta`).
 *
 * @since 0.1.0
 */
export interface Counts {
  input?: number
  output?: number
  cacheCreation?: number
  cacheRead?: number
}

/**
 * Overwrites `counts` with every count `wire` carries. Anthropic's counts are
 * cumulative totals, so a later report replaces an earlier one, never adds.
 *
 * @since 0.1.0
 */
export const absorb = (counts: Counts, wire: WireUsage | null | undefined): Counts => {
  if (wire === null || wire === undefined) return counts
  if (wire.input_tokens != null) counts.input = wire.input_tokens
  if (wire.output_tokens != null) counts.output = wire.output_tokens
  if (wire.cache_creation_input_tokens != null) counts.cacheCreation = wire.cache_creation_input_tokens
  if (wire.cache_read_input_tokens != null) counts.cacheRead = wire.cache_read_input_tokens
  return counts
}

/**
 * Our usage from Anthropic's counts. `input_tokens` excludes tokens written
 * to or read from the prompt cache, so input is the sum of the three and
 * `cachedInputTokens` the cache reads. `undefined` when nothing was reported.
 *
 * @since 0.1.0
 */
export const usage = (counts: Counts): Usage.Usage | undefined => {
  const { cacheCreation, cacheRead, input, output } = counts
  if (input === undefined && output === undefined && cacheCreation === undefined && cacheRead === undefined) {
    return undefined
  }
  return Usage.make({
    inputTokens: (input ?? 0) + (cacheCreation ?? 0) + (cacheRead ?? 0),
    outputTokens: output ?? 0,
    cachedInputTokens: cacheRead
  })
}

/**
 * Whether a content block of this type is known not to be part of the answer
 * (thinking, server-side tool calls and their results). Any other type we do
 * not translate may carry content: skipping it is reported, never silent.
 *
 * @since 0.1.0
 */
export const isNonAnswerBlock = (type: string): boolean =>
  type === "thinking" || type === "redacted_thinking" || type === "server_tool_use" || type === "mcp_tool_use" ||
  type.endsWith("_tool_result")

/**
 * The warning for a skipped block of a type we do not translate.
 *
 * @since 0.1.0
 */
export const skippedWarning = (type: string): string =>
  `a content block of type ${JSON.stringify(type.slice(0, 60))} was skipped: this backend does not translate it; the answer may be incomplete`

/**
 * Context the response carries that the body does not.
 *
 * @since 0.1.0
 */
export interface ReplyContext {
  readonly provider: string
  readonly model: string
  readonly requestId: string
  readonly providerRequestId: string | undefined
}

/**
 * Maps a message. Text and `tool_use` blocks are the answer; `thinking`,
 * `redacted_thinking` and server-side tool blocks are not and are skipped;
 * a block of another type is skipped with a warning.
 * Fails with a description when a `tool_use` block has no id or name.
 *
 * @since 0.1.0
 */
export const chatResponse = (body: Message, context: ReplyContext): Result.Result<ChatResponse, string> => {
  const content: Array<Content.AssistantPart> = []
  const warnings: Array<string> = []
  for (const [index, block] of body.content.entries()) {
    if (block.type === "text") {
      const text = block.text ?? ""
      if (text.length > 0) content.push(Content.text(text))
    } else if (block.type === "tool_use") {
      const id = block.id ?? ""
      const name = block.name ?? ""
      if (id.length === 0 || name.length === 0) return Result.fail(`content.${index}: tool_use block without id or name`)
      content.push(new Content.ToolCallPart({ id, name, arguments: JSON.stringify(block.input ?? {}) }))
    } else if (!isNonAnswerBlock(block.type)) {
      warnings.push(skippedWarning(block.type))
    }
  }
  return Result.succeed(
    new ChatResponse({
      provider: context.provider,
      model: body.model ?? context.model,
      content,
      finishReason: finishReason(body.stop_reason),
      requestId: context.requestId,
      ...omitUndefined({
        id: body.id ?? undefined,
        rawFinishReason: body.stop_reason ?? undefined,
        usage: usage(absorb({}, body.usage)),
        providerRequestId: context.providerRequestId,
        warnings: warnings.length > 0 ? warnings : undefined
      })
    })
  )
}

// RFC 3339 → unix seconds; an unreadable date is left out rather than guessed.
const unixSeconds = (value: string | null | undefined): number | undefined => {
  if (value === null || value === undefined) return undefined
  const millis = Date.parse(value)
  return Number.isNaN(millis) ? undefined : Math.floor(millis / 1000)
}

/**
 * Maps one page of the model list.
 *
 * @since 0.1.0
 */
export const models = (page: ModelPage, provider: string): ReadonlyArray<ModelInfo> =>
  page.data.map((model) =>
    new ModelInfo({
      provider,
      id: model.id,
      ...omitUndefined({ displayName: model.display_name ?? undefined, created: unixSeconds(model.created_at) })
    })
  )
