/**
 * A chat call: what we ask and what comes back.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { CacheHit } from "./CacheHit.ts"
import * as Content from "./Content.ts"
import { Message, nonEmpty } from "./Message.ts"
import { ResponseFormat } from "./ResponseFormat.ts"
import { ToolChoice, ToolDefinition } from "./Tool.ts"
import { Usage } from "./Usage.ts"

const between = (minimum: number, maximum: number) => Schema.Number.check(Schema.isBetween({ minimum, maximum }))
const positiveInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))

/**
 * A provider-neutral chat request. `model` may be left out when the backend
 * was built with a default model.
 *
 * @since 0.1.0
 */
export class ChatRequest extends Schema.Class<ChatRequest>("effect-llm-backends/ChatRequest")({
  model: Schema.optionalKey(Schema.NonEmptyString),
  system: Schema.optionalKey(Schema.String),
  messages: nonEmpty(Message),
  tools: Schema.optionalKey(Schema.Array(ToolDefinition)),
  toolChoice: Schema.optionalKey(ToolChoice),
  parallelToolCalls: Schema.optionalKey(Schema.Boolean),
  responseFormat: Schema.optionalKey(ResponseFormat),
  temperature: Schema.optionalKey(between(0, 2)),
  topP: Schema.optionalKey(between(0, 1)),
  topK: Schema.optionalKey(positiveInt),
  maxTokens: Schema.optionalKey(positiveInt),
  stop: Schema.optionalKey(Schema.Array(Schema.NonEmptyString)),
  seed: Schema.optionalKey(Schema.Int),
  presencePenalty: Schema.optionalKey(between(-2, 2)),
  frequencyPenalty: Schema.optionalKey(between(-2, 2)),
  user: Schema.optionalKey(Schema.String)
}) {}

/**
 * What a caller may pass: a `ChatRequest` or a plain object of the same shape
 * (validated by the backend, failing with `InvalidRequest` naming the field).
 *
 * @since 0.1.0
 */
export type ChatRequestInput = ChatRequest | ConstructorParameters<typeof ChatRequest>[0]

/**
 * Why generation stopped. `rawFinishReason` on the response keeps the
 * provider's own word.
 *
 * @since 0.1.0
 */
export const FinishReason = Schema.Literals(["stop", "length", "tool_calls", "content_filter", "refusal", "other"])

/**
 * @since 0.1.0
 */
export type FinishReason = typeof FinishReason.Type

/**
 * A complete answer.
 *
 * @since 0.1.0
 */
export class ChatResponse extends Schema.Class<ChatResponse>("effect-llm-backends/ChatResponse")({
  provider: Schema.String,
  /** The model that actually answered (providers may resolve aliases). */
  model: Schema.String,
  /** The provider's id for this response. */
  id: Schema.optionalKey(Schema.String),
  content: Schema.Array(Content.AssistantPart),
  /** A refusal message, when the model declined (OpenAI `refusal`). */
  refusal: Schema.optionalKey(Schema.String),
  finishReason: FinishReason,
  rawFinishReason: Schema.optionalKey(Schema.String),
  usage: Schema.optionalKey(Usage),
  /** Our id for the logical call (also sent as a header). */
  requestId: Schema.optionalKey(Schema.String),
  /** The provider's request id header, for support tickets. */
  providerRequestId: Schema.optionalKey(Schema.String),
  /** Present when a response cache served this answer. */
  cache: Schema.optionalKey(CacheHit),
  /**
   * What the decoder had to leave out: a malformed stream event skipped
   * (policy `malformedEvents: "skip"`) or a part of a kind it does not know.
   * When present the answer may have a gap.
   */
  warnings: Schema.optionalKey(Schema.Array(Schema.String))
}) {
  /** All text parts joined. */
  get text(): string {
    let out = ""
    for (const part of this.content) if (part._tag === "Text") out += part.text
    return out
  }

  /** The tool calls, in order. */
  get toolCalls(): ReadonlyArray<Content.ToolCallPart> {
    return this.content.filter((part): part is Content.ToolCallPart => part._tag === "ToolCall")
  }
}
