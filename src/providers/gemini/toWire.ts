/**
 * Our requests as Gemini `generateContent` / `embedContent` bodies. Absent
 * fields are omitted, never `null`. What Gemini cannot express fails with a
 * typed reason naming the field instead of being dropped.
 *
 * @since 0.1.0
 */
import { Result } from "effect"
import type { ChatRequest } from "../../domain/Chat.ts"
import type * as Content from "../../domain/Content.ts"
import type { EmbedRequest } from "../../domain/Embedding.ts"
import type { ResponseFormat } from "../../domain/ResponseFormat.ts"
import type { ToolChoice, ToolDefinition } from "../../domain/Tool.ts"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import * as LlmError from "../../LlmError.ts"
import * as OpenApiSchema from "./OpenApiSchema.ts"

type Json = Record<string, unknown>
type Failure = LlmError.InvalidRequest | LlmError.Unsupported
type Mapped<A> = Result.Result<A, Failure>

/**
 * The resource name of a model: `gemini-2.0-flash` and `models/gemini-2.0-flash`
 * both give `models/gemini-2.0-flash`; `tunedModels/x` is kept. Anything that
 * could escape the path segment is refused.
 *
 * @since 0.1.0
 */
export const modelResource = (model: string): Mapped<string> => {
  const named = /^(models|tunedModels)\/(.+)$/.exec(model)
  const id = named === null ? model : named[2]!
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id)
    ? Result.succeed(`${named?.[1] ?? "models"}/${id}`)
    : Result.fail(new LlmError.InvalidRequest({ field: "model", detail: `not a Gemini model id: ${JSON.stringify(model)}` }))
}

// Images Gemini fetches itself: only files uploaded through its Files API.
const FILES_API_URI = /^https:\/\/generativelanguage\.googleapis\.com\/v1(beta)?\/files\/[A-Za-z0-9_-]+$/

const imagePart = (part: Content.ImagePart, field: string): Mapped<Json> => {
  if (part.detail !== undefined && part.detail !== "auto") {
    return Result.fail(new LlmError.Unsupported({ capability: "imageDetail", detail: `${field}.detail: Gemini has no per-image detail level` }))
  }
  const source = part.source
  if (source._tag === "ImageData") return Result.succeed({ inlineData: { mimeType: source.mediaType, data: source.data } })
  const data = /^data:([^;,]+);base64,([A-Za-z0-9+/]+={0,2})$/.exec(source.url)
  if (data !== null) return Result.succeed({ inlineData: { mimeType: data[1]!, data: data[2]! } })
  if (source.url.startsWith("data:")) {
    return Result.fail(new LlmError.InvalidRequest({ field: `${field}.source.url`, detail: "a data: URL must be base64" }))
  }
  // The Files API knows the file's type; Gemini needs no mimeType for it.
  if (FILES_API_URI.test(source.url)) return Result.succeed({ fileData: { fileUri: source.url } })
  return Result.fail(new LlmError.Unsupported({
    capability: "imageUrl",
    detail: `${field}: Gemini does not fetch http(s) image URLs; send the bytes (Content.imageData) or a Files API URI`
  }))
}

const parseJson = (text: string): { readonly ok: true; readonly value: unknown } | { readonly ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false }
  }
}

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value)

const functionCall = (part: Content.ToolCallPart, field: string): Mapped<Json> => {
  // Models stream no argument text for argument-less calls.
  const parsed = part.arguments.trim().length === 0 ? { ok: true as const, value: {} } : parseJson(part.arguments)
  return parsed.ok && isObject(parsed.value)
    ? Result.succeed({ functionCall: { name: part.name, args: parsed.value } })
    : Result.fail(new LlmError.InvalidRequest({ field: `${field}.arguments`, detail: "Gemini needs the arguments as a JSON object" }))
}

// Gemini wants an object: a JSON object result goes as is, anything else as
// `{content}`; an error goes under `error`, the key Gemini documents for it.
const functionResponse = (part: Content.ToolResultPart, name: string): Json => {
  const parsed = parseJson(part.content)
  const value = parsed.ok && parsed.value !== null ? parsed.value : part.content
  const response = part.isError === true ? { error: value } : isObject(value) ? value : { content: value }
  return { functionResponse: { name, response } }
}

interface Turn {
  readonly role: "user" | "model"
  readonly parts: Array<Json>
}

