/**
 * The two hottest wire bodies, a stream chunk (`Wire.ChatCompletionChunk`)
 * and a completion (`Wire.ChatCompletion`), checked by hand. The Schema
 * decoder walks its AST for every value, which was about a third of the
 * per-chunk cost of a long stream. These checks are plain functions of the
 * same rules, and one-sided: when one says yes, the Schema accepts the
 * value too (the tests check that over generated values and every recorded
 * stream). When it says no, the decoder asks the Schema, which gives the
 * same answer as before (and the message) for anything unusual. No field
 * the decoder reads escapes checking: extra fields are only ever ignored,
 * as the Schema's own output ignores them.
 *
 * @since 0.1.0
 */
import { isWireCount } from "../../internal/WireCount.ts"
import type { ChatCompletion, ChatCompletionChunk } from "./Wire.ts"

type Check = (value: unknown) => boolean

// `opt(X)` in the wire schema: absent, null or X. JSON has no `undefined`, so absent reads as it.
const optional = (check: Check): Check => (value) => value === undefined || value === null || check(value)

const isString: Check = (value) => typeof value === "string"
const isNumber: Check = (value) => typeof value === "number"
const optString = optional(isString)
const optNumber = optional(isNumber)

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const arrayOf = (check: Check): Check => (value) => {
  if (!Array.isArray(value)) return false
  for (const item of value) if (!check(item)) return false
  return true
}

// Every check is built once, here: nothing is allocated per chunk.
const optCount = optional(isWireCount)
const optPromptDetails = optional((d) => isRecord(d) && optCount(d.cached_tokens))
const optCompletionDetails = optional((d) => isRecord(d) && optCount(d.reasoning_tokens))
const isUsage: Check = (value) =>
  isRecord(value) && optCount(value.prompt_tokens) && optCount(value.completion_tokens) &&
  optCount(value.total_tokens) && optPromptDetails(value.prompt_tokens_details) &&
  optCompletionDetails(value.completion_tokens_details)

const optFunction = optional((f) => isRecord(f) && optString(f.name) && optString(f.arguments))
const isToolCallPiece: Check = (value) =>
  isRecord(value) && Number.isSafeInteger(value.index) && optString(value.id) && optString(value.type) && optFunction(value.function)

const optToolCalls = optional(arrayOf(isToolCallPiece))
const isDelta: Check = (value) =>
  isRecord(value) && optString(value.role) && optString(value.content) && optString(value.refusal) &&
  optToolCalls(value.tool_calls)

const optDelta = optional(isDelta)
const isChoice: Check = (value) =>
  isRecord(value) && optNumber(value.index) && optDelta(value.delta) && optString(value.finish_reason)

const optChoices = optional(arrayOf(isChoice))
const optUsage = optional(isUsage)
const optGroq = optional((g) => isRecord(g) && optUsage(g.usage))

/**
 * Whether `value` (parsed JSON) is a chunk by the wire schema's rules.
 *
 * @since 0.1.0
 */
export const isChunk = (value: unknown): value is ChatCompletionChunk =>
  isRecord(value) && optString(value.id) && optString(value.model) && optChoices(value.choices) &&
  optUsage(value.usage) && optGroq(value.x_groq)

// A completed tool call names its function (a chunk's piece may not).
const isToolCall: Check = (value) =>
  isRecord(value) && optString(value.id) && optString(value.type) && isRecord(value.function) &&
  isString(value.function.name) && optString(value.function.arguments)

const optToolCallList = optional(arrayOf(isToolCall))
const isMessage: Check = (value) =>
  isRecord(value) && optString(value.role) && optString(value.content) && optString(value.refusal) &&
  optToolCallList(value.tool_calls)

const isCompletionChoice: Check = (value) =>
  isRecord(value) && optNumber(value.index) && isMessage(value.message) && optString(value.finish_reason)

const completionChoices = arrayOf(isCompletionChoice)

/**
 * Whether `value` (parsed JSON) is a completion by the wire schema's rules.
 *
 * @since 0.1.0
 */
export const isCompletion = (value: unknown): value is ChatCompletion =>
  isRecord(value) && optString(value.id) && optString(value.model) && completionChoices(value.choices) &&
  optUsage(value.usage)
