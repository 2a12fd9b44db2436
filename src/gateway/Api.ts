/**
 * The OpenAI-compatible routes: `/v1/chat/completions` (JSON or SSE),
 * `/v1/embeddings`, `/v1/models`, `/v1/rerank`. Each request is
 * authenticated (401 spends nothing), admitted against the client's limits,
 * then routed by its model through the router with the client's priority and
 * the request id. A client that goes away interrupts the handler, which
 * cancels the upstream call.
 *
 * @since 0.1.0
 */
import { Clock, Effect, Schema, type Scope, Stream } from "effect"
import { HttpServerResponse } from "effect/http"
import type { CallOptions } from "../domain/CallOptions.ts"
import type * as LlmError from "../LlmError.ts"
import * as Validate from "../pipeline/Validate.ts"
import type { Client } from "./Clients.ts"
import { Rejection } from "./Clients.ts"
import type { Gateway } from "./Gateway.ts"
import * as Http from "./Http.ts"
import * as OpenAiWire from "./OpenAiWire.ts"
import * as StreamResponse from "./StreamResponse.ts"

/**
 * What a handler knows of its request once it is admitted.
 *
 * @since 0.1.0
 */
export interface Admitted {
  readonly client: Client
  readonly requestId: string
  readonly body: unknown
  /** Ends the client's request (for a stream, when its body ends). */
  readonly leave: Effect.Effect<void>
  /** Notes the model and outcome for the access log. */
  readonly note: (fields: Record<string, string | number>) => void
}

const unknownModel = (model: string) =>
  new Rejection({ status: 404, type: "invalid_request_error", code: "model_not_found", param: "model", message: `The model ${JSON.stringify(model)} does not exist on this gateway` })

const optionsOf = (_gateway: Gateway, admitted: Admitted, midStream?: CallOptions["midStream"]): CallOptions => ({
  priority: admitted.client.priority,
  requestId: admitted.requestId,
  ...(midStream === undefined ? {} : { midStream })
})

const fail = (error: LlmError.LlmError, admitted: Admitted) => {
  admitted.note({ reason: error.reason._tag })
  return Http.fromLlmError(error)
}

/**
 * `POST /v1/chat/completions`.
 *
 * @since 0.1.0
 */
export const chat = (gateway: Gateway, admitted: Admitted) =>
  Effect.flatMap(OpenAiWire.chatCall(admitted.body), (call) =>
    Effect.withFiber((fiber) => {
      const route = gateway.routeFor(call.model)
      if (route === "unknown") return Effect.succeed(Http.fromRejection(unknownModel(call.model)))
      admitted.note({ model: call.model })
      const created = Math.floor(fiber.getRef(Clock.Clock).currentTimeMillisUnsafe() / 1000)
      const id = `chatcmpl-${admitted.requestId}`
      // The common answer as plain steps; streams (and buffered streams) below.
      if (!call.stream) {
        return Effect.map(gateway.backends.router.chat(call.request, optionsOf(gateway, admitted)), (response) => {
          gateway.usage(admitted.client.name, response.usage)
          return Http.json(200, OpenAiWire.completion(response, id, created))
        })
      }
      return streamed(gateway, admitted, call, route.buffer, OpenAiWire.chunkEncoder(id, created, call.model, call.includeUsage))
    })).pipe(Effect.catchTag("LlmError", (error) => Effect.succeed(fail(error, admitted))))

const streamed = (
  gateway: Gateway,
  admitted: Admitted,
  call: OpenAiWire.ChatCall,
  buffer: boolean,
  encoder: ReturnType<typeof OpenAiWire.chunkEncoder>
) =>
  Effect.gen(function*() {
    if (buffer) {
      // Atomic answers: a restart discards what was collected, so the router may restart freely.
      const chunks = yield* Stream.runCollect(gateway.backends.router.stream(call.request, optionsOf(gateway, admitted, "restart")))
      const kept = chunks.slice(chunks.findLastIndex((c) => c._tag === "Reset") + 1)
      let out = ""
      for (const chunk of kept) {
        if (chunk._tag === "Usage") gateway.usage(admitted.client.name, chunk.usage)
        for (const value of encoder.encode(chunk) as ReadonlyArray<unknown>) out += `data: ${JSON.stringify(value)}\n\n`
      }
      for (const value of encoder.end()) out += `data: ${JSON.stringify(value)}\n\n`
      return HttpServerResponse.text(`${out}data: [DONE]\n\n`, { contentType: "text/event-stream", headers: { "cache-control": "no-cache" } })
    }
    const upstream = gateway.backends.router.stream(call.request, optionsOf(gateway, admitted, "continue")).pipe(
      Stream.tap((chunk) => Effect.sync(() => chunk._tag === "Usage" && gateway.usage(admitted.client.name, chunk.usage)))
    )
    const started = yield* StreamResponse.start(upstream, encoder, (ending, error) =>
      Effect.andThen(
        Effect.sync(() => admitted.note({ stream: ending, ...(error === undefined ? {} : { reason: error.reason._tag }) })),
        admitted.leave
      ))
    if (started._tag === "Failed") return fail(started.error, admitted)
    return HttpServerResponse.stream(started.body, {
      contentType: "text/event-stream",
      headers: { "cache-control": "no-cache", "x-accel-buffering": "no" }
    })
  })