const contents = (request: ChatRequest): Mapped<Array<Turn>> =>
  Result.gen(function*() {
    const turns: Array<Turn> = []
    // Gemini answers a functionResponse by name; our tool results name a call id.
    const callNames = new Map<string, string>()
    const push = (role: Turn["role"], parts: Array<Json>) => {
      const last = turns[turns.length - 1]
      // Gemini wants turns to alternate: consecutive same-role turns are merged.
      if (last !== undefined && last.role === role) last.parts.push(...parts)
      else turns.push({ role, parts })
    }
    for (const [i, message] of request.messages.entries()) {
      const parts: Array<Json> = []
      for (const [j, part] of message.content.entries()) {
        const field = `messages[${i}].content[${j}]`
        switch (part._tag) {
          case "Text":
            parts.push({ text: part.text })
            break
          case "Image":
            parts.push(yield* imagePart(part, field))
            break
          case "ToolCall":
            callNames.set(part.id, part.name)
            parts.push(yield* functionCall(part, field))
            break
          case "ToolResult": {
            const name = part.name !== undefined && part.name.length > 0 ? part.name : callNames.get(part.toolCallId)
            if (name === undefined) {
              return yield* Result.fail(new LlmError.InvalidRequest({
                field: `${field}.name`,
                detail: `no name for tool result ${JSON.stringify(part.toolCallId)} and no earlier tool call with that id`
              }))
            }
            parts.push(functionResponse(part, name))
            break
          }
        }
      }
      // Tool results go back in a user turn, as Gemini's own SDK sends them.
      push(message.role === "assistant" ? "model" : "user", parts)
    }
    return turns
  })

const functionDeclaration = (tool: ToolDefinition, i: number): Mapped<Json> => {
  // What the format cannot say is refused, never dropped (as Anthropic and Ollama do).
  if (tool.strict === true) {
    return unsupported("strictTools", `Gemini function declarations have no strict mode (tools.${i}.strict)`)
  }
  if (OpenApiSchema.isEmptyObject(tool.parameters)) return Result.succeed(omitUndefined({ name: tool.name, description: tool.description }))
  return Result.map(
    OpenApiSchema.fromJsonSchema(tool.parameters, `tools[${i}].parameters`),
    (parameters) => omitUndefined({ name: tool.name, description: tool.description, parameters })
  )
}

const functionCallingConfig = (choice: ToolChoice): Json => {
  if (typeof choice !== "string") return { mode: "ANY", allowedFunctionNames: [choice.name] }
  return { mode: choice === "auto" ? "AUTO" : choice === "none" ? "NONE" : "ANY" }
}

const responseFormat = (format: ResponseFormat): Mapped<Json> => {
  switch (format._tag) {
    case "Text":
      return Result.succeed({})
    case "Json":
      return Result.succeed({ responseMimeType: "application/json" })
    case "JsonSchema": {
      // Gemini has no schema name; a description travels inside the schema.
      const schema = format.description !== undefined && format.schema["description"] === undefined
        ? { ...format.schema, description: format.description }
        : format.schema
      return Result.map(
        OpenApiSchema.fromJsonSchema(schema, "responseFormat.schema"),
        (responseSchema) => ({ responseMimeType: "application/json", responseSchema })
      )
    }
  }
}

const unsupported = (capability: string, detail: string) => Result.fail(new LlmError.Unsupported({ capability, detail }))

/**
 * The body of `:generateContent` and `:streamGenerateContent`.
 *
 * @since 0.1.0
 */
export const generateBody = (request: ChatRequest): Mapped<Json> =>
  Result.gen(function*() {
    if (request.user !== undefined) return yield* unsupported("user", "Gemini has no end-user id field")
    if (request.parallelToolCalls === false) {
      return yield* unsupported("parallelToolCalls", "Gemini cannot be told to make at most one call per turn")
    }
    const tools = request.tools ?? []
    const declarations: Array<Json> = []
    for (const [i, tool] of tools.entries()) declarations.push(yield* functionDeclaration(tool, i))
    const format = request.responseFormat === undefined ? {} : yield* responseFormat(request.responseFormat)
    const generationConfig = omitUndefined({
      temperature: request.temperature,
      topP: request.topP,
      topK: request.topK,
      maxOutputTokens: request.maxTokens,
      stopSequences: request.stop,
      seed: request.seed,
      presencePenalty: request.presencePenalty,
      frequencyPenalty: request.frequencyPenalty,
      ...format
    })
    return omitUndefined({
      contents: yield* contents(request),
      // The system prompt is never a turn: Gemini has a field for it.
      systemInstruction: request.system !== undefined && request.system.length > 0
        ? { parts: [{ text: request.system }] }
        : undefined,
      tools: declarations.length > 0 ? [{ functionDeclarations: declarations }] : undefined,
      toolConfig: request.toolChoice === undefined
        ? undefined
        : { functionCallingConfig: functionCallingConfig(request.toolChoice) },
      generationConfig: Object.keys(generationConfig).length > 0 ? generationConfig : undefined
    })
  })

/**
 * The body of `:embedContent` (one text).
 *
 * @since 0.1.0
 */
export const embedBody = (text: string, dimensions: number | undefined): Json =>
  omitUndefined({ content: { parts: [{ text }] }, outputDimensionality: dimensions })

/**
 * The body of `:batchEmbedContents`; every request names the model again, as
 * Gemini requires (`models/<id>`, the same as in the path).
 *
 * @since 0.1.0
 */
export const batchEmbedBody = (texts: ReadonlyArray<string>, resource: string, request: EmbedRequest): Json => ({
  requests: texts.map((text) => ({ model: resource, ...embedBody(text, request.dimensions) }))
})
