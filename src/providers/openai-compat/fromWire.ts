/**
 * Chat-completions responses as our domain values.
 *
 * @since 0.1.0
 */
import { ChatResponse, type FinishReason } from "../../domain/Chat.ts"
import * as Content from "../../domain/Content.ts"
import { EmbedResponse } from "../../domain/Embedding.ts"
import { ModelInfo } from "../../domain/Model.ts"
import * as Usage from "../../domain/Usage.ts"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import * as Trusted from "../../internal/Trusted.ts"
import type { ChatCompletion, EmbeddingList, ModelList, WireUsage } from "./Wire.ts"

/**
 * Maps a wire finish reason. TGI and llama.cpp-style servers say `eos_token`
 * or `eos` where OpenAI says `stop`.
 *
 * @since 0.1.0
 */
export const finishReason = (raw: string | null | undefined): FinishReason => {
  switch (raw) {
    case "stop":
    case "eos":
    case "eos_token":
    case "stop_sequence":
    case "end_turn":
      return "stop"
    case "length":
    case "max_tokens":
      return "length"
    case "tool_calls":
    case "function_call":
      return "tool_calls"
    case "content_filter":
      return "content_filter"
    case "refusal":
      return "refusal"
    default:
      return "other"
  }
}

/**
 * Maps wire usage; `undefined` when the server reported no counts.
 *
 * @since 0.1.0
 */
export const usage = (wire: WireUsage | null | undefined): Usage.Usage | undefined => {
  if (wire === null || wire === undefined) return undefined
  const input = wire.prompt_tokens ?? undefined
  const output = wire.completion_tokens ?? undefined
  if (input === undefined && output === undefined && wire.total_tokens == null) return undefined
  return Usage.make({
    inputTokens: input ?? 0,
    outputTokens: output ?? 0,
    totalTokens: wire.total_tokens ?? undefined,
    cachedInputTokens: wire.prompt_tokens_details?.cached_tokens ?? undefined,
    reasoningTokens: wire.completion_tokens_details?.reasoning_tokens ?? undefined
  })
}

/**
 * A text field's value, or `undefined` when absent, `null` or empty (Azure's
 * first stream chunk carries `model: ""` and `id: ""`).
 *
 * @since 0.1.0
 */
export const present = (value: string | null | undefined): string | undefined =>
  value === null || value === undefined || value.length === 0 ? undefined : value

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
 * Maps a chat completion; `undefined` when it has no choice to read.
 *
 * @since 0.1.0
 */
export const chatResponse = (body: ChatCompletion, context: ReplyContext): ChatResponse | undefined => {
  const choice = body.choices[0]
  if (choice === undefined) return undefined
  const content: Array<Content.AssistantPart> = []
  const text = choice.message.content
  // Built without a second parse: the body was just decoded by `Wire.ChatCompletion`,
  // and every field below is a decoded string, a mapped literal or an instance.
  if (text !== null && text !== undefined && text.length > 0) content.push(Trusted.tagged(Content.TextPart, "Text", { text }))
  for (const [index, call] of (choice.message.tool_calls ?? []).entries()) {
    content.push(
      new Content.ToolCallPart({
        id: call.id ?? `call_${index}`,
        name: call.function.name,
        arguments: call.function.arguments ?? ""
      })
    )
  }
  return Trusted.make(ChatResponse, {
    provider: context.provider,
    model: present(body.model) ?? context.model,
    content,
    finishReason: finishReason(choice.finish_reason),
    requestId: context.requestId,
    ...omitUndefined({
      id: present(body.id),
      refusal: choice.message.refusal ?? undefined,
      rawFinishReason: choice.finish_reason ?? undefined,
      usage: usage(body.usage),
      providerRequestId: context.providerRequestId
    })
  })
}

/**
 * Maps an embedding list, restoring input order from `index`.
 *
 * @since 0.1.0
 */
export const embedResponse = (body: EmbeddingList, context: ReplyContext): EmbedResponse =>
  new EmbedResponse({
    provider: context.provider,
    model: present(body.model) ?? context.model,
    embeddings: [...body.data].sort((a, b) => a.index - b.index).map((item) => item.embedding),
    requestId: context.requestId,
    ...omitUndefined({ usage: usage(body.usage), providerRequestId: context.providerRequestId })
  })

/**
 * Maps a model list.
 *
 * @since 0.1.0
 */
export const models = (body: ModelList, provider: string): ReadonlyArray<ModelInfo> =>
  body.data.map((model) =>
    new ModelInfo({
      provider,
      id: model.id,
      ...omitUndefined({ ownedBy: model.owned_by ?? undefined, created: model.created ?? undefined })
    })
  )
