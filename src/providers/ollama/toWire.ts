/**
 * Our requests in Ollama's native format (`/api/chat`, `/api/embed`).
 * Sampling settings go inside `options`; the system prompt is a first
 * `system` message; images are bare base64 strings next to the text; tool
 * call arguments are JSON objects, not text; tool results name their tool.
 * What Ollama cannot express fails with `Unsupported` or `InvalidRequest`
 * (naming the field) before anything is sent.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { ChatRequest } from "../../domain/Chat.ts"
import type { ImagePart } from "../../domain/Content.ts"
import type { EmbedRequest } from "../../domain/Embedding.ts"
import type { ResponseFormat } from "../../domain/ResponseFormat.ts"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import * as LlmError from "../../LlmError.ts"

/** @since 0.1.0 */
export type Body = Record<string, unknown>

/**
 * Per-backend settings that go on every request.
 *
 * @since 0.1.0
 */
export interface Settings {
  /** `keep_alive` as a Go duration string (e.g. `"5m"`, `"-1s"`). */
  readonly keepAlive: string | undefined
}

/**
 * Sampling settings shared by chat and generate requests.
 *
 * @since 0.1.0
 */
export interface Sampling {
  readonly temperature?: number | undefined
  readonly topP?: number | undefined
  readonly topK?: number | undefined
  readonly maxTokens?: number | undefined
  readonly seed?: number | undefined
  readonly stop?: ReadonlyArray<string> | undefined
  readonly presencePenalty?: number | undefined
  readonly frequencyPenalty?: number | undefined
}

const unsupported = (capability: string, detail: string) => Effect.fail(new LlmError.Unsupported({ capability, detail }))
const invalid = (field: string, detail: string) => Effect.fail(new LlmError.InvalidRequest({ field, detail }))

/**
 * Ollama's `options` object; `undefined` when nothing is set.
 *
 * @since 0.1.0
 */
export const options = (sampling: Sampling): Body | undefined => {
  const out = omitUndefined({
    temperature: sampling.temperature,
    top_p: sampling.topP,
    top_k: sampling.topK,
    num_predict: sampling.maxTokens,
    seed: sampling.seed,
    stop: sampling.stop,
    presence_penalty: sampling.presencePenalty,
    frequency_penalty: sampling.frequencyPenalty
  })
  return Object.keys(out).length === 0 ? undefined : out
}

/**
 * `format`: `"json"` or the schema itself. A schema's `name` is only a label
 * and is not sent; Ollama constrains output to the schema by grammar, which
 * is what `strict` asks for. A `description` has no place on the wire.
 *
 * @since 0.1.0
 */
export const format = (
  responseFormat: ResponseFormat | undefined,
  field = "responseFormat"
): Effect.Effect<unknown, LlmError.Reason> => {
  if (responseFormat === undefined) return Effect.succeed(undefined)
  switch (responseFormat._tag) {
    case "Text":
      return Effect.succeed(undefined)
    case "Json":
      return Effect.succeed("json")
    case "JsonSchema":
      return responseFormat.description === undefined
        ? Effect.succeed(responseFormat.schema)
        : unsupported("responseFormatDescription", `Ollama's format takes only the schema (${field}.description)`)
  }
}

const DATA_URL = /^data:image\/[a-z0-9.+-]+;base64,([A-Za-z0-9+/]+={0,2})$/

const image = (part: ImagePart, field: string): Effect.Effect<string, LlmError.Reason> => {
  if (part.detail !== undefined && part.detail !== "auto") {
    return unsupported("imageDetail", `Ollama has no image detail setting (${field}.detail)`)
  }
  if (part.source._tag === "ImageData") return Effect.succeed(part.source.data)
  // A data: URL is inline already; anything else would have to be fetched.
  const inline = DATA_URL.exec(part.source.url)
  return inline !== null
    ? Effect.succeed(inline[1]!)
    : unsupported("imageUrl", `Ollama takes inline base64 images only and cannot fetch a URL (${field})`)
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * A tool call's JSON text as the object Ollama wants. Empty text (some
 * models emit it for a call without parameters) is `{}`.
 *
 * @since 0.1.0
 */
export const toolArguments = (text: string, field: string): Effect.Effect<Record<string, unknown>, LlmError.Reason> => {
  if (text.trim() === "") return Effect.succeed({})
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return invalid(field, "tool call arguments are not valid JSON (Ollama takes them as a JSON object)")
  }
  return isObject(parsed) ? Effect.succeed(parsed) : invalid(field, "tool call arguments must be a JSON object")
}