/**
 * `POST /v1/embeddings`.
 *
 * @since 0.1.0
 */
export const embeddings = (gateway: Gateway, admitted: Admitted) =>
  Effect.gen(function*() {
    const call = yield* OpenAiWire.embedCall(admitted.body)
    if (gateway.routeFor(call.model) === "unknown") return Http.fromRejection(unknownModel(call.model))
    admitted.note({ model: call.model })
    const response = yield* gateway.backends.router.embed(call.request, optionsOf(gateway, admitted))
    gateway.usage(admitted.client.name, response.usage)
    return Http.json(200, OpenAiWire.embeddings(response))
  }).pipe(Effect.catchTag("LlmError", (error) => Effect.succeed(fail(error, admitted))))

/**
 * `GET /v1/models`: the configured routes' names, or (without routes) what
 * the backends list.
 *
 * @since 0.1.0
 */
export const models = (gateway: Gateway, admitted: Admitted) =>
  Effect.gen(function*() {
    const named = gateway.modelNames()
    if (named.length > 0) return Http.json(200, OpenAiWire.models(named.map((id) => ({ id, ownedBy: "gateway" }))))
    const listed = yield* gateway.backends.router.models(optionsOf(gateway, admitted))
    return Http.json(200, OpenAiWire.models(listed.map((m) => ({ id: m.id, ownedBy: m.provider }))))
  }).pipe(Effect.catchTag("LlmError", (error) => Effect.succeed(fail(error, admitted))))

const RerankBody = Schema.Struct({
  model: Schema.optionalKey(Schema.String),
  query: Schema.String,
  documents: Schema.Array(Schema.String),
  top_n: Schema.optionalKey(Schema.Int),
  return_documents: Schema.optionalKey(Schema.Boolean)
})
const decodeRerank = Schema.decodeUnknownEffect(RerankBody)

/**
 * `POST /v1/rerank` (Cohere/Jina shape), where the config names a reranker.
 *
 * @since 0.1.0
 */
export const rerank = (gateway: Gateway, admitted: Admitted) =>
  Effect.gen(function*() {
    const reranker = gateway.backends.reranker
    if (reranker === undefined) {
      return Http.fromRejection(new Rejection({ status: 404, type: "invalid_request_error", code: "not_found", message: "No reranker is configured on this gateway" }))
    }
    const body = yield* Effect.mapError(decodeRerank(admitted.body), (error) => Validate.invalid("gateway", undefined, error))
    const response = yield* reranker.rerank({
      query: body.query,
      documents: body.documents,
      ...(body.model === undefined ? {} : { model: body.model }),
      ...(body.top_n === undefined ? {} : { topN: body.top_n }),
      ...(body.return_documents === undefined ? {} : { returnDocuments: body.return_documents })
    }, optionsOf(gateway, admitted))
    return Http.json(200, {
      object: "list",
      model: response.model ?? body.model ?? null,
      results: response.results.map((r) => ({
        index: r.index,
        relevance_score: r.score,
        ...(r.document === undefined ? {} : { document: { text: r.document } })
      }))
    })
  }).pipe(Effect.catchTag("LlmError", (error) => Effect.succeed(fail(error, admitted))))

/**
 * A route's work once the request is admitted.
 *
 * @since 0.1.0
 */
export type Handler = (gateway: Gateway, admitted: Admitted) => Effect.Effect<HttpServerResponse.HttpServerResponse, never, Scope.Scope>
