/**
 * Ollama's native API as a `Provider`: chat (`POST /api/chat` with
 * `stream:false`), streaming (the same route, NDJSON), embeddings
 * (`POST /api/embed`) and models (`GET /api/tags`).
 *
 * @since 0.1.0
 */
import { Effect, Stream } from "effect"
import type { ChatRequest } from "../../domain/Chat.ts"
import * as LlmError from "../../LlmError.ts"
import type { Provider } from "../../pipeline/Provider.ts"
import type { CallContext, ProviderHttp } from "../../transport/ProviderHttp.ts"
import * as FromWire from "./fromWire.ts"
import * as StreamDecoder from "./StreamDecoder.ts"
import * as ToWire from "./toWire.ts"
import * as Wire from "./Wire.ts"

/**
 * Ollama's NDJSON media type, asked for on streaming calls.
 *
 * @since 0.1.0
 */
export const NDJSON = "application/x-ndjson"

/**
 * Builds the raw operations over a configured transport.
 *
 * @since 0.1.0
 */
export const make = (http: ProviderHttp, settings: ToWire.Settings): Provider => {
  const provider = http.provider

  const chatBody = (request: ChatRequest, call: CallContext, stream: boolean) =>
    Effect.mapError(ToWire.chatBody(request, call.model ?? "", settings, stream), (reason) => http.fail(call, reason))

  return {
    provider,

    chat: (request, call) =>
      Effect.flatMap(chatBody(request, call, false), (body) =>
        Effect.flatMap(
          http.json({ method: "POST", path: "/api/chat", body }, call, Wire.ChatLine),
          (reply) => {
            const response = FromWire.chatResponse(reply.body, {
              provider,
              model: call.model ?? "",
              requestId: call.requestId,
              providerRequestId: reply.providerRequestId
            })
            return response === undefined
              ? Effect.fail(http.fail(
                call,
                new LlmError.InvalidResponse({ detail: "reply is not a finished message (no message, or done is not true)" }),
                reply
              ))
              : Effect.succeed(response)
          }
        )),

    stream: (request, call) =>
      Stream.unwrap(
        Effect.flatMap(chatBody(request, call, true), (body) =>
          Effect.map(
            http.ndjson({ method: "POST", path: "/api/chat", body, accept: NDJSON }, call),
            (reply) =>
              StreamDecoder.decode(
                reply.body,
                StreamDecoder.chatLine,
                http,
                call,
                reply.providerRequestId
              )
          ))
      ),

    embed: (request, call) => {
      const model = call.model ?? ""
      return Effect.flatMap(
        http.json({ method: "POST", path: "/api/embed", body: ToWire.embedBody(request, model, settings) }, call, Wire.EmbedReply),
        (reply) =>
          reply.body.embeddings.length === request.input.length
            ? Effect.succeed(FromWire.embedResponse(reply.body, {
              provider,
              model,
              requestId: call.requestId,
              providerRequestId: reply.providerRequestId
            }))
            : Effect.fail(http.fail(
              call,
              new LlmError.InvalidResponse({
                detail: `asked for ${request.input.length} embeddings, got ${reply.body.embeddings.length}`
              }),
              reply
            ))
      )
    },

    models: (call) =>
      Effect.map(
        http.json({ method: "GET", path: "/api/tags" }, call, Wire.TagsReply),
        (reply) => FromWire.models(reply.body, provider)
      )
  }
}
