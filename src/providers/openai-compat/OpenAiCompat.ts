/**
 * The OpenAI chat-completions family as a `Provider`: OpenAI itself, and with
 * a different `Dialect` and transport, Groq, OVMS `/v3`, OPEA and TGI's
 * Messages API.
 *
 * @since 0.1.0
 */
import { Effect, Stream } from "effect"
import * as LlmError from "../../LlmError.ts"
import type { ChatRequest } from "../../domain/Chat.ts"
import type { Provider } from "../../pipeline/Provider.ts"
import type { CallContext, ProviderHttp } from "../../transport/ProviderHttp.ts"
import type { Dialect } from "./Dialect.ts"
import * as FromWire from "./fromWire.ts"
import * as StreamDecoder from "./StreamDecoder.ts"
import * as ToWire from "./toWire.ts"
import * as Wire from "./Wire.ts"
import * as WireShape from "./WireShape.ts"

/**
 * Builds the raw operations over a configured transport.
 *
 * @since 0.1.0
 */
export const make = (http: ProviderHttp, dialect: Dialect): Provider => {
  const provider = http.provider
  const embeddings = dialect.paths.embeddings

  // What the chat-completions format cannot say is refused, never dropped.
  const unexpressible = (request: ChatRequest, call: CallContext): LlmError.LlmError | undefined => {
    const own = dialect.refuse?.(request)
    if (own !== undefined) return http.fail(call, new LlmError.Unsupported(own))
    if (request.topK !== undefined && !dialect.topK) {
      return http.fail(call, new LlmError.Unsupported({ capability: "topK", detail: `${provider} does not accept top_k` }))
    }
    const flagged = request.messages.some((m) => m.role === "tool" && m.content.some((r) => r.isError === true))
    if (flagged) {
      return http.fail(call, new LlmError.Unsupported({
        capability: "toolResultError",
        detail: `${provider} tool messages have no error flag; say the failure in the result's content`
      }))
    }
    return undefined
  }

  const chatBody = (request: ChatRequest, model: string, stream: boolean) => {
    const body = ToWire.chatBody(request, model, dialect, stream)
    return dialect.adaptBody === undefined ? body : dialect.adaptBody(body, request)
  }

  return {
    provider,

    chat: (request, call) => {
      const refused = unexpressible(request, call)
      if (refused !== undefined) return Effect.fail(refused)
      const model = call.model ?? ""
      const body = chatBody(request, model, false)
      return Effect.flatMap(
        http.json({ method: "POST", path: dialect.paths.chat, body }, call, Wire.ChatCompletion, WireShape.isCompletion),
        (reply) => {
          const response = FromWire.chatResponse(reply.body, {
            provider,
            model,
            requestId: call.requestId,
            providerRequestId: reply.providerRequestId
          })
          return response === undefined
            ? Effect.fail(http.fail(call, new LlmError.InvalidResponse({ detail: "response has no choices" }), reply))
            : Effect.succeed(response)
        }
      )
    },

    stream: (request, call) => {
      const refused = unexpressible(request, call)
      if (refused !== undefined) return Stream.fail(refused)
      const body = chatBody(request, call.model ?? "", true)
      return Stream.unwrap(
        Effect.map(
          http.sse({ method: "POST", path: dialect.paths.chat, body }, call),
          (reply) => StreamDecoder.decode(reply.body, http, call, reply.providerRequestId)
        )
      )
    },

    embed: embeddings === undefined ? undefined : (request, call) => {
      const model = call.model ?? ""
      return Effect.flatMap(
        http.json(
          { method: "POST", path: embeddings, body: ToWire.embedBody(request, model, dialect) },
          call,
          Wire.EmbeddingList
        ),
        (reply) => {
          if (reply.body.data.length !== request.input.length) {
            return Effect.fail(http.fail(
              call,
              new LlmError.InvalidResponse({
                detail: `asked for ${request.input.length} embeddings, got ${reply.body.data.length}`
              }),
              reply
            ))
          }
          return Effect.succeed(FromWire.embedResponse(reply.body, {
            provider,
            model,
            requestId: call.requestId,
            providerRequestId: reply.providerRequestId
          }))
        }
      )
    },

    models: (call) =>
      Effect.map(
        http.json({ method: "GET", path: dialect.paths.models }, call, Wire.ModelList),
        (reply) => FromWire.models(reply.body, provider)
      )
  }
}
