/**
 * Gemini responses as our domain values: candidates, finish reasons, usage,
 * embeddings and models.
 *
 * @since 0.1.0
 */
import { Result } from "effect"
import { ChatResponse, type FinishReason } from "../../domain/Chat.ts"
import * as Content from "../../domain/Content.ts"
import { ModelInfo } from "../../domain/Model.ts"
import * as Usage from "../../domain/Usage.ts"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import { isWireCount } from "../../internal/WireCount.ts"
import * as LlmError from "../../LlmError.ts"
import type * as Wire from "./Wire.ts"

// Finish reasons that mean a safety or policy system stopped the answer.
const FILTERED = new Set(["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT"])

/**
 * Whether a finish reason is a filter's verdict (the call then fails with
 * `ContentFiltered`, naming it).
 *
 * @since 0.1.0
 */
export const isFiltered = (raw: string): boolean => FILTERED.has(raw)

/**
 * Maps a finish reason; a turn that called functions finished for
 * `tool_calls`, whatever Gemini says (it says `STOP`).
 *
 * @since 0.1.0
 */
export const finishReason = (raw: string | undefined, calledTools: boolean): FinishReason => {
  if (calledTools) return "tool_calls"
  switch (raw) {
    case "STOP":
      return "stop"
    case "MAX_TOKENS":
      return "length"
    default:
      return raw !== undefined && isFiltered(raw) ? "content_filter" : "other"
  }
}

/**
 * The failure for a filtered answer or a blocked prompt.
 *
 * @since 0.1.0
 */
export const filtered = (what: string, raw: string, message: string | null | undefined): LlmError.ContentFiltered =>
  new LlmError.ContentFiltered({
    detail: `${what} (${raw})${message !== null && message !== undefined && message.length > 0 ? `: ${message}` : ""}`
  })

const count = (value: number | null | undefined): number | undefined => isWireCount(value) ? value : undefined

/**
 * Maps `usageMetadata`. Output counts the thinking tokens too (Gemini reports
 * them apart from `candidatesTokenCount` but bills them as output), and they
 * are also given as `reasoningTokens`; input counts the prompt and any tool-use
 * prompt, so input + output = Gemini's `totalTokenCount`.
 *
 * @since 0.1.0
 */
export const usage = (wire: Wire.UsageMetadata | null | undefined): Usage.Usage | undefined => {
  if (wire === null || wire === undefined) return undefined
  const prompt = count(wire.promptTokenCount)
  const candidates = count(wire.candidatesTokenCount)
  const thoughts = count(wire.thoughtsTokenCount)
  const total = count(wire.totalTokenCount)
  if (prompt === undefined && candidates === undefined && total === undefined) return undefined
  const input = (prompt ?? 0) + (count(wire.toolUsePromptTokenCount) ?? 0)
  const output = (candidates ?? 0) + (thoughts ?? 0)
  return Usage.make({
    inputTokens: input,
    outputTokens: output,
    totalTokens: total ?? input + output,
    cachedInputTokens: count(wire.cachedContentTokenCount),
    reasoningTokens: thoughts
  })
}

/**
 * A whole function call as our part. Gemini gives the arguments as an object
 * and usually no id: we synthesize a stable one from the call's position.
 * `undefined` for a call without a name (a streamed piece, see
 * `PartialArgs`).
 *
 * @since 0.1.0
 */
export const toolCall = (call: Wire.FunctionCall, index: number): Content.ToolCallPart | undefined =>
  call.name === null || call.name === undefined || call.name.length === 0 ? undefined : new Content.ToolCallPart({
    id: call.id ?? `call_${index}`,
    name: call.name,
    arguments: JSON.stringify(call.args ?? {})
  })

// Keys of a part that are no content of their own.
const KNOWN = new Set(["text", "thought", "thoughtSignature", "functionCall", "partMetadata"])

/**
 * The kinds of a part we do not translate (e.g. `executableCode`,
 * `inlineData`, kinds newer than this code) when it has no text or call of
 * its own: it may carry content, so skipping it is reported, never silent.
 * `undefined` for a part we read.
 *
 * @since 0.1.0
 */
