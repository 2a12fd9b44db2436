/**
 * OPEA's operations beyond `LlmBackend` and `Reranker`: the ChatQnA
 * megaservice (`POST /v1/chatqna`: retrieval, reranking and generation in
 * one call) and each microservice's `GET /v1/health_check`. They go through
 * the backend's pipeline (same queue, breaker, keys, retry and stats).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { OpeaApi } from "effect-llm-backends"
 *
 * const answer = Effect.gen(function*() {
 *   const opea = yield* OpeaApi.OpeaApi
 *   const reply = yield* opea.chatqna("What is OPEA?")
 *   return reply.text
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Schema, Stream } from "effect"
import type { CallOptions } from "../../domain/CallOptions.ts"
import type { ChatResponse } from "../../domain/Chat.ts"
import * as ChatChunk from "../../domain/ChatChunk.ts"
import * as LlmError from "../../LlmError.ts"
import type * as Pipeline from "../../pipeline/Pipeline.ts"
import type { ProviderHttp } from "../../transport/ProviderHttp.ts"
import * as FromWire from "../openai-compat/fromWire.ts"
import * as Wire from "../openai-compat/Wire.ts"
import * as ChatQna from "./ChatQna.ts"
import * as ChatQnaStream from "./ChatQnaStream.ts"

/** @since 0.1.0 */
export { ChatQnaRequest, type ChatQnaRequestInput } from "./ChatQna.ts"

/**
 * The OPEA services a deployment may run, each at its own base URL.
 *
 * @since 0.1.0
 */
export type Microservice = "chat" | "embeddings" | "rerank" | "chatqna"

/**
 * A service's answer to `GET /v1/health_check` (any 2xx is healthy; a
 * failure is an `LlmError`). `details` is the service's JSON as sent.
 *
 * @since 0.1.0
 */
export interface Health {
  readonly service: Microservice
  readonly details: unknown
}

/**
 * The extras.
 *
 * @since 0.1.0
 */
export interface Service {
  /** One complete ChatQnA answer (sent with `stream:false`). */
  readonly chatqna: (request: ChatQna.ChatQnaRequestInput, options?: CallOptions) => Effect.Effect<ChatResponse, LlmError.LlmError>
  /** A ChatQnA answer as it is generated (SSE). */
  readonly chatqnaStream: (
    request: ChatQna.ChatQnaRequestInput,
    options?: CallOptions
  ) => Stream.Stream<ChatChunk.ChatChunk, LlmError.LlmError>
  /** The health of one service (default `chatqna`). */
  readonly health: (service?: Microservice, options?: CallOptions) => Effect.Effect<Health, LlmError.LlmError>
}

/**
 * The extras in context (`Opea.layer`).
 *
 * @since 0.1.0
 */
export class OpeaApi extends Context.Service<OpeaApi, Service>()("effect-llm-backends/OpeaApi") {}

/**
 * The route below the megaservice's root.
 *
 * @since 0.1.0
 */
export const CHATQNA_PATH = "/v1/chatqna"

/**
 * The health route below every service's root.
 *
 * @since 0.1.0
 */
export const HEALTH_PATH = "/v1/health_check"

/**
 * Builds the extras over the backend's transports and pipeline.
 *
 * @since 0.1.0
 */
export const make = (
  transports: Readonly<Record<Microservice, ProviderHttp>>,
  extras: Pipeline.Extras,
  defaults: { readonly model: string | undefined }
): Service => {
  const http = transports.chatqna
  const provider = http.provider

  const prepare = (input: ChatQna.ChatQnaRequestInput, stream: boolean) =>
    Effect.flatMap(ChatQna.validate(provider, input), (request) => {
      const model = request.model ?? defaults.model
      return Effect.map(
        Effect.mapError(ChatQna.body(request, model, stream), (reason) => LlmError.make(provider, reason, { model })),
        (body) => ({ body, model })
      )
    })

  return {
    chatqna: (input, options) =>
      Effect.flatMap(prepare(input, false), ({ body, model }) =>
        extras.effect({ name: "chatqna", model, usage: (r: ChatResponse) => r.usage }, (call) =>
          Effect.flatMap(http.json({ method: "POST", path: CHATQNA_PATH, body }, call, Wire.ChatCompletion), (reply) => {
            const response = FromWire.chatResponse(countedOnly(reply.body), {
              provider,
              model: model ?? "chatqna",
              requestId: call.requestId,
              providerRequestId: reply.providerRequestId
            })
            return response === undefined
              ? Effect.fail(http.fail(call, new LlmError.InvalidResponse({ detail: "response has no choices" }), reply))
              : Effect.succeed(response)
          }), options)),

    chatqnaStream: (input, options) =>
      Stream.unwrap(Effect.map(prepare(input, true), ({ body, model }) =>
        extras.stream(
          {
            name: "chatqna.stream",
            model,
            isContent: ChatChunk.isContent,
            usage: (chunk: ChatChunk.ChatChunk) => chunk._tag === "Usage" ? chunk.usage : undefined
          },
          (call) =>
            Stream.unwrap(Effect.map(
              http.sse({ method: "POST", path: CHATQNA_PATH, body }, call),
              (reply) => ChatQnaStream.decode(reply.body, http, call, reply.providerRequestId)
            )),
          options
        ))),

    health: (service = "chatqna", options) =>
      extras.effect({ name: "health" }, (call) =>
        Effect.map(
          transports[service].json({ method: "GET", path: HEALTH_PATH }, call, Schema.Unknown),
          (reply): Health => ({ service, details: reply.body })
        ), options)
  }
}

// The gateway answers with a default `UsageInfo()` (all zeros): it counts
// nothing, and zeros would read as a free call in the stats.
const countedOnly = (body: Wire.ChatCompletion): Wire.ChatCompletion => {
  const usage = body.usage
  if (usage === null || usage === undefined) return body
  const counted = (usage.prompt_tokens ?? 0) + (usage.completion_tokens ?? 0) + (usage.total_tokens ?? 0) > 0
  if (counted) return body
  const { usage: _, ...rest } = body
  return rest
}
