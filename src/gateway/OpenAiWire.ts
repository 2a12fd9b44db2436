/**
 * The gateway's side of the OpenAI wire: what an OpenAI client sends us
 * becomes our domain request, and our answers, stream chunks and errors
 * become what it expects to read. The reverse of the OpenAI backend's
 * translation. Fields whose meaning we cannot honour (`n > 1`, `logprobs`)
 * are refused naming the field; unknown fields are ignored, as OpenAI adds
 * fields often and clients send them.
 *
 * @since 0.1.0
 */
import { Duration, Effect, Schema, SchemaIssue } from "effect"
import { ChatRequest, type ChatResponse } from "../domain/Chat.ts"
import type * as ChatChunk from "../domain/ChatChunk.ts"
import * as Content from "../domain/Content.ts"
import type { EmbedResponse } from "../domain/Embedding.ts"
import * as Message from "../domain/Message.ts"
import type { ModelInfo } from "../domain/Model.ts"
import * as ResponseFormat from "../domain/ResponseFormat.ts"
import * as Tool from "../domain/Tool.ts"
import * as Trusted from "../internal/Trusted.ts"
import { isPlainObject } from "../internal/PlainObject.ts"
import * as LlmError from "../LlmError.ts"
import * as Validate from "../pipeline/Validate.ts"

const TextPart = Schema.Struct({ type: Schema.Literal("text"), text: Schema.String })
const ImagePart = Schema.Struct({
  type: Schema.Literal("image_url"),
  image_url: Schema.Struct({ url: Schema.String, detail: Schema.optionalKey(Schema.Literals(["auto", "low", "high"])) })
})
const ToolCall = Schema.Struct({
  id: Schema.String,
  type: Schema.optionalKey(Schema.Literal("function")),
  function: Schema.Struct({ name: Schema.String, arguments: Schema.String })
})
const TextContent = Schema.Union([Schema.String, Schema.Array(TextPart)])

const WireMessage = Schema.Union([
  Schema.Struct({ role: Schema.Literals(["system", "developer"]), content: TextContent }),
  Schema.Struct({ role: Schema.Literal("user"), content: Schema.Union([Schema.String, Schema.Array(Schema.Union([TextPart, ImagePart]))]) }),
  Schema.Struct({
    role: Schema.Literal("assistant"),
    content: Schema.optionalKey(Schema.NullOr(TextContent)),
    tool_calls: Schema.optionalKey(Schema.Array(ToolCall))
  }),
  Schema.Struct({ role: Schema.Literal("tool"), tool_call_id: Schema.String, content: TextContent })
])

/**
 * A chat completion request as OpenAI clients send it (the fields we read).
 *
 * @since 0.1.0
 */
export const ChatCompletionRequest = Schema.Struct({
  model: Schema.String,
  messages: Schema.Array(WireMessage),
  stream: Schema.optionalKey(Schema.NullOr(Schema.Boolean)),
  stream_options: Schema.optionalKey(Schema.NullOr(Schema.Struct({ include_usage: Schema.optionalKey(Schema.Boolean) }))),
  tools: Schema.optionalKey(Schema.Array(Schema.Struct({
    type: Schema.Literal("function"),
    function: Schema.Struct({
      name: Schema.String,
      description: Schema.optionalKey(Schema.String),
      parameters: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown)),
      strict: Schema.optionalKey(Schema.NullOr(Schema.Boolean))
    })
  }))),
  tool_choice: Schema.optionalKey(Schema.Union([
    Schema.Literals(["auto", "none", "required"]),
    Schema.Struct({ type: Schema.Literal("function"), function: Schema.Struct({ name: Schema.String }) })
  ])),
  parallel_tool_calls: Schema.optionalKey(Schema.Boolean),
  response_format: Schema.optionalKey(Schema.Union([
    Schema.Struct({ type: Schema.Literal("text") }),
    Schema.Struct({ type: Schema.Literal("json_object") }),
    Schema.Struct({
      type: Schema.Literal("json_schema"),
      json_schema: Schema.Struct({
        name: Schema.String,
        description: Schema.optionalKey(Schema.String),
        schema: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown)),
        strict: Schema.optionalKey(Schema.NullOr(Schema.Boolean))
      })
    })
  ])),
  temperature: Schema.optionalKey(Schema.NullOr(Schema.Number)),
  top_p: Schema.optionalKey(Schema.NullOr(Schema.Number)),
  max_tokens: Schema.optionalKey(Schema.NullOr(Schema.Number)),
  max_completion_tokens: Schema.optionalKey(Schema.NullOr(Schema.Number)),
  stop: Schema.optionalKey(Schema.NullOr(Schema.Union([Schema.String, Schema.Array(Schema.String)]))),
  seed: Schema.optionalKey(Schema.NullOr(Schema.Number)),
  presence_penalty: Schema.optionalKey(Schema.NullOr(Schema.Number)),
  frequency_penalty: Schema.optionalKey(Schema.NullOr(Schema.Number)),
  user: Schema.optionalKey(Schema.String),
  n: Schema.optionalKey(Schema.NullOr(Schema.Number)),
  logprobs: Schema.optionalKey(Schema.NullOr(Schema.Boolean))
})

