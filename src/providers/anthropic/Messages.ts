/**
 * Anthropic's Messages API as a `Provider`: chat and streaming on
 * `POST /messages`, the model list on `GET /models` (all pages). Anthropic has
 * no embeddings endpoint, so `embed` is absent (`Unsupported`).
 *
 * @since 0.1.0
 */
import { Effect, Stream } from "effect"
import type { ChatRequest } from "../../domain/Chat.ts"
import type { ModelInfo } from "../../domain/Model.ts"
import * as LlmError from "../../LlmError.ts"
import type { Provider } from "../../pipeline/Provider.ts"
import type { CallContext, ProviderHttp } from "../../transport/ProviderHttp.ts"
import * as FromWire from "./fromWire.ts"
import * as StreamDecoder from "./StreamDecoder.ts"
import * as ToWire from "./toWire.ts"
import * as Wire from "./Wire.ts"

/**
 * Settings the translation needs.
 *
 * @since 0.1.0
 */
export interface Settings {
  /** `max_tokens` for requests that set no `maxTokens` (the API requires one). */
  readonly maxTokens: number
}

// The API's page size limit; fewer round trips for long lists.
const PAGE_SIZE = "1000"

/**
 * Builds the raw operations over a configured transport.
 *
 * @since 0.1.0
 */
export const make = (http: ProviderHttp, settings: Settings): Provider => {
  const provider = http.provider

  const body = (request: ChatRequest, call: CallContext, stream: boolean) => {
    const built = ToWire.messagesBody(request, call.model ?? "", settings.maxTokens, stream)
    return built._tag === "Success" ? Effect.succeed(built.success) : Effect.fail(http.fail(call, built.failure))
  }

  const modelPages = (call: CallContext) =>
    Effect.gen(function*() {
      const all: Array<ModelInfo> = []
      const seen = new Set<string>()
      let after: string | undefined
      while (true) {
        const urlParams: Record<string, string> = { limit: PAGE_SIZE }
        if (after !== undefined) urlParams["after_id"] = after
        const reply = yield* http.json({ method: "GET", path: "/models", urlParams }, call, Wire.ModelPage)
        all.push(...FromWire.models(reply.body, provider))
        const next = reply.body.last_id ?? undefined
        if (reply.body.has_more !== true || next === undefined) return all
        // A server repeating a cursor would otherwise be asked forever.
        if (seen.has(next)) {
          return yield* Effect.fail(http.fail(
            call,
            new LlmError.InvalidResponse({ detail: `model list repeats the page after ${next}` }),
            reply
          ))
        }
        seen.add(next)
        after = next
      }
    })

  return {
    provider,

    chat: (request, call) =>
      Effect.flatMap(body(request, call, false), (wire) =>
        Effect.flatMap(
          http.json({ method: "POST", path: "/messages", body: wire }, call, Wire.Message),
          (reply) => {
            const response = FromWire.chatResponse(reply.body, {
              provider,
              model: call.model ?? "",
              requestId: call.requestId,
              providerRequestId: reply.providerRequestId
            })
            return response._tag === "Success"
              ? Effect.succeed(response.success)
              : Effect.fail(http.fail(call, new LlmError.InvalidResponse({ detail: response.failure }), reply))
          }
        )),

    stream: (request, call) =>
      Stream.unwrap(
        Effect.flatMap(body(request, call, true), (wire) =>
          Effect.map(
            http.sse({ method: "POST", path: "/messages", body: wire }, call),
            (reply) => StreamDecoder.decode(reply.body, http, call, reply.providerRequestId)
          ))
      ),

    models: modelPages
  }
}
