/**
 * effect/ai's request (`Prompt`, tools, tool choice, response format) as our
 * `ChatRequest`. What our request cannot say fails with an `AiError`
 * (`InvalidUserInputError` for prompt content, `InvalidRequestError` for
 * tools), never silently dropped. The result is a plain object: the backend
 * validates it like any other input, so a bad value fails there as
 * `InvalidRequest` naming the field.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { AiError, LanguageModel, type Prompt, Tool } from "effect/ai"
import { Base64 } from "effect/encoding"
import type { ChatRequest } from "../domain/Chat.ts"
import type * as Content from "../domain/Content.ts"
import type * as Message from "../domain/Message.ts"
import type * as ToolDomain from "../domain/Tool.ts"
import { omitUndefined } from "../internal/omitUndefined.ts"

// Plain (encoded) shapes: the backend decodes and validates them.
type UserPart = typeof Content.UserPart.Encoded
type AssistantPart = typeof Content.AssistantPart.Encoded
type ToolResultPart = typeof Content.ToolResultPart.Encoded
type MessageEncoded = typeof Message.Message.Encoded
type ToolDefinition = typeof ToolDomain.ToolDefinition.Encoded

/**
 * The chat request as plain data, ready for `backend.chat` / `backend.stream`.
 *
 * @since 0.1.0
 */
export type Request = typeof ChatRequest.Encoded

/**
 * Generation settings effect/ai does not carry per request; they come from
 * the adapter's configuration.
 *
 * @since 0.1.0
 */
export interface Settings {
  readonly model?: string | undefined
  readonly temperature?: number | undefined
  readonly topP?: number | undefined
  readonly topK?: number | undefined
  readonly maxTokens?: number | undefined
  readonly stop?: ReadonlyArray<string> | undefined
  readonly seed?: number | undefined
  readonly presencePenalty?: number | undefined
  readonly frequencyPenalty?: number | undefined
  readonly parallelToolCalls?: boolean | undefined
  readonly user?: string | undefined
}

type Failure = AiError.AiError

const fail = (method: string, reason: AiError.AiErrorReason): Effect.Effect<never, Failure> =>
  Effect.fail(AiError.make({ module: "EffectAi", method, reason }))

const input = (method: string, description: string) =>
  fail(method, new AiError.InvalidUserInputError({ description }))

const image = (method: string, part: Prompt.FilePart): Effect.Effect<UserPart, Failure> => {
  if (!part.mediaType.startsWith("image/")) {
    return input(method, `file of media type '${part.mediaType}' is not supported: only images can be sent`)
  }
  const data = part.data
  const url = (href: string): UserPart => ({ _tag: "Image", source: { _tag: "ImageUrl", url: href } })
  const inline = (base64: string): UserPart => ({
    _tag: "Image",
    source: { _tag: "ImageData", mediaType: part.mediaType, data: base64 }
  })
  if (data instanceof URL) return Effect.succeed(url(data.href))
  if (data instanceof Uint8Array) return Effect.succeed(inline(Base64.encode(data)))
  // A string is a URL (http(s) or data:) or bare base64, as effect/ai documents.
  return Effect.succeed(/^(https?:|data:)/.test(data) ? url(data) : inline(data))
}

const arguments_ = (params: unknown): string => JSON.stringify(params ?? {})

const toolResultText = (method: string, part: Prompt.ToolResultPart): Effect.Effect<string, Failure> => {
  if (part.modelOutput !== undefined) {
    const files = part.modelOutput.filter((p) => p.type === "file")
    if (files.length > 0) return input(method, `tool result '${part.name}' carries files: only text can be sent back`)
    return Effect.succeed(part.modelOutput.map((p) => (p.type === "text" ? p.text : "")).join(""))
  }
  return Effect.succeed(typeof part.result === "string" ? part.result : JSON.stringify(part.result ?? null))
}

const userMessage = (method: string, message: Prompt.UserMessage) =>
  Effect.map(
    Effect.forEach(message.content, (part): Effect.Effect<UserPart, Failure> =>
      part.type === "text" ? Effect.succeed({ _tag: "Text", text: part.text }) : image(method, part)),
    (content): MessageEncoded | undefined => ({ role: "user", content })
  )

const assistantMessage = (method: string, message: Prompt.AssistantMessage) =>
  Effect.map(
    Effect.forEach(message.content, (part): Effect.Effect<ReadonlyArray<AssistantPart>, Failure> => {
      switch (part.type) {
        case "text":
          return Effect.succeed(part.text.length === 0 ? [] : [{ _tag: "Text", text: part.text }])
        case "tool-call":
          return part.providerExecuted
            ? input(method, `provider-executed tool call '${part.name}' cannot be sent to this backend`)
            : Effect.succeed([{ _tag: "ToolCall", id: part.id, name: part.name, arguments: arguments_(part.params) }])
        // Reasoning from another model is not part of what chat APIs take back.
        case "reasoning":
        // Approval requests are effect/ai's own bookkeeping, not conversation.
        case "tool-approval-request":
          return Effect.succeed([])
        case "file":
          return input(method, "files in assistant turns are not supported")
        case "tool-result":
          return input(method, `provider-executed tool result '${part.name}' cannot be sent to this backend`)
      }
    }),
    (parts): MessageEncoded | undefined => {
      const content = parts.flat()
      return content.length === 0 ? undefined : { role: "assistant", content }
    }
  )

