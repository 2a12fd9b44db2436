/**
 * Our `ChatResponse` as effect/ai response parts: response metadata, text,
 * tool calls, and a finish part with usage. A refusal has no part of its own
 * in effect/ai: it finishes as `content-filter` with the refusal text in the
 * finish part's metadata, so it never reads as an answer.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { AiError, type Response } from "effect/ai"
import type { ChatResponse, FinishReason } from "../domain/Chat.ts"
import type { Usage } from "../domain/Usage.ts"
import { metadataKey } from "./ToAiError.ts"

/**
 * Our finish reason in effect/ai's words.
 *
 * @since 0.1.0
 */
export const finishReason = (reason: FinishReason): Response.FinishReason => {
  switch (reason) {
    case "stop":
      return "stop"
    case "length":
      return "length"
    case "tool_calls":
      return "tool-calls"
    case "content_filter":
    case "refusal":
      return "content-filter"
    case "other":
      return "other"
  }
}

/**
 * Our usage in effect/ai's shape. Cached and reasoning tokens are part of
 * input and output (our contract), so the uncached and text shares are what
 * is left; counts the provider did not report stay absent.
 *
 * @since 0.1.0
 */
export const usage = (value: Usage | undefined): typeof Response.Usage.Encoded => {
  if (value === undefined) return { inputTokens: {}, outputTokens: {} }
  const cached = value.cachedInputTokens
  const reasoning = value.reasoningTokens
  return {
    inputTokens: cached === undefined
      ? { total: value.inputTokens }
      : { total: value.inputTokens, cacheRead: cached, uncached: Math.max(0, value.inputTokens - cached) },
    outputTokens: reasoning === undefined
      ? { total: value.outputTokens }
      : { total: value.outputTokens, reasoning, text: Math.max(0, value.outputTokens - reasoning) }
  }
}

/**
 * What the finish part's metadata carries: ids, the provider's own finish
 * word, a refusal message.
 *
 * @since 0.1.0
 */
export interface FinishFacts {
  readonly provider: string
  readonly rawFinishReason?: string | undefined
  readonly refusal?: string | undefined
  readonly requestId?: string | undefined
  readonly providerRequestId?: string | undefined
}

/**
 * The finish part.
 *
 * @since 0.1.0
 */
export const finishPart = (
  reason: FinishReason,
  tokens: Usage | undefined,
  facts: FinishFacts
): Response.FinishPartEncoded => {
  const own: Record<string, string> = { provider: facts.provider, finishReason: reason }
  if (facts.rawFinishReason !== undefined) own["rawFinishReason"] = facts.rawFinishReason
  if (facts.refusal !== undefined) own["refusal"] = facts.refusal
  if (facts.requestId !== undefined) own["requestId"] = facts.requestId
  if (facts.providerRequestId !== undefined) own["providerRequestId"] = facts.providerRequestId
  return { type: "finish", reason: finishReason(reason), usage: usage(tokens), metadata: { [metadataKey]: own } }
}

/**
 * Tool-call arguments as effect/ai wants them: parsed JSON. We keep the
 * model's raw text, which may be invalid JSON; that fails as effect/ai's
 * `InvalidOutputError` (retryable: the model may do better next time). An
 * empty string is a call without arguments.
 *
 * @since 0.1.0
 */
export const parseArguments = (
  name: string,
  text: string,
  method: string
): Effect.Effect<unknown, AiError.AiError> =>
  text.trim().length === 0 ? Effect.succeed({}) : Effect.try({
    try: () => JSON.parse(text) as unknown,
    catch: () =>
      AiError.make({
        module: "EffectAi",
        method,
        reason: new AiError.InvalidOutputError({ description: `the arguments of tool call '${name}' are not valid JSON` })
      })
  })

/**
 * The response metadata part, when the response names an id or a model.
 *
 * @since 0.1.0
 */
export const metadataPart = (
  id: string | undefined,
  model: string | undefined
): ReadonlyArray<Response.ResponseMetadataPartEncoded> => {
  if (id === undefined && model === undefined) return []
  const part: { -readonly [K in keyof Response.ResponseMetadataPartEncoded]: Response.ResponseMetadataPartEncoded[K] } = {
    type: "response-metadata"
  }
  if (id !== undefined) part.id = id
  if (model !== undefined) part.modelId = model
  return [part]
}

/**
 * A complete answer as effect/ai parts, in the order of its content.
 *
 * @since 0.1.0
 */
export const toParts = (
  response: ChatResponse,
  method = "generateText"
): Effect.Effect<Array<Response.PartEncoded>, AiError.AiError> =>
  Effect.map(
    Effect.forEach(response.content, (part): Effect.Effect<Response.PartEncoded, AiError.AiError> =>
      part._tag === "Text"
        ? Effect.succeed({ type: "text", text: part.text })
        : Effect.map(parseArguments(part.name, part.arguments, method), (params) => ({
          type: "tool-call",
          id: part.id,
          name: part.name,
          params,
          providerExecuted: false
        }))),
    (content) => [
      ...metadataPart(response.id, response.model),
      ...content,
      finishPart(response.finishReason, response.usage, {
        provider: response.provider,
        rawFinishReason: response.rawFinishReason,
        refusal: response.refusal,
        requestId: response.requestId,
        providerRequestId: response.providerRequestId
      })
    ]
  )