/**
 * @since 0.1.0
 */
export type ChatCompletionRequest = typeof ChatCompletionRequest.Type

/**
 * An embeddings request as OpenAI clients send it.
 *
 * @since 0.1.0
 */
export const EmbeddingsRequest = Schema.Struct({
  model: Schema.String,
  input: Schema.Union([Schema.String, Schema.Array(Schema.String)]),
  dimensions: Schema.optionalKey(Schema.Number),
  encoding_format: Schema.optionalKey(Schema.Literals(["float", "base64"])),
  user: Schema.optionalKey(Schema.String)
})

const decodeEmbeddings = Schema.decodeUnknownEffect(EmbeddingsRequest)

const invalid = (field: string, detail: string) =>
  LlmError.make("gateway", new LlmError.InvalidRequest({ field, detail }))

const textOf = (content: typeof TextContent.Type): string =>
  typeof content === "string" ? content : content.map((part) => part.text).join("")

const image = (url: string, detail: Content.ImageDetail | undefined): Content.ImagePart => {
  const data = /^data:(image\/[a-z0-9.+-]+);base64,(.*)$/i.exec(url)
  return data === null ? Content.imageUrl(url, detail) : Content.imageData(data[2]!, data[1]!.toLowerCase(), detail)
}

// The domain classes validate when constructed and throw. A value the wire
// schema lets through but the domain refuses (an empty content array, a tool
// name with a space, a data: URL that is not base64) is the client's error,
// named by its wire field: `at` exactly, or `at` followed by the domain path
// where the two agree. (Synchronous: the translation is one plain step.)
const construct = <A>(at: string, make: () => A, exact = false): A | LlmError.LlmError => {
  try {
    return make()
  } catch (cause) {
    const issue = cause instanceof Error ? cause.cause : undefined
    if (!SchemaIssue.isIssue(issue)) return invalid(at, "invalid value")
    const error = Validate.invalid("gateway", at, new Schema.SchemaError(issue))
    return exact && error.reason._tag === "InvalidRequest" ? invalid(at, error.reason.detail ?? "invalid value") : error
  }
}

// Our request's field names as the client sent them, for errors the whole
// request's check finds (ranges of the sampling settings, an empty conversation).
const wireName: Readonly<Record<string, string>> = {
  system: "messages",
  toolChoice: "tool_choice",
  parallelToolCalls: "parallel_tool_calls",
  responseFormat: "response_format",
  topP: "top_p",
  presencePenalty: "presence_penalty",
  frequencyPenalty: "frequency_penalty"
}

const present = <A>(value: A | null | undefined): value is A => value !== null && value !== undefined

/**
 * What a chat completion request asks for: our request (validated by the
 * backend it goes to), and how to answer (stream, usage chunk).
 *
 * @since 0.1.0
 */
export interface ChatCall {
  readonly request: ChatRequest
  readonly stream: boolean
  readonly includeUsage: boolean
  readonly model: string
}

// A text message is a text part in a message: both fields are a string the
// wire schema checked and a one-part array, which is all the classes ask,
// so they are built without parsing them again (`Trusted`).
const textPart = (text: string) => Trusted.tagged(Content.TextPart, "Text", { text })
const userText = (text: string) => Trusted.make(Message.UserMessage, { role: "user", content: [textPart(text)] })

