/**
 * Chat over an OpenAI-style (legacy) completions route: `POST {model,
 * prompt}` → `choices[].text`, streamed as `data:` chunks with `text`
 * deltas. A completion takes one prompt, so only a request made of one user
 * turn of text can be said this way; anything else is `Unsupported`
 * (configure `routes.chat` for conversations), never flattened into a
 * prompt template we would have to guess.
 *
 * @since 0.1.0
 */
import { Effect, Schema, Stream } from "effect"
import type { ChatRequest, ChatResponse } from "../../domain/Chat.ts"
import type { ChatChunk } from "../../domain/ChatChunk.ts"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import * as LlmError from "../../LlmError.ts"
import type { SseEvent } from "../../transport/EventStream.ts"
import type { CallContext, ProviderHttp } from "../../transport/ProviderHttp.ts"
import * as FromWire from "../openai-compat/fromWire.ts"
import * as StreamDecoder from "../openai-compat/StreamDecoder.ts"
import * as Wire from "../openai-compat/Wire.ts"

const opt = <S extends Schema.Top>(schema: S) => Schema.optionalKey(Schema.NullOr(schema))

const CompletionReply = Schema.Struct({
  id: opt(Schema.String),
  model: opt(Schema.String),
  choices: Schema.Array(Schema.Struct({ text: opt(Schema.String), finish_reason: opt(Schema.String) })),
  usage: opt(Wire.WireUsage)
})

const promptOf = (request: ChatRequest): string | LlmError.Unsupported => {
  const refuse = (detail: string) =>
    new LlmError.Unsupported({ capability: "chat", detail: `${detail}; the completions route takes one prompt (configure routes.chat)` })
  if (request.system !== undefined) return refuse("a system prompt")
  if (request.tools !== undefined || request.toolChoice !== undefined) return refuse("tools")
  if (request.responseFormat !== undefined) return refuse("a response format")
  if (request.topK !== undefined) return refuse("topK")
  const [only, ...rest] = request.messages
  if (only === undefined || rest.length > 0 || only.role !== "user") return refuse("a conversation")
  let prompt = ""
  for (const part of only.content) {
    if (part._tag !== "Text") return refuse("an image")
    prompt += part.text
  }
  return prompt
}

const body = (request: ChatRequest, model: string, prompt: string, stream: boolean) =>
  omitUndefined({
    model,
    prompt,
    max_tokens: request.maxTokens,
    temperature: request.temperature,
    top_p: request.topP,
    stop: request.stop,
    seed: request.seed,
    presence_penalty: request.presencePenalty,
    frequency_penalty: request.frequencyPenalty,
    user: request.user,
    stream: stream ? true : undefined
  })

// A completion chunk is the chat chunk it stands for, with `text` as the
// content delta: the chat decoder then applies the same end-of-stream rules.
const asChatEvent = (event: SseEvent): SseEvent => {
  const data = event.data.trim()
  if (data === "[DONE]" || !data.startsWith("{")) return event
  let json: unknown
  try {
    json = JSON.parse(data)
  } catch {
    return event
  }
  if (typeof json !== "object" || json === null || !("choices" in json) || !Array.isArray(json.choices)) return event
  const choices = json.choices.map((choice: unknown) => {
    if (typeof choice !== "object" || choice === null) return choice
    const { text, ...rest } = choice as Record<string, unknown>
    return { ...rest, delta: typeof text === "string" ? { content: text } : {} }
  })
  return { event: event.event, data: JSON.stringify({ ...json, choices }) }
}

/**
 * The raw chat and stream operations over a completions route.
 *
 * @since 0.1.0
 */
export const make = (http: ProviderHttp, path: string) => {
  const provider = http.provider
  const prepare = (request: ChatRequest, call: CallContext, stream: boolean) => {
    const prompt = promptOf(request)
    return prompt instanceof LlmError.Unsupported
      ? Effect.fail(http.fail(call, prompt))
      : Effect.succeed(body(request, call.model ?? "", prompt, stream))
  }
  return {
    chat: (request: ChatRequest, call: CallContext): Effect.Effect<ChatResponse, LlmError.LlmError> =>
      Effect.flatMap(prepare(request, call, false), (payload) =>
        Effect.flatMap(http.json({ method: "POST", path, body: payload }, call, CompletionReply), (reply) => {
          const choice = reply.body.choices[0]
          const response = choice === undefined ? undefined : FromWire.chatResponse({
            ...reply.body,
            choices: [{ message: { content: choice.text ?? null }, finish_reason: choice.finish_reason ?? null }]
          }, { provider, model: call.model ?? "", requestId: call.requestId, providerRequestId: reply.providerRequestId })
          return response === undefined
            ? Effect.fail(http.fail(call, new LlmError.InvalidResponse({ detail: "response has no choices" }), reply))
            : Effect.succeed(response)
        })),
    stream: (request: ChatRequest, call: CallContext): Stream.Stream<ChatChunk, LlmError.LlmError> =>
      Stream.unwrap(Effect.flatMap(prepare(request, call, true), (payload) =>
        Effect.map(
          http.sse({ method: "POST", path, body: payload }, call),
          (reply) => StreamDecoder.decode(Stream.map(reply.body, asChatEvent), http, call, reply.providerRequestId)
        )))
  }
}
