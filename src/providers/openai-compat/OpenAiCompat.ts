/**
 * The OpenAI chat-completions family as a `Provider`: OpenAI itself, and with
 * a different `Dialect` and transport, Groq, OVMS `/v3`, OPEA and TGI's
 * Messages API.
 *
 * @since 0.1.0
 */
import { Effect, Stream } from "effect"
import * as LlmError from "../../LlmError.ts"
import type { Provider } from "../../pipeline/Provider.ts"
import * as EventStream from "../../transport/EventStream.ts"
import type { ProviderHttp } from "../../transport/ProviderHttp.ts"
import type { Dialect } from "./Dialect.ts"
import * as FromWire from "./fromWire.ts"
import * as StreamDecoder from "./StreamDecoder.ts"
import * as ToWire from "./toWire.ts"
import * as Wire from "./Wire.ts"

/**
 * Builds the raw operations over a configured transport.
 *
 * @since 0.1.0
 */
export const make = (http: ProviderHttp, dialect: Dialect): Provider => {
  const provider = http.provider
  const embeddings = dialect.paths.embeddings

  const unsupportedTopK = (call: Parameters<NonNullable<Provider["chat"]>>[1]) =>
    http.fail(call, new LlmError.Unsupported({ capability: "topK", detail: `${provider} does not accept top_k` }))

  return {
    provider,

    chat: (request, call) => {
      if (request.topK !== undefined && !dialect.topK) return Effect.fail(unsupportedTopK(call))
      const model = call.model ?? ""
      const body = ToWire.chatBody(request, model, dialect, false)
      return Effect.flatMap(
        http.json({ method: "POST", path: dialect.paths.chat, body }, call, Wire.ChatCompletion),
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
      if (request.topK !== undefined && !dialect.topK) return Stream.fail(unsupportedTopK(call))
      const body = ToWire.chatBody(request, call.model ?? "", dialect, true)
      return Stream.unwrap(
        Effect.map(
          http.stream({ method: "POST", path: dialect.paths.chat, body, accept: "text/event-stream" }, call),
          (reply) =>
            StreamDecoder.decode(
              EventStream.decodeSse(reply.body).pipe(
                Stream.mapError((error) =>
                  error._tag === "LlmError"
                    ? error
                    : http.fail(call, new LlmError.InvalidResponse({ detail: error.message }), reply)
                )
              ),
              http,
              call,
              reply.providerRequestId
            )
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