// The common request, checked by hand: a plain object whose known fields are
// the scalar settings (numbers, booleans, strings or null, as the Schema
// types them) and whose messages are system, developer, user or assistant
// messages with string content. The check is one-sided: whatever it accepts,
// the Schema accepts and decodes to the fields the translation reads
// (unknown fields are ignored by both; pinned by a property test). Anything
// else (tools, content parts, tool messages, a response format) goes to the
// Schema, which names the field.
const numberOrNull = (value: unknown) => value === null || typeof value === "number"
const booleanOrNull = (value: unknown) => value === null || typeof value === "boolean"
const plainField: Readonly<Record<string, (value: unknown) => boolean>> = {
  model: (value) => typeof value === "string",
  stream: booleanOrNull,
  stream_options: (value) =>
    value === null || (isPlainObject(value) && (!Object.hasOwn(value, "include_usage") || typeof value["include_usage"] === "boolean")),
  temperature: numberOrNull,
  top_p: numberOrNull,
  max_tokens: numberOrNull,
  max_completion_tokens: numberOrNull,
  seed: numberOrNull,
  presence_penalty: numberOrNull,
  frequency_penalty: numberOrNull,
  n: numberOrNull,
  logprobs: booleanOrNull,
  user: (value) => typeof value === "string",
  stop: (value) => value === null || typeof value === "string" || (Array.isArray(value) && value.every((s) => typeof s === "string")),
  messages: (value) => Array.isArray(value) && value.every(isPlainMessage)
}
const isPlainMessage = (value: unknown) =>
  isPlainObject(value) && typeof value["content"] === "string" && (
    value["role"] === "user" || value["role"] === "system" || value["role"] === "developer" ||
    (value["role"] === "assistant" && !Object.hasOwn(value, "tool_calls"))
  )
const wireFields: ReadonlySet<string> = new Set(Object.keys(ChatCompletionRequest.fields))

/**
 * Whether `body` is the common request the hand check takes (exported for its property test).
 *
 * @since 0.1.0
 */
export const isPlainChatRequest = (body: unknown): body is ChatCompletionRequest => {
  if (!isPlainObject(body) || !Object.hasOwn(body, "model") || !Object.hasOwn(body, "messages")) return false
  for (const key in body) {
    if (!Object.hasOwn(body, key)) return false
    const check = Object.hasOwn(plainField, key) ? plainField[key] : undefined
    if (check === undefined) {
      // A known field of another shape (tools, formats) is the Schema's; an unknown one is ignored.
      if (wireFields.has(key)) return false
    } else if (!check(body[key])) return false
  }
  return true
}

/**
 * Reads a decoded chat completion request (the Schema's, or one the hand check took).
 *
 * @since 0.1.0
 */
