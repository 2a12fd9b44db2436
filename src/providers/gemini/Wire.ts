/**
 * Gemini's (Generative Language API v1beta) response bodies, read leniently:
 * fields we do not use are ignored and any field may be absent or `null`.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { isAbsentField as absent, isOptionalField as optional, isPlainObject } from "../../internal/PlainObject.ts"

const opt = <S extends Schema.Top>(schema: S) => Schema.optionalKey(Schema.NullOr(schema))

/** One piece of streamed function-call arguments. @since 0.1.0 */
export const PartialArg = Schema.Struct({
  jsonPath: opt(Schema.String),
  stringValue: opt(Schema.String),
  numberValue: opt(Schema.Number),
  boolValue: opt(Schema.Boolean),
  // `"NULL_VALUE"` in JSON; its presence is the value.
  nullValue: Schema.optionalKey(Schema.Unknown),
  willContinue: opt(Schema.Boolean)
})
/** @since 0.1.0 */
export type PartialArg = typeof PartialArg.Type

/**
 * A function call, whole (`name` and `args`), or one piece of a call whose
 * arguments are streamed (`partialArgs`, `willContinue`; later pieces carry
 * no `name`).
 *
 * @since 0.1.0
 */
export const FunctionCall = Schema.Struct({
  // Only newer models (and the Live API) send an id; we synthesize one otherwise.
  id: opt(Schema.String),
  name: opt(Schema.String),
  args: opt(Schema.Record(Schema.String, Schema.Unknown)),
  partialArgs: opt(Schema.Array(PartialArg)),
  willContinue: opt(Schema.Boolean)
})
/** @since 0.1.0 */
export type FunctionCall = typeof FunctionCall.Type

/**
 * A content part. Kinds we do not translate (code execution, inline data,
 * kinds newer than this code) keep their keys in the rest, so a decoder can
 * say what it skipped.
 *
 * @since 0.1.0
 */
export const Part = Schema.StructWithRest(
  Schema.Struct({
    text: opt(Schema.String),
    // A thought summary (only sent when asked for with includeThoughts): not answer text.
    thought: opt(Schema.Boolean),
    functionCall: opt(FunctionCall)
  }),
  [Schema.Record(Schema.String, Schema.Unknown)]
)
/** @since 0.1.0 */
export type Part = typeof Part.Type

/** @since 0.1.0 */
export const UsageMetadata = Schema.Struct({
  promptTokenCount: opt(Schema.Number),
  candidatesTokenCount: opt(Schema.Number),
  totalTokenCount: opt(Schema.Number),
  cachedContentTokenCount: opt(Schema.Number),
  thoughtsTokenCount: opt(Schema.Number),
  toolUsePromptTokenCount: opt(Schema.Number)
})
/** @since 0.1.0 */
export type UsageMetadata = typeof UsageMetadata.Type

/** @since 0.1.0 */
export const Candidate = Schema.Struct({
  content: opt(Schema.Struct({
    role: opt(Schema.String),
    parts: opt(Schema.Array(Part))
  })),
  finishReason: opt(Schema.String),
  finishMessage: opt(Schema.String),
  index: opt(Schema.Number)
})
/** @since 0.1.0 */
export type Candidate = typeof Candidate.Type

/** @since 0.1.0 */
export const PromptFeedback = Schema.Struct({
  blockReason: opt(Schema.String),
  blockReasonMessage: opt(Schema.String)
})

/** The body of `:generateContent`, and of each `:streamGenerateContent` event. @since 0.1.0 */
export const GenerateContentResponse = Schema.Struct({
  candidates: opt(Schema.Array(Candidate)),
  promptFeedback: opt(PromptFeedback),
  usageMetadata: opt(UsageMetadata),
  modelVersion: opt(Schema.String),
  responseId: opt(Schema.String)
})
/** @since 0.1.0 */
export type GenerateContentResponse = typeof GenerateContentResponse.Type

const ContentEmbedding = Schema.Struct({ values: Schema.Array(Schema.Number) })

/** The body of `:embedContent`. @since 0.1.0 */
export const EmbedContentResponse = Schema.Struct({ embedding: ContentEmbedding })
/** @since 0.1.0 */
export type EmbedContentResponse = typeof EmbedContentResponse.Type

/** The body of `:batchEmbedContents`: one embedding per request, in order. @since 0.1.0 */
export const BatchEmbedContentsResponse = Schema.Struct({ embeddings: Schema.Array(ContentEmbedding) })
/** @since 0.1.0 */
export type BatchEmbedContentsResponse = typeof BatchEmbedContentsResponse.Type

/** One page of `GET /models`. @since 0.1.0 */
export const ListModelsResponse = Schema.Struct({
  models: opt(Schema.Array(Schema.Struct({
    name: Schema.String,
    displayName: opt(Schema.String),
    inputTokenLimit: opt(Schema.Number),
    outputTokenLimit: opt(Schema.Number)
  }))),
  nextPageToken: opt(Schema.String)
})
/** @since 0.1.0 */
export type ListModelsResponse = typeof ListModelsResponse.Type


const usageKeys = ["promptTokenCount", "candidatesTokenCount", "totalTokenCount", "cachedContentTokenCount", "thoughtsTokenCount", "toolUsePromptTokenCount"]
const isUsage = (value: unknown): boolean => isPlainObject(value) && usageKeys.every((key) => optional(value, key, "number"))
// A text part: its text, perhaps `thought`, and no function call (other keys are the part's rest, kept as they are).
const isTextPart = (value: unknown): boolean =>
  isPlainObject(value) && typeof value["text"] === "string" && optional(value, "thought", "boolean") && !Object.hasOwn(value, "functionCall")
const isTextCandidate = (value: unknown): boolean => {
  if (!isPlainObject(value) || !optional(value, "finishReason", "string") || !optional(value, "finishMessage", "string") || !optional(value, "index", "number")) return false
  if (absent(value, "content")) return true
  const content = value["content"]
  if (!isPlainObject(content) || !optional(content, "role", "string")) return false
  if (absent(content, "parts")) return true
  const parts = content["parts"]
  return Array.isArray(parts) && parts.every(isTextPart)
}

/**
 * A stream's common event, checked by hand: a response whose candidates hold
 * only text parts, with no prompt feedback, every field
 * `GenerateContentResponse` names absent, null or of its kind (others are
 * ignored, as the Schema ignores them). One-sided: what it takes, the Schema
 * accepts, and the decoder reads the same from it as from the Schema's
 * output (pinned by a property test); function calls, blocked prompts and
 * anything else go to the Schema.
 *
 * @since 0.1.0
 */
export const isTextFrame = (json: unknown): json is GenerateContentResponse => {
  if (!isPlainObject(json) || !optional(json, "modelVersion", "string") || !optional(json, "responseId", "string")) return false
  if (!absent(json, "promptFeedback")) return false
  if (!absent(json, "usageMetadata") && !isUsage(json["usageMetadata"])) return false
  if (absent(json, "candidates")) return true
  const candidates = json["candidates"]
  return Array.isArray(candidates) && candidates.every(isTextCandidate)
}