const toolMessage = (method: string, message: Prompt.ToolMessage) =>
  Effect.map(
    Effect.forEach(message.content, (part): Effect.Effect<ReadonlyArray<ToolResultPart>, Failure> =>
      part.type === "tool-approval-response"
        ? Effect.succeed([])
        : Effect.map(toolResultText(method, part), (content): ReadonlyArray<ToolResultPart> => [
          part.isFailure
            ? { _tag: "ToolResult", toolCallId: part.id, name: part.name, content, isError: true }
            : { _tag: "ToolResult", toolCallId: part.id, name: part.name, content }
        ])),
    (parts): MessageEncoded | undefined => {
      const content = parts.flat()
      return content.length === 0 ? undefined : { role: "tool", content }
    }
  )

const conversation = (method: string, prompt: Prompt.Prompt) =>
  Effect.gen(function*() {
    const system: Array<string> = []
    const messages: Array<MessageEncoded> = []
    for (const message of prompt.content) {
      if (message.role === "system") {
        // One system prompt, outside the turns (Claude and Gemini carry it so):
        // a system message after the conversation started has no place.
        if (messages.length > 0) {
          return yield* input(method, "a system message after the conversation started is not supported (set supportsSystemMessagesInHistory)")
        }
        system.push(message.content)
        continue
      }
      const mapped = message.role === "user"
        ? yield* userMessage(method, message)
        : message.role === "assistant"
        ? yield* assistantMessage(method, message)
        : yield* toolMessage(method, message)
      if (mapped !== undefined) messages.push(mapped)
    }
    return { system: system.length === 0 ? undefined : system.join("\n\n"), messages }
  })

const toolDefinition = (method: string, tool: Tool.Any): Effect.Effect<ToolDefinition, Failure> => {
  if (Tool.isProviderDefined(tool)) {
    return fail(method, new AiError.ToolConfigurationError({
      toolName: tool.name,
      description: "provider-defined tools are not supported by effect-llm-backends"
    }))
  }
  const description = Tool.getDescription(tool)
  return Effect.map(
    jsonSchemaOf(method, () => Tool.getJsonSchema(tool)),
    (parameters) => (description === undefined ? { name: tool.name, parameters } : { name: tool.name, description, parameters })
  )
}

// Rendering a Schema as JSON Schema throws for schemas it cannot express.
const jsonSchemaOf = (method: string, render: () => unknown): Effect.Effect<ToolDomain.JsonSchema, Failure> =>
  Effect.try({
    try: () => render() as ToolDomain.JsonSchema,
    catch: (cause) =>
      AiError.make({
        module: "EffectAi",
        method,
        reason: new AiError.UnsupportedSchemaError({ description: cause instanceof Error ? cause.message : String(cause) })
      })
  })

const toolChoice = (choice: LanguageModel.ToolChoice<string>): typeof ToolDomain.ToolChoice.Encoded => {
  if (typeof choice === "string") return choice
  if ("tool" in choice) return { _tag: "ForceTool", name: choice.tool }
  // `oneOf` has already narrowed the tools we send.
  return choice.mode === "required" ? "required" : "auto"
}

const responseFormat = (
  method: string,
  format: LanguageModel.ProviderOptions["responseFormat"]
): Effect.Effect<Request["responseFormat"], Failure> => {
  if (format.type === "text") return Effect.succeed(undefined)
  return Effect.map(
    jsonSchemaOf(method, () => LanguageModel.defaultCodecTransformer(format.schema).jsonSchema),
    (schema) => ({ _tag: "JsonSchema", name: format.objectName, schema })
  )
}

/**
 * The chat request for one effect/ai provider call.
 *
 * @since 0.1.0
 */
export const toChatRequest = (
  options: LanguageModel.ProviderOptions,
  settings: Settings,
  method: "generateText" | "streamText"
): Effect.Effect<Request, AiError.AiError> =>
  Effect.gen(function*() {
    const { system, messages } = yield* conversation(method, options.prompt)
    const tools = yield* Effect.forEach(options.tools, (tool) => toolDefinition(method, tool))
    const format = yield* responseFormat(method, options.responseFormat)
    const useTools = tools.length > 0 && options.toolChoice !== "none"
    return omitUndefined({
      ...settings,
      stop: settings.stop === undefined ? undefined : [...settings.stop],
      system,
      messages,
      tools: useTools ? tools : undefined,
      toolChoice: useTools ? toolChoice(options.toolChoice) : undefined,
      parallelToolCalls: useTools ? settings.parallelToolCalls : undefined,
      responseFormat: format
    })
  })