export const fromWireRequest = (wire: ChatCompletionRequest): ChatCall | LlmError.LlmError => {
  if (present(wire.n) && wire.n !== 1) return invalid("n", "only n = 1 is supported")
  if (wire.logprobs === true) return invalid("logprobs", "log probabilities are not supported")
  const system: Array<string> = []
  const messages: Array<Message.Message> = []
  for (let i = 0; i < wire.messages.length; i++) {
    const m = wire.messages[i]!
    switch (m.role) {
      case "system":
      case "developer":
        if (messages.length > 0) return invalid(`messages.${i}.role`, "system messages must come before the conversation")
        system.push(textOf(m.content))
        break
      case "user": {
        if (typeof m.content === "string") {
          messages.push(userText(m.content))
          break
        }
        const content: Array<Content.UserPart> = []
        for (let j = 0; j < m.content.length; j++) {
          const part = m.content[j]!
          if (part.type === "text") content.push(textPart(part.text))
          else {
            const made = construct(`messages.${i}.content.${j}.image_url.url`, () => image(part.image_url.url, part.image_url.detail), true)
            if (made instanceof LlmError.LlmError) return made
            content.push(made)
          }
        }
        const made = construct(`messages.${i}`, () => Message.user(content))
        if (made instanceof LlmError.LlmError) return made
        messages.push(made)
        break
      }
      case "assistant": {
        const parts: Array<Content.AssistantPart> = []
        const text = present(m.content) ? textOf(m.content) : ""
        if (text.length > 0) parts.push(textPart(text))
        const calls = m.tool_calls ?? []
        for (let k = 0; k < calls.length; k++) {
          const call = calls[k]!
          const made = construct(`messages.${i}.tool_calls.${k}.function`, () =>
            new Content.ToolCallPart({ id: call.id, name: call.function.name, arguments: call.function.arguments }))
          if (made instanceof LlmError.LlmError) return made
          parts.push(made)
        }
        if (parts.length === 0) return invalid(`messages.${i}.content`, "an assistant message needs content or tool_calls")
        messages.push(Trusted.make(Message.AssistantMessage, { role: "assistant", content: parts }))
        break
      }
      case "tool": {
        const result = construct(`messages.${i}.tool_call_id`, () => Content.toolResult(m.tool_call_id, textOf(m.content)), true)
        if (result instanceof LlmError.LlmError) return result
        // Consecutive tool messages answer one assistant turn: one tool message of ours.
        const last = messages.at(-1)
        if (last?.role === "tool") messages[messages.length - 1] = Message.tool([...last.content, result])
        else messages.push(Message.tool([result]))
        break
      }
    }
  }
  let tools: Array<Tool.ToolDefinition> | undefined
  if (wire.tools !== undefined) {
    tools = []
    for (let i = 0; i < wire.tools.length; i++) {
      const t = wire.tools[i]!
      const made = construct(`tools.${i}.function`, () =>
        Tool.make(t.function.name, {
          parameters: t.function.parameters ?? { type: "object", properties: {} },
          ...(t.function.description === undefined ? {} : { description: t.function.description }),
          ...(present(t.function.strict) ? { strict: t.function.strict } : {})
        }))
      if (made instanceof LlmError.LlmError) return made
      tools.push(made)
    }
  }
  const choice = wire.tool_choice
  const toolChoice = choice === undefined || typeof choice === "string"
    ? choice
    : construct("tool_choice.function.name", () => Tool.force(choice.function.name), true)
  if (toolChoice instanceof LlmError.LlmError) return toolChoice
  const maxTokens = wire.max_completion_tokens ?? wire.max_tokens
  const format = wire.response_format
  const responseFormat = format === undefined
    ? undefined
    : format.type === "text"
    ? ResponseFormat.text
    : format.type === "json_object"
    ? ResponseFormat.json
    : construct("response_format.json_schema", () =>
      ResponseFormat.jsonSchema(format.json_schema.name, format.json_schema.schema ?? {}, {
        ...(format.json_schema.description === undefined ? {} : { description: format.json_schema.description }),
        ...(present(format.json_schema.strict) ? { strict: format.json_schema.strict } : {})
      }))
  if (responseFormat instanceof LlmError.LlmError) return responseFormat
  const request = {
    model: wire.model,
    messages,
    ...(system.length > 0 ? { system: system.join("\n\n") } : {}),
    ...(tools === undefined ? {} : { tools }),
    ...(toolChoice === undefined ? {} : { toolChoice }),
    ...(wire.parallel_tool_calls === undefined ? {} : { parallelToolCalls: wire.parallel_tool_calls }),
    ...(responseFormat === undefined ? {} : { responseFormat }),
    ...(present(wire.temperature) ? { temperature: wire.temperature } : {}),
    ...(present(wire.top_p) ? { topP: wire.top_p } : {}),
    ...(present(maxTokens) ? { maxTokens } : {}),
    ...(present(wire.stop) ? { stop: typeof wire.stop === "string" ? [wire.stop] : [...wire.stop] } : {}),
    ...(present(wire.seed) ? { seed: wire.seed } : {}),
    ...(present(wire.presence_penalty) ? { presencePenalty: wire.presence_penalty } : {}),
    ...(present(wire.frequency_penalty) ? { frequencyPenalty: wire.frequency_penalty } : {}),
    ...(wire.user === undefined ? {} : { user: wire.user })
  }
  // Checked here, so an error names the client's field and the pipeline
  // takes the request as it is (a constructed request is not checked twice).
  // The common request is checked by hand (`Validate.plainChatRequest`); the rest by the class.
  const maxTokensField = present(wire.max_completion_tokens) ? "max_completion_tokens" : "max_tokens"
  const checked = Validate.plainChatRequest(request) ?? construct("", () => new ChatRequest(request))
  if (checked instanceof LlmError.LlmError) {
    if (checked.reason._tag !== "InvalidRequest" || checked.reason.field === undefined) return checked
    const [head, ...rest] = checked.reason.field.split(".")
    const renamed = head === "maxTokens" ? maxTokensField : wireName[head!] ?? head!
    return invalid([renamed, ...rest].join("."), checked.reason.detail ?? "invalid value")
  }
  return {
    request: checked,
    stream: wire.stream === true,
    includeUsage: wire.stream_options?.include_usage === true,
    model: wire.model
  }
}