export const skippedKinds = (part: Wire.Part): string | undefined => {
  const hasText = part.text !== null && part.text !== undefined
  const hasCall = part.functionCall !== null && part.functionCall !== undefined
  if (hasText || hasCall) return undefined
  const kinds = Object.keys(part).filter((key) => !KNOWN.has(key))
  return kinds.length === 0 ? undefined : kinds.join(", ")
}

/**
 * The warning for a skipped part.
 *
 * @since 0.1.0
 */
export const skippedWarning = (kinds: string): string =>
  `a part of kind ${kinds.slice(0, 80)} was skipped: this backend does not translate it; the answer may be incomplete`

/**
 * Answer text of a part (thought summaries are not answer text).
 *
 * @since 0.1.0
 */
export const text = (part: Wire.Part): string | undefined =>
  part.thought === true || part.text === null || part.text === undefined || part.text.length === 0 ? undefined : part.text

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
 * Maps a `generateContent` body: the first candidate, or a typed failure for
 * a blocked prompt, a filtered answer or a body with nothing to read.
 *
 * @since 0.1.0
 */
export const chatResponse = (
  body: Wire.GenerateContentResponse,
  context: ReplyContext
): Result.Result<ChatResponse, LlmError.ContentFiltered | LlmError.InvalidResponse> => {
  const candidate = body.candidates?.[0]
  const blocked = body.promptFeedback?.blockReason
  if (candidate === undefined) {
    return Result.fail(
      blocked !== null && blocked !== undefined
        ? filtered("prompt blocked", blocked, body.promptFeedback?.blockReasonMessage)
        : new LlmError.InvalidResponse({ detail: "response has no candidates" })
    )
  }
  const raw = candidate.finishReason ?? undefined
  if (raw !== undefined && isFiltered(raw)) return Result.fail(filtered("answer filtered", raw, candidate.finishMessage))
  const content: Array<Content.AssistantPart> = []
  const warnings: Array<string> = []
  let calls = 0
  for (const part of candidate.content?.parts ?? []) {
    const said = text(part)
    const last = content[content.length - 1]
    // Gemini may split one answer over several text parts: keep it one part.
    if (said !== undefined && last?._tag === "Text") content[content.length - 1] = Content.text(last.text + said)
    else if (said !== undefined) content.push(Content.text(said))
    if (part.functionCall !== null && part.functionCall !== undefined) {
      const call = toolCall(part.functionCall, calls)
      if (call === undefined) warnings.push("a functionCall without a name was skipped; the answer may be incomplete")
      else {
        content.push(call)
        calls++
      }
    }
    const skipped = skippedKinds(part)
    if (skipped !== undefined) warnings.push(skippedWarning(skipped))
  }
  return Result.succeed(
    new ChatResponse({
      provider: context.provider,
      model: body.modelVersion ?? context.model,
      content,
      finishReason: finishReason(raw, calls > 0),
      requestId: context.requestId,
      ...omitUndefined({
        id: body.responseId ?? undefined,
        rawFinishReason: raw,
        usage: usage(body.usageMetadata),
        providerRequestId: context.providerRequestId,
        warnings: warnings.length > 0 ? warnings : undefined
      })
    })
  )
}

const int = (value: number | null | undefined) =>
  value !== null && value !== undefined && Number.isInteger(value) ? value : undefined

/**
 * Maps model list pages (`name` is `models/<id>`; we list the bare id).
 *
 * @since 0.1.0
 */
export const models = (pages: ReadonlyArray<Wire.ListModelsResponse>, provider: string): ReadonlyArray<ModelInfo> =>
  pages.flatMap((page) => page.models ?? []).map((model) =>
    new ModelInfo({
      provider,
      id: model.name.replace(/^models\//, ""),
      ...omitUndefined({
        displayName: model.displayName ?? undefined,
        contextWindow: int(model.inputTokenLimit),
        maxOutputTokens: int(model.outputTokenLimit)
      })
    })
  )
