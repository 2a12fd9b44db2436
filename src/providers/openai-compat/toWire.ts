/**
 * Our requests in the chat-completions wire format. Absent fields are
 * omitted, never sent as `null`.
 *
 * @since 0.1.0
 */
import type { ChatRequest } from "../../domain/Chat.ts"
import type { ImagePart, UserPart } from "../../domain/Content.ts"
import type { EmbedRequest } from "../../domain/Embedding.ts"
import type { Message } from "../../domain/Message.ts"
import type { ResponseFormat } from "../../domain/ResponseFormat.ts"
import type { ToolChoice } from "../../domain/Tool.ts"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import type { Dialect } from "./Dialect.ts"

const imageUrl = (part: ImagePart): string =>
  part.source._tag === "ImageUrl" ? part.source.url : `data:${part.source.mediaType};base64,${part.source.data}`

const userContent = (parts: ReadonlyArray<UserPart>) =>
  // A single text part goes as a plain string: every compatible server reads that.
  parts.length === 1 && parts[0]!._tag === "Text"
    ? parts[0]!.text
    : parts.map((part) =>
      part._tag === "Text"
        ? { type: "text", text: part.text }
        : { type: "image_url", image_url: omitUndefined({ url: imageUrl(part), detail: part.detail }) }
    )

const toMessages = (message: Message): Array<Record<string, unknown>> => {
  switch (message.role) {
    case "user":
      return [{ role: "user", content: userContent(message.content) }]
    case "assistant": {
      let text = ""
      const calls: Array<Record<string, unknown>> = []
      for (const part of message.content) {
        if (part._tag === "Text") text += part.text
        else calls.push({ id: part.id, type: "function", function: { name: part.name, arguments: part.arguments } })
      }
      return [omitUndefined({
        role: "assistant",
        content: text.length > 0 ? text : undefined,
        tool_calls: calls.length > 0 ? calls : undefined
      })]
    }
    case "tool":
      return message.content.map((result) => ({ role: "tool", tool_call_id: result.toolCallId, content: result.content }))
  }
}

const toToolChoice = (choice: ToolChoice) =>
  typeof choice === "string" ? choice : { type: "function", function: { name: choice.name } }

const toResponseFormat = (format: ResponseFormat) => {
  switch (format._tag) {
    case "Text":
      return undefined
    case "Json":
      return { type: "json_object" }
    case "JsonSchema":
      return {
        type: "json_schema",
        json_schema: omitUndefined({
          name: format.name,
          description: format.description,
          schema: format.schema,
          strict: format.strict
        })
      }
  }
}

/**
 * The body of `POST /chat/completions`.
 *
 * @since 0.1.0
 */
export const chatBody = (
  request: ChatRequest,
  model: string,
  dialect: Dialect,
  stream: boolean
): Record<string, unknown> => {
  const messages: Array<Record<string, unknown>> = []
  if (request.system !== undefined) messages.push({ role: dialect.systemRole, content: request.system })
  for (const message of request.messages) messages.push(...toMessages(message))
  return omitUndefined({
    model,
    messages,
    tools: request.tools?.map((tool) => ({
      type: "function",
      function: omitUndefined({
        name: tool.name,
        description: tool.description,
        parameters: tool.parameters,
        strict: tool.strict
      })
    })),
    tool_choice: request.toolChoice === undefined ? undefined : toToolChoice(request.toolChoice),
    parallel_tool_calls: request.parallelToolCalls,
    response_format: request.responseFormat === undefined ? undefined : toResponseFormat(request.responseFormat),
    temperature: request.temperature,
    top_p: request.topP,
    top_k: dialect.topK ? request.topK : undefined,
    [dialect.maxTokensField]: request.maxTokens,
    stop: request.stop,
    seed: request.seed,
    presence_penalty: request.presencePenalty,
    frequency_penalty: request.frequencyPenalty,
    user: request.user,
    stream: stream ? true : undefined,
    stream_options: stream && dialect.streamUsage ? { include_usage: true } : undefined
  })
}

/**
 * The body of `POST /embeddings`.
 *
 * @since 0.1.0
 */
export const embedBody = (request: EmbedRequest, model: string, dialect: Dialect): Record<string, unknown> =>
  omitUndefined({
    model,
    input: request.input.length === 1 ? request.input[0] : request.input,
    // OpenAI's SDK asks for base64 by default; we ask for plain floats so
    // every compatible server answers the same shape.
    encoding_format: dialect.embeddingEncodingFormat ? "float" : undefined,
    dimensions: request.dimensions
  })