const decodeChatResult = Schema.decodeUnknownResult(ChatCompletionRequest)

/**
 * Reads a chat completion request through the Schema alone (what the hand
 * check stands in for; exported for its property test).
 *
 * @since 0.1.0
 */
export const schemaChatCall = (body: unknown): ChatCall | LlmError.LlmError => {
  const decoded = decodeChatResult(body)
  return decoded._tag === "Failure" ? Validate.invalid("gateway", undefined, decoded.failure) : fromWireRequest(decoded.success)
}

/**
 * Reads a chat completion request; a bad one is `InvalidRequest` naming the field.
 *
 * @since 0.1.0
 */
export const chatCall = (body: unknown): Effect.Effect<ChatCall, LlmError.LlmError> =>
  Effect.suspend(() => {
    const call = isPlainChatRequest(body) ? fromWireRequest(body) : schemaChatCall(body)
    return call instanceof LlmError.LlmError ? Effect.fail(call) : Effect.succeed(call)
  })

/**
 * Reads an embeddings request.
 *
 * @since 0.1.0
 */
export const embedCall = (body: unknown) =>
  Effect.gen(function*() {
    const wire = yield* Effect.mapError(decodeEmbeddings(body), (error) => Validate.invalid("gateway", undefined, error))
    if (wire.encoding_format === "base64") return yield* invalid("encoding_format", "only float is supported")
    return {
      model: wire.model,
      request: {
        model: wire.model,
        input: typeof wire.input === "string" ? [wire.input] : wire.input,
        ...(wire.dimensions === undefined ? {} : { dimensions: wire.dimensions })
      }
    }
  })

const finishReason = (reason: ChatResponse["finishReason"]): string =>
  reason === "refusal" || reason === "other" ? "stop" : reason

const usageOf = (usage: ChatResponse["usage"]) =>
  usage === undefined ? undefined : {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.totalTokens,
    ...(usage.cachedInputTokens === undefined ? {} : { prompt_tokens_details: { cached_tokens: usage.cachedInputTokens } })
  }

/**
 * A complete answer as a `chat.completion` object.
 *
 * @since 0.1.0
 */
export const completion = (response: ChatResponse, id: string, created: number) => {
  const calls = response.toolCalls
  const usage = usageOf(response.usage)
  return {
    id,
    object: "chat.completion",
    created,
    model: response.model,
    choices: [{
      index: 0,
      message: {
        role: "assistant",
        content: response.text.length > 0 || calls.length === 0 ? response.text : null,
        refusal: response.refusal ?? null,
        ...(calls.length === 0 ? {} : {
          tool_calls: calls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } }))
        })
      },
      logprobs: null,
      finish_reason: finishReason(response.finishReason)
    }],
    ...(usage === undefined ? {} : { usage })
  }
}

/**
 * Turns our stream chunks into `chat.completion.chunk` objects, in order.
 * Stateful (one per stream): the first chunk carries the role, metadata
 * updates the model, the usage chunk comes last when asked for. A `Reset`
 * cannot be said in OpenAI's format: the encoder reports it and the gateway
 * ends the stream with an error event.
 *
 * @since 0.1.0
 */