const messages = (request: ChatRequest) =>
  Effect.gen(function*() {
    const out: Array<Body> = []
    if (request.system !== undefined) out.push({ role: "system", content: request.system })
    // Ollama links a tool result to its call by tool name, not id: remember
    // the name of every call id seen so far (the latest wins, since
    // synthesized ids like call_0 repeat across turns).
    const names = new Map<string, string>()
    for (const [i, message] of request.messages.entries()) {
      const at = `messages.${i}`
      switch (message.role) {
        case "user": {
          const texts: Array<string> = []
          const images: Array<string> = []
          for (const [j, part] of message.content.entries()) {
            if (part._tag === "Text") texts.push(part.text)
            else images.push(yield* image(part, `${at}.content.${j}`))
          }
          out.push(omitUndefined({ role: "user", content: texts.join("\n"), images: images.length > 0 ? images : undefined }))
          break
        }
        case "assistant": {
          let text = ""
          const calls: Array<Body> = []
          for (const [j, part] of message.content.entries()) {
            if (part._tag === "Text") {
              text += part.text
            } else {
              names.set(part.id, part.name)
              const args = yield* toolArguments(part.arguments, `${at}.content.${j}.arguments`)
              calls.push({ function: { name: part.name, arguments: args } })
            }
          }
          // `content` is required by Ollama's schema even beside tool calls.
          out.push(omitUndefined({ role: "assistant", content: text, tool_calls: calls.length > 0 ? calls : undefined }))
          break
        }
        case "tool": {
          for (const [j, result] of message.content.entries()) {
            if (result.isError === true) {
              return yield* unsupported("toolResultError", `Ollama tool messages have no error flag (${at}.content.${j}.isError)`)
            }
            const name = result.name ?? names.get(result.toolCallId)
            if (name === undefined) {
              return yield* invalid(
                `${at}.content.${j}.name`,
                `Ollama identifies a tool result by tool name: give the result a name, or include the assistant turn with call ${
                  JSON.stringify(result.toolCallId)
                }`
              )
            }
            out.push({ role: "tool", content: result.content, tool_name: name })
          }
          break
        }
      }
    }
    return out
  })

const tools = (request: ChatRequest) =>
  Effect.gen(function*() {
    const choice = request.toolChoice
    if (choice === "required" || (typeof choice === "object" && choice._tag === "ForceTool")) {
      return yield* unsupported("toolChoice", "Ollama always lets the model decide whether to call a tool (toolChoice)")
    }
    if (request.parallelToolCalls === false) {
      return yield* unsupported("parallelToolCalls", "Ollama cannot limit a reply to one tool call (parallelToolCalls)")
    }
    // "none": a model cannot call a tool it is not offered.
    if (request.tools === undefined || choice === "none") return undefined
    const out: Array<Body> = []
    for (const [i, tool] of request.tools.entries()) {
      if (tool.strict === true) {
        return yield* unsupported("strictTools", `Ollama does not constrain tool arguments to the schema (tools.${i}.strict)`)
      }
      out.push({
        type: "function",
        function: omitUndefined({ name: tool.name, description: tool.description, parameters: tool.parameters })
      })
    }
    return out
  })

/**
 * The body of `POST /api/chat`. `stream` is always sent: Ollama streams
 * unless told `false`.
 *
 * @since 0.1.0
 */
export const chatBody = (
  request: ChatRequest,
  model: string,
  settings: Settings,
  stream: boolean
): Effect.Effect<Body, LlmError.Reason> =>
  Effect.gen(function*() {
    if (request.user !== undefined) {
      return yield* unsupported("user", "Ollama has no end-user id field (user)")
    }
    return omitUndefined({
      model,
      messages: yield* messages(request),
      tools: yield* tools(request),
      format: yield* format(request.responseFormat),
      options: options(request),
      stream,
      keep_alive: settings.keepAlive
    })
  })

/**
 * The body of `POST /api/embed`: one string for one input, else an array.
 * `truncate` is left to Ollama (default: true, inputs are cut to the context).
 *
 * @since 0.1.0
 */
export const embedBody = (request: EmbedRequest, model: string, settings: Settings): Body =>
  omitUndefined({
    model,
    input: request.input.length === 1 ? request.input[0] : request.input,
    dimensions: request.dimensions,
    keep_alive: settings.keepAlive
  })
