/**
 * Our requests as Anthropic Messages API bodies. The system prompt goes in
 * `system`, tool results become user turns of `tool_result` blocks, and
 * consecutive turns of one role are merged (the API wants user and assistant
 * to alternate). What the API cannot express fails with a typed reason
 * instead of being dropped; absent fields are omitted, never `null`.
 *
 * @since 0.1.0
 */
import { Result } from "effect"
import type { ChatRequest } from "../../domain/Chat.ts"
import type { AssistantPart, ImagePart, ToolCallPart, UserPart } from "../../domain/Content.ts"
import type { Message } from "../../domain/Message.ts"
import type { ToolChoice } from "../../domain/Tool.ts"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import * as LlmError from "../../LlmError.ts"

type Block = Record<string, unknown>
type Built<A> = Result.Result<A, LlmError.Reason>

const invalid = (field: string, detail: string) => Result.fail(new LlmError.InvalidRequest({ field, detail }))
const unsupported = (capability: string, detail: string) => Result.fail(new LlmError.Unsupported({ capability, detail }))

const DATA_URL = /^data:(image\/[a-z0-9.+-]+);base64,([A-Za-z0-9+/]+={0,2})$/i

const imageBlock = (part: ImagePart, field: string): Built<Block> => {
  // Anthropic has no per-image detail level; "auto" is what it does anyway.
  if (part.detail !== undefined && part.detail !== "auto") {
    return unsupported("imageDetail", `anthropic has no image detail level (got "${part.detail}" at ${field}.detail)`)
  }
  const source = part.source
  if (source._tag === "ImageData") {
    return Result.succeed({ type: "image", source: { type: "base64", media_type: source.mediaType, data: source.data } })
  }
  if (!source.url.startsWith("data:")) return Result.succeed({ type: "image", source: { type: "url", url: source.url } })
  // Anthropic takes no data: URLs, but the same bytes go as a base64 source.
  const match = DATA_URL.exec(source.url)
  if (match === null) return invalid(`${field}.source.url`, "a data: URL must be base64 image data (data:image/...;base64,...)")
  return Result.succeed({ type: "image", source: { type: "base64", media_type: match[1]!, data: match[2]! } })
}

const userBlocks = (parts: ReadonlyArray<UserPart>, field: string): Built<Array<Block>> =>
  Result.gen(function*() {
    const blocks: Array<Block> = []
    for (const [i, part] of parts.entries()) {
      if (part._tag === "Text") {
        // The API rejects empty text blocks; an empty part says nothing.
        if (part.text.length > 0) blocks.push({ type: "text", text: part.text })
      } else {
        blocks.push(yield* imageBlock(part, `${field}.${i}`))
      }
    }
    return blocks
  })

const toolInput = (call: ToolCallPart, field: string): Built<unknown> => {
  // A call streamed with no argument pieces has empty arguments: no input.
  if (call.arguments.trim().length === 0) return Result.succeed({})
  let input: unknown
  try {
    input = JSON.parse(call.arguments)
  } catch {
    return invalid(field, "tool call arguments must be a JSON object; Anthropic sends tool input as JSON, not text")
  }
  return typeof input === "object" && input !== null && !Array.isArray(input)
    ? Result.succeed(input)
    : invalid(field, "tool call arguments must be a JSON object")
}

const assistantBlocks = (parts: ReadonlyArray<AssistantPart>, field: string): Built<Array<Block>> =>
  Result.gen(function*() {
    const blocks: Array<Block> = []
    for (const [i, part] of parts.entries()) {
      if (part._tag === "Text") {
        if (part.text.length > 0) blocks.push({ type: "text", text: part.text })
      } else {
        const input = yield* toolInput(part, `${field}.${i}.arguments`)
        blocks.push({ type: "tool_use", id: part.id, name: part.name, input })
      }
    }
    return blocks
  })

interface Turn {
  readonly role: "user" | "assistant"
  readonly blocks: Array<Block>
  /** Where the turn started in our messages, for errors. */
  readonly index: number
}

const turnOf = (message: Message, index: number): Built<Turn> => {
  const field = `messages.${index}.content`
  switch (message.role) {
    case "user":
      return Result.map(userBlocks(message.content, field), (blocks) => ({ role: "user", blocks, index }))
    case "assistant":
      return Result.map(assistantBlocks(message.content, field), (blocks) => ({ role: "assistant", blocks, index }))
    case "tool":
      return Result.succeed({
        role: "user",
        blocks: message.content.map((result) =>
          omitUndefined({ type: "tool_result", tool_use_id: result.toolCallId, content: result.content, is_error: result.isError })
        ),
        index
      })
  }
}

