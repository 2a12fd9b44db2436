/**
 * Conversation turns. The system prompt is not a message: it is
 * `ChatRequest.system`, because Claude and Gemini carry it outside the turns.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import * as Content from "./Content.ts"

// Arrays that must not be empty: checked as a length, so an empty array is
// reported at the array itself (e.g. `messages`), not at a missing `[0]`.
export const nonEmpty = <S extends Schema.Top>(item: S) => Schema.Array(item).check(Schema.isMinLength(1))

/**
 * A user turn.
 *
 * @since 0.1.0
 */
export class UserMessage extends Schema.Class<UserMessage>("effect-llm-backends/UserMessage")({
  role: Schema.tag("user"),
  content: nonEmpty(Content.UserPart)
}) {}

/**
 * An assistant turn from earlier in the conversation: text and/or tool calls.
 *
 * @since 0.1.0
 */
export class AssistantMessage extends Schema.Class<AssistantMessage>("effect-llm-backends/AssistantMessage")({
  role: Schema.tag("assistant"),
  content: nonEmpty(Content.AssistantPart)
}) {}

/**
 * Tool results answering the tool calls of the previous assistant turn.
 *
 * @since 0.1.0
 */
export class ToolMessage extends Schema.Class<ToolMessage>("effect-llm-backends/ToolMessage")({
  role: Schema.tag("tool"),
  content: nonEmpty(Content.ToolResultPart)
}) {}

/**
 * Any turn of a conversation.
 *
 * @since 0.1.0
 */
export const Message = Schema.Union([UserMessage, AssistantMessage, ToolMessage])

/**
 * @since 0.1.0
 */
export type Message = typeof Message.Type

// Class constructors validate, so an empty array throws a SchemaError naming
// `content`; pass plain objects to a backend to get a typed error instead.
const toParts = <P>(content: string | ReadonlyArray<P>, text: (s: string) => P): ReadonlyArray<P> =>
  typeof content === "string" ? [text(content)] : content

/**
 * A user turn from text or parts.
 *
 * @example
 * ```ts
 * import { Content, Message } from "effect-llm-backends"
 * Message.user("What is in this picture?")
 * Message.user([Content.text("Describe:"), Content.imageUrl("https://example.com/cat.png")])
 * ```
 *
 * @since 0.1.0
 */
export const user = (content: string | ReadonlyArray<Content.UserPart>): UserMessage =>
  new UserMessage({ content: toParts(content, Content.text) })

/**
 * An assistant turn from text or parts (text and tool calls).
 *
 * @since 0.1.0
 */
export const assistant = (content: string | ReadonlyArray<Content.AssistantPart>): AssistantMessage =>
  new AssistantMessage({ content: toParts(content, Content.text) })

/**
 * A tool turn carrying one or more results.
 *
 * @since 0.1.0
 */
export const tool = (results: ReadonlyArray<Content.ToolResultPart>): ToolMessage =>
  new ToolMessage({ content: results })
