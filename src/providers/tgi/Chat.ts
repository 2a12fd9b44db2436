/**
 * Chat on TGI through its Messages API (`/v1/chat/completions`): the
 * OpenAI-compatible translation, with the few places where a self-hosted
 * TGI's wire differs. The server formats the conversation with the model's
 * own chat template; no prompt is ever built here.
 *
 * - `response_format` is TGI's grammar, `{type:"json", value:<JSON Schema>}`,
 *   not OpenAI's `json_object` / `json_schema` (which TGI rejects).
 * - A tool's JSON Schema goes in `function.arguments` (TGI's field; it also
 *   reads `parameters` as an alias, but its spec requires `arguments`).
 * - `top_k`, `user`, `parallel_tool_calls` and strict tools have no place on
 *   this route: refused with `Unsupported`, never dropped.
 *
 * On Hugging Face's router the plain OpenAI translation applies.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { ChatRequest } from "../../domain/Chat.ts"
import type { ResponseFormat } from "../../domain/ResponseFormat.ts"
import type { Provider } from "../../pipeline/Provider.ts"
import type { CallContext, ProviderHttp } from "../../transport/ProviderHttp.ts"
import * as Dialect from "../openai-compat/Dialect.ts"
import * as OpenAiCompat from "../openai-compat/OpenAiCompat.ts"
import * as CompatToWire from "../openai-compat/toWire.ts"
import * as FromWire from "./fromWire.ts"
import * as Wire from "./Wire.ts"

const grammar = (format: ResponseFormat): Record<string, unknown> | undefined => {
  switch (format._tag) {
    case "Text":
      return undefined
    case "Json":
      return { type: "json", value: { type: "object" } }
    case "JsonSchema":
      return { type: "json", value: format.schema }
  }
}

const refusal = (request: ChatRequest): { readonly capability: string; readonly detail: string } | undefined => {
  if (request.topK !== undefined) return { capability: "topK", detail: "TGI's chat route does not accept top_k" }
  if (request.user !== undefined) return { capability: "user", detail: "TGI's chat route has no user field" }
  if (request.parallelToolCalls !== undefined) {
    return { capability: "parallelToolCalls", detail: "TGI's chat route has no parallel_tool_calls" }
  }
  if (request.tools?.some((tool) => tool.strict !== undefined) === true) {
    return { capability: "strictTools", detail: "TGI's tools have no strict flag" }
  }
  if (request.messages.some((m) => m.role === "tool" && m.content.some((r) => r.isError === true))) {
    return { capability: "toolResultError", detail: "TGI tool messages have no error flag; say the failure in the result's content" }
  }
  return undefined
}

// TGI's own fields: its grammar for JSON output, a tool's schema under `arguments`.
const adaptBody = (body: Record<string, unknown>, request: ChatRequest): Record<string, unknown> => {
  const tools = body["tools"] as ReadonlyArray<{ readonly function: Record<string, unknown> }> | undefined
  const out: Record<string, unknown> = { ...body }
  if (tools !== undefined) {
    out["tools"] = tools.map((tool) => {
      const { parameters, ...rest } = tool.function
      return { ...tool, function: parameters === undefined ? rest : { ...rest, arguments: parameters } }
    })
  }
  delete out["response_format"]
  const format = request.responseFormat === undefined ? undefined : grammar(request.responseFormat)
  if (format !== undefined) out["response_format"] = format
  return out
}

/**
 * A self-hosted TGI's Messages API as a member of the OpenAI-compatible
 * family: its refusals and body changes on the shared translation.
 *
 * @since 0.1.0
 */
export const selfHostedDialect: Dialect.Dialect = { ...Dialect.tgi, refuse: refusal, adaptBody }

/**
 * The body of a self-hosted TGI's `POST /v1/chat/completions`.
 *
 * @since 0.1.0
 */
export const chatBody = (request: ChatRequest, model: string, stream: boolean): Record<string, unknown> =>
  adaptBody(CompatToWire.chatBody(request, model, selfHostedDialect, stream), request)

const models = (http: ProviderHttp, path: string) => (call: CallContext) =>
  Effect.map(http.json({ method: "GET", path }, call, Wire.Models), (reply) => FromWire.models(reply.body, http.provider))

/**
 * The chat, stream and models operations of a self-hosted TGI: the shared
 * OpenAI-compatible chat and stream with TGI's dialect, and TGI's own model
 * listing (a single object as well as a list).
 *
 * @since 0.1.0
 */
export const selfHosted = (http: ProviderHttp): Provider => {
  const compat = OpenAiCompat.make(http, selfHostedDialect)
  return { provider: compat.provider, chat: compat.chat, stream: compat.stream, models: models(http, Dialect.tgi.paths.models) }
}

/**
 * The chat, stream and models operations on Hugging Face's router.
 *
 * @since 0.1.0
 */
export const router = (http: ProviderHttp): Provider => {
  const compat = OpenAiCompat.make(http, Dialect.hfRouter)
  return { provider: compat.provider, chat: compat.chat, stream: compat.stream, models: models(http, Dialect.hfRouter.paths.models) }
}