/**
 * The `messages` array: our turns as blocks, same-role neighbours merged, a
 * turn that is one text block sent as a plain string.
 *
 * @since 0.1.0
 */
export const messages = (input: ReadonlyArray<Message>): Built<Array<Record<string, unknown>>> =>
  Result.gen(function*() {
    const turns: Array<Turn> = []
    for (const [index, message] of input.entries()) {
      const turn = yield* turnOf(message, index)
      const last = turns[turns.length - 1]
      if (last !== undefined && last.role === turn.role) last.blocks.push(...turn.blocks)
      else turns.push(turn)
    }
    const out: Array<Record<string, unknown>> = []
    for (const turn of turns) {
      if (turn.blocks.length === 0) return yield* invalid(`messages.${turn.index}.content`, "a turn with no content (only empty text)")
      const only = turn.blocks.length === 1 ? turn.blocks[0]! : undefined
      out.push({ role: turn.role, content: only !== undefined && only["type"] === "text" ? only["text"] : turn.blocks })
    }
    return out
  })

const toolChoice = (choice: ToolChoice | undefined, parallel: boolean | undefined, hasTools: boolean) => {
  // Parallel calls are Anthropic's default; turning them off rides on tool_choice.
  const disable = parallel === false && hasTools ? { disable_parallel_tool_use: true } : {}
  if (choice === undefined) return parallel === false && hasTools ? { type: "auto", ...disable } : undefined
  if (typeof choice !== "string") return { type: "tool", name: choice.name, ...disable }
  switch (choice) {
    case "auto":
      return { type: "auto", ...disable }
    case "required":
      return { type: "any", ...disable }
    case "none":
      // No tool is called at all, so there is nothing to run in parallel.
      return { type: "none" }
  }
}

// Request fields the Messages API has no parameter for.
const unsupportedFields = (request: ChatRequest): Built<void> => {
  const format = request.responseFormat
  if (format !== undefined && format._tag !== "Text") {
    return unsupported("responseFormat", "anthropic has no JSON output mode in API version 2023-06-01; use a tool with an input schema")
  }
  if (request.seed !== undefined) return unsupported("seed", "anthropic has no seed parameter")
  if (request.presencePenalty !== undefined) return unsupported("presencePenalty", "anthropic has no presence penalty")
  if (request.frequencyPenalty !== undefined) return unsupported("frequencyPenalty", "anthropic has no frequency penalty")
  if (request.tools?.some((tool) => tool.strict === true)) {
    return unsupported("strictTools", "anthropic has no strict tool schemas in API version 2023-06-01")
  }
  // Our range is OpenAI's 0-2; Anthropic's is 0-1.
  if (request.temperature !== undefined && request.temperature > 1) {
    return invalid("temperature", `anthropic accepts 0 to 1, got ${request.temperature}`)
  }
  return Result.succeed(undefined)
}

/**
 * The body of `POST /messages`. `maxTokens` is the backend's default output
 * budget, used when the request sets none (the API requires `max_tokens`).
 *
 * @since 0.1.0
 */
export const messagesBody = (
  request: ChatRequest,
  model: string,
  maxTokens: number,
  stream: boolean
): Built<Record<string, unknown>> =>
  Result.gen(function*() {
    yield* unsupportedFields(request)
    const turns = yield* messages(request.messages)
    const tools = request.tools
    const hasTools = tools !== undefined && tools.length > 0
    return omitUndefined({
      model,
      max_tokens: request.maxTokens ?? maxTokens,
      system: request.system !== undefined && request.system.length > 0 ? request.system : undefined,
      messages: turns,
      tools: tools?.map((tool) => omitUndefined({ name: tool.name, description: tool.description, input_schema: tool.parameters })),
      tool_choice: toolChoice(request.toolChoice, request.parallelToolCalls, hasTools),
      temperature: request.temperature,
      top_p: request.topP,
      top_k: request.topK,
      stop_sequences: request.stop,
      metadata: request.user === undefined ? undefined : { user_id: request.user },
      stream: stream ? true : undefined
    })
  })
