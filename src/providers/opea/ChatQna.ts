/**
 * The ChatQnA megaservice's request (`POST /v1/chatqna`, GenAIComps
 * `ChatCompletionRequest`): a conversation or one plain question, plus the
 * generation settings the gateway forwards to its LLM.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import type * as Content from "../../domain/Content.ts"
import { Message, nonEmpty } from "../../domain/Message.ts"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import * as LlmError from "../../LlmError.ts"
import * as Validate from "../../pipeline/Validate.ts"

const between = (minimum: number, maximum: number) => Schema.Number.check(Schema.isBetween({ minimum, maximum }))
const positiveInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))

/**
 * A ChatQnA question: `messages` is a conversation or one plain string.
 *
 * @since 0.1.0
 */
export class ChatQnaRequest extends Schema.Class<ChatQnaRequest>("effect-llm-backends/ChatQnaRequest")({
  messages: Schema.Union([Schema.NonEmptyString, nonEmpty(Message)]),
  system: Schema.optionalKey(Schema.String),
  model: Schema.optionalKey(Schema.NonEmptyString),
  maxTokens: Schema.optionalKey(positiveInt),
  temperature: Schema.optionalKey(between(0, 2)),
  topP: Schema.optionalKey(between(0, 1)),
  topK: Schema.optionalKey(positiveInt),
  stop: Schema.optionalKey(Schema.Array(Schema.NonEmptyString)),
  presencePenalty: Schema.optionalKey(between(-2, 2)),
  frequencyPenalty: Schema.optionalKey(between(-2, 2)),
  repetitionPenalty: Schema.optionalKey(Schema.Number.check(Schema.isGreaterThanOrEqualTo(0)))
}) {}

/**
 * What a caller may pass: a question as text, a `ChatQnaRequest`, or a plain
 * object of that shape.
 *
 * @since 0.1.0
 */
export type ChatQnaRequestInput = string | ChatQnaRequest | ConstructorParameters<typeof ChatQnaRequest>[0]

const decode = Schema.decodeUnknownEffect(ChatQnaRequest)

/**
 * Validates a request, failing with `InvalidRequest` naming the field.
 *
 * @since 0.1.0
 */
export const validate = (provider: string, input: ChatQnaRequestInput): Effect.Effect<ChatQnaRequest, LlmError.LlmError> => {
  if (input instanceof ChatQnaRequest) return Effect.succeed(input)
  const value = typeof input === "string" ? { messages: input } : input
  return Effect.mapError(decode(value), (error) => Validate.invalid(provider, undefined, error))
}

const unsupported = (capability: string, detail: string) => new LlmError.Unsupported({ capability, detail })

const imageUrl = (part: Content.ImagePart): string =>
  part.source._tag === "ImageUrl" ? part.source.url : `data:${part.source.mediaType};base64,${part.source.data}`

// ChatQnA builds its prompt from role/content pairs (and image_url parts for
// its multimodal variant); it has no tool calling, so tool turns are refused.
const turn = (message: Message): Record<string, unknown> | LlmError.Unsupported => {
  switch (message.role) {
    case "user": {
      const parts = message.content
      if (parts.length === 1 && parts[0]!._tag === "Text") return { role: "user", content: parts[0]!.text }
      return {
        role: "user",
        content: parts.map((part) =>
          part._tag === "Text" ? { type: "text", text: part.text } : { type: "image_url", image_url: { url: imageUrl(part) } }
        )
      }
    }
    case "assistant": {
      let text = ""
      for (const part of message.content) {
        if (part._tag !== "Text") return unsupported("tools", "ChatQnA has no tool calls; send the conversation as text")
        text += part.text
      }
      return { role: "assistant", content: text }
    }
    case "tool":
      return unsupported("tools", "ChatQnA has no tool results; send the conversation as text")
  }
}

const messagesOf = (request: ChatQnaRequest): unknown | LlmError.Unsupported => {
  const { messages, system } = request
  if (typeof messages === "string") {
    return system === undefined ? messages : [{ role: "system", content: system }, { role: "user", content: messages }]
  }
  const out: Array<Record<string, unknown>> = system === undefined ? [] : [{ role: "system", content: system }]
  for (const message of messages) {
    const mapped = turn(message)
    if (mapped instanceof LlmError.Unsupported) return mapped
    out.push(mapped)
  }
  return out
}

/**
 * The body of `POST /v1/chatqna`. `stream` is always sent: the gateway
 * streams when it is absent, which is how the predecessor got SSE back for
 * calls it then parsed as JSON.
 *
 * @since 0.1.0
 */
export const body = (request: ChatQnaRequest, model: string | undefined, stream: boolean): Effect.Effect<Record<string, unknown>, LlmError.Unsupported> => {
  const messages = messagesOf(request)
  if (messages instanceof LlmError.Unsupported) return Effect.fail(messages)
  return Effect.succeed(omitUndefined({
    model,
    messages,
    max_tokens: request.maxTokens,
    temperature: request.temperature,
    top_p: request.topP,
    top_k: request.topK,
    stop: request.stop,
    presence_penalty: request.presencePenalty,
    frequency_penalty: request.frequencyPenalty,
    repetition_penalty: request.repetitionPenalty,
    stream
  }))
}
