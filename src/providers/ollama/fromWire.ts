/**
 * Ollama replies as our domain values. Token counts come from
 * `prompt_eval_count` (input) and `eval_count` (output), never from counting
 * chunks; tool-call arguments arrive as objects and become JSON text; tool
 * calls without an id get a stable `call_<n>`.
 *
 * @since 0.1.0
 */
import { ChatResponse, type FinishReason } from "../../domain/Chat.ts"
import * as Content from "../../domain/Content.ts"
import { EmbedResponse } from "../../domain/Embedding.ts"
import { ModelInfo } from "../../domain/Model.ts"
import * as Usage from "../../domain/Usage.ts"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import type * as Wire from "./Wire.ts"

/**
 * Maps `done_reason`. Tool calls in the answer win: Ollama says `stop` after
 * a tool call. `load`/`unload` (model housekeeping) and an absent reason
 * (older servers) are `other`.
 *
 * @since 0.1.0
 */
export const finishReason = (raw: string | null | undefined, toolCalls: boolean): FinishReason => {
  if (toolCalls) return "tool_calls"
  switch (raw) {
    case "stop":
      return "stop"
    case "length":
      return "length"
    default:
      return "other"
  }
}

/**
 * Usage from Ollama's counts; `undefined` when the reply has neither.
 * Ollama omits a zero count, so one present count means the other is 0.
 *
 * @since 0.1.0
 */
export const usage = (
  counts: { readonly prompt_eval_count?: number | null; readonly eval_count?: number | null }
): Usage.Usage | undefined => {
  const input = counts.prompt_eval_count ?? undefined
  const output = counts.eval_count ?? undefined
  if (input === undefined && output === undefined) return undefined
  return Usage.make({ inputTokens: input ?? 0, outputTokens: output ?? 0 })
}

/**
 * A tool call's arguments as JSON text. Objects are serialized; a string
 * (what an OpenAI-minded proxy may send) is kept as is; none is `{}`.
 *
 * @since 0.1.0
 */
export const argumentsText = (value: unknown): string =>
  value === undefined || value === null ? "{}" : typeof value === "string" ? value : JSON.stringify(value)

/**
 * The id of the `index`-th tool call of a reply.
 *
 * @since 0.1.0
 */
export const toolCallId = (call: Wire.ToolCall, index: number): string =>
  call.id !== undefined && call.id !== null && call.id.length > 0 ? call.id : `call_${index}`

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
 * Maps a non-streamed `/api/chat` reply; `undefined` when it is not a
 * finished reply (no message, or `done` not true).
 *
 * @since 0.1.0
 */
export const chatResponse = (body: Wire.ChatLine, context: ReplyContext): ChatResponse | undefined => {
  const message = body.message
  if (message === undefined || message === null || body.done !== true) return undefined
  const content: Array<Content.AssistantPart> = []
  const text = message.content ?? ""
  if (text.length > 0) content.push(Content.text(text))
  const calls = message.tool_calls ?? []
  for (const [index, call] of calls.entries()) {
    content.push(
      new Content.ToolCallPart({
        id: toolCallId(call, index),
        name: call.function.name,
        arguments: argumentsText(call.function.arguments)
      })
    )
  }
  return new ChatResponse({
    provider: context.provider,
    model: body.model ?? context.model,
    content,
    finishReason: finishReason(body.done_reason, calls.length > 0),
    requestId: context.requestId,
    ...omitUndefined({
      rawFinishReason: body.done_reason ?? undefined,
      usage: usage(body),
      providerRequestId: context.providerRequestId
    })
  })
}

/**
 * Maps an `/api/embed` reply (vectors come in input order).
 *
 * @since 0.1.0
 */
export const embedResponse = (body: Wire.EmbedReply, context: ReplyContext): EmbedResponse =>
  new EmbedResponse({
    provider: context.provider,
    model: body.model ?? context.model,
    embeddings: body.embeddings,
    requestId: context.requestId,
    ...omitUndefined({
      usage: body.prompt_eval_count == null ? undefined : Usage.make({ inputTokens: body.prompt_eval_count, outputTokens: 0 }),
      providerRequestId: context.providerRequestId
    })
  })

const seconds = (iso: string | null | undefined): number | undefined => {
  if (iso === undefined || iso === null) return undefined
  const ms = Date.parse(iso)
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000)
}

const label = (details: Wire.Details | null | undefined): string | undefined => {
  if (details === undefined || details === null) return undefined
  const parts = [details.family, details.parameter_size, details.quantization_level].filter(
    (part): part is string => typeof part === "string" && part.length > 0
  )
  return parts.length === 0 ? undefined : parts.join(" ")
}

/**
 * Maps `/api/tags`: `id` is the name to ask for (`llama3.2:latest`),
 * `created` the last modification (Unix seconds), `displayName` the family,
 * size and quantization (e.g. `llama 3.2B Q4_K_M`).
 *
 * @since 0.1.0
 */
export const models = (body: Wire.TagsReply, provider: string): ReadonlyArray<ModelInfo> =>
  body.models.map((model) =>
    new ModelInfo({
      provider,
      id: model.name,
      ...omitUndefined({ displayName: label(model.details), created: seconds(model.modified_at) })
    })
  )