export const chunkEncoder = (id: string, created: number, requested: string, includeUsage: boolean) => {
  let model = requested
  let first = true
  let usage: ReturnType<typeof usageOf>
  const frame = (delta: Record<string, unknown>, finish: string | null = null) => {
    const out = {
      id,
      object: "chat.completion.chunk",
      created,
      model,
      choices: [{ index: 0, delta: first ? { role: "assistant", ...delta } : delta, logprobs: null, finish_reason: finish }]
    }
    first = false
    return out
  }
  return {
    /** The objects to send for one chunk; `"reset"` when the answer restarted. */
    encode: (chunk: ChatChunk.ChatChunk): ReadonlyArray<unknown> | "reset" => {
      switch (chunk._tag) {
        case "Metadata":
          if (chunk.model !== undefined) model = chunk.model
          return []
        case "TextDelta":
          return [frame({ content: chunk.text })]
        case "RefusalDelta":
          return [frame({ refusal: chunk.text })]
        case "ToolCallDelta":
          return [frame({
            tool_calls: [{
              index: chunk.index,
              ...(chunk.id === undefined ? {} : { id: chunk.id, type: "function" }),
              function: { ...(chunk.name === undefined ? {} : { name: chunk.name }), arguments: chunk.argumentsDelta }
            }]
          })]
        case "ToolCall":
          return []
        case "Usage":
          usage = usageOf(chunk.usage)
          return []
        case "Finish":
          return [frame({}, finishReason(chunk.reason))]
        case "Reset":
          return "reset"
      }
    },
    /** What follows the last chunk: the usage chunk when asked for. */
    end: (): ReadonlyArray<unknown> =>
      includeUsage && usage !== undefined ? [{ id, object: "chat.completion.chunk", created, model, choices: [], usage }] : []
  }
}

/**
 * Vectors as an embeddings `list`.
 *
 * @since 0.1.0
 */
export const embeddings = (response: EmbedResponse) => ({
  object: "list",
  model: response.model,
  data: response.embeddings.map((embedding, index) => ({ object: "embedding", index, embedding })),
  usage: { prompt_tokens: response.usage?.inputTokens ?? 0, total_tokens: response.usage?.totalTokens ?? 0 }
})

/**
 * Models as a `list`.
 *
 * @since 0.1.0
 */
export const models = (list: ReadonlyArray<{ readonly id: string; readonly ownedBy: string }>) => ({
  object: "list",
  data: list.map((m) => ({ id: m.id, object: "model", created: 0, owned_by: m.ownedBy }))
})

/**
 * @since 0.1.0
 */
export type ModelEntry = Pick<ModelInfo, "id" | "provider">

/**
 * An error as OpenAI's error object, with the status and headers an OpenAI
 * client maps back to its own error classes (`RateLimitError` with its
 * retry-after, ...). An upstream key problem is the gateway's, not the
 * client's: 502, never 401 (which would tell the client its own key is bad).
 *
 * @since 0.1.0
 */
export const errorResponse = (error: LlmError.LlmError): {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
} => {
  const reason = error.reason
  const wait = error.retryAfter
  const retryAfter: Record<string, string> = wait === undefined
    ? {}
    : { "retry-after": String(Math.max(1, Math.ceil(Duration.toSeconds(wait)))), "retry-after-ms": String(Math.ceil(Duration.toMillis(wait))) }
  const body = (type: string, code: string | null, param: string | null = null) => ({
    error: { message: error.message, type, param, code }
  })
  switch (reason._tag) {
    case "InvalidRequest":
      return { status: 400, headers: {}, body: body("invalid_request_error", null, reason.field ?? null) }
    case "ContextLengthExceeded":
      return { status: 400, headers: {}, body: body("invalid_request_error", "context_length_exceeded", "messages") }
    case "ContentFiltered":
      return { status: 400, headers: {}, body: body("invalid_request_error", "content_filter") }
    case "Unsupported":
      return { status: 400, headers: {}, body: body("invalid_request_error", "unsupported", reason.capability) }
    case "NotFound":
      return { status: 404, headers: {}, body: body("invalid_request_error", "model_not_found", "model") }
    case "RateLimited":
      return { status: 429, headers: retryAfter, body: body("requests", "rate_limit_exceeded") }
    case "QuotaExhausted":
      return { status: 429, headers: retryAfter, body: body("insufficient_quota", "insufficient_quota") }
    case "Overloaded":
    case "CircuitOpen":
    case "QueueFull":
      return {
        status: 503,
        headers: wait === undefined ? { "retry-after": "1" } : retryAfter,
        body: body("server_error", reason._tag === "QueueFull" ? "queue_full" : "overloaded")
      }
    case "Timeout":
      return { status: 504, headers: {}, body: body("server_error", "timeout") }
    case "Unauthorized":
      return { status: 502, headers: {}, body: body("upstream_error", "upstream_unauthorized") }
    case "ServerError":
    case "Network":
    case "InvalidResponse":
    case "StreamTruncated":
      return { status: 502, headers: {}, body: body("upstream_error", reason._tag === "StreamTruncated" ? "stream_truncated" : "upstream_failed") }
  }
}
