/**
 * Ollama's own operations beyond chat, streaming, embeddings and models:
 * pulling a model with progress, describing a model, raw completions
 * (`/api/generate`) and the server version.
 *
 * These are direct HTTP calls on the backend's transport (same base URL, key
 * and error classification, typed `LlmError`s), deliberately NOT run through
 * the resilience pipeline: a pull is a long download that reports its own
 * progress, which the pipeline's attempt and idle timeouts would cut short
 * and its retries would restart. There is no queue, retry, breaker or stats
 * here; wrap a call in your own `Effect.retry` if you want one.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { OllamaApi } from "effect-llm-backends"
 *
 * const program = Effect.gen(function*() {
 *   const ollama = yield* OllamaApi.OllamaApi
 *   yield* ollama.pull("llama3.2").pipe(Stream.runForEach((p) => Effect.log(p.status, p.fraction)))
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, type Redacted, Stream } from "effect"
import type { ChatChunk } from "../../domain/ChatChunk.ts"
import * as LlmError from "../../LlmError.ts"
import * as Validate from "../../pipeline/Validate.ts"
import type { CallContext, ProviderHttp } from "../../transport/ProviderHttp.ts"
import * as Generate from "./Generate.ts"
import { NDJSON } from "./OllamaProvider.ts"
import * as Pull from "./Pull.ts"
import * as Show from "./Show.ts"
import * as StreamDecoder from "./StreamDecoder.ts"
import type * as ToWire from "./toWire.ts"
import * as Wire from "./Wire.ts"

/** @since 0.1.0 */
export { GenerateRequest, type GenerateRequestInput, GenerateResponse } from "./Generate.ts"
/** @since 0.1.0 */
export { PullProgress } from "./Pull.ts"
/** @since 0.1.0 */
export { ModelDetails, ModelFamily } from "./Show.ts"

/**
 * Per-call options of the extras (they bypass the pipeline, so only the id applies).
 *
 * @since 0.1.0
 */
export interface CallOptions {
  /** Our id for this call; generated when absent. */
  readonly requestId?: string | undefined
}

/**
 * The extras.
 *
 * @since 0.1.0
 */
export interface Service {
  /** Downloads a model, streaming its progress; fails unless it ends with `success`. */
  readonly pull: (model: string, options?: CallOptions) => Stream.Stream<Pull.PullProgress, LlmError.LlmError>
  /** Describes a local model. */
  readonly show: (model: string, options?: CallOptions) => Effect.Effect<Show.ModelDetails, LlmError.LlmError>
  /** A raw completion (`stream:false`). */
  readonly generate: (
    request: Generate.GenerateRequestInput,
    options?: CallOptions
  ) => Effect.Effect<Generate.GenerateResponse, LlmError.LlmError>
  /** A raw completion as it is generated (text deltas, finish, usage). */
  readonly generateStream: (
    request: Generate.GenerateRequestInput,
    options?: CallOptions
  ) => Stream.Stream<ChatChunk, LlmError.LlmError>
  /** The server's version, e.g. `0.12.6`. */
  readonly version: (options?: CallOptions) => Effect.Effect<string, LlmError.LlmError>
}

/**
 * The extras in context (`Ollama.layerApi`).
 *
 * @since 0.1.0
 */
export class OllamaApi extends Context.Service<OllamaApi, Service>()("effect-llm-backends/OllamaApi") {}

/**
 * What the extras need from the backend's settings.
 *
 * @since 0.1.0
 */
export interface Settings extends ToWire.Settings {
  readonly apiKey: Redacted.Redacted<string> | undefined
  /** Default model for `generate`. */
  readonly model: string | undefined
}

/**
 * Builds the extras over a configured transport.
 *
 * @since 0.1.0
 */
export const make = (http: ProviderHttp, settings: Settings): Service => {
  const provider = http.provider

  const context = (model: string | undefined, options: CallOptions | undefined): Effect.Effect<CallContext, LlmError.LlmError> =>
    Effect.map(
      Validate.callOptions(provider, options?.requestId === undefined ? undefined : { requestId: options.requestId }),
      (resolved) => ({ requestId: resolved.requestId, model, apiKey: settings.apiKey })
    )

  const named = (model: string, options: CallOptions | undefined) =>
    model.trim().length === 0
      ? Effect.fail(LlmError.make(provider, new LlmError.InvalidRequest({ field: "model", detail: "must not be empty" })))
      : context(model, options)

  const prepare = (input: Generate.GenerateRequestInput, options: CallOptions | undefined, stream: boolean) =>
    Effect.gen(function*() {
      const request = yield* Generate.validate(provider, input)
      const model = yield* Validate.model(provider, request.model, settings.model)
      const call = yield* context(model, options)
      const body = yield* Effect.mapError(Generate.body(request, model, settings, stream), (reason) => http.fail(call, reason))
      return { call, body, model }
    })

  return {
    pull: (model, options) =>
      Stream.unwrap(Effect.gen(function*() {
        const call = yield* named(model, options)
        const reply = yield* http.ndjson({ method: "POST", path: "/api/pull", body: { model, stream: true }, accept: NDJSON }, call)
        return Pull.decode(reply.body, http, call, reply.providerRequestId)
      })),

    show: (model, options) =>
      Effect.gen(function*() {
        const call = yield* named(model, options)
        const reply = yield* http.json({ method: "POST", path: "/api/show", body: { model } }, call, Wire.ShowReply)
        return Show.fromWire(reply.body, model)
      }),

    generate: (input, options) =>
      Effect.gen(function*() {
        const { body, call, model } = yield* prepare(input, options, false)
        const reply = yield* http.json({ method: "POST", path: "/api/generate", body }, call, Wire.GenerateLine)
        const response = Generate.response(reply.body, {
          provider,
          model,
          requestId: call.requestId,
          providerRequestId: reply.providerRequestId
        })
        if (response !== undefined) return response
        return yield* Effect.fail(
          http.fail(call, new LlmError.InvalidResponse({ detail: "reply is not finished (done is not true)" }), reply)
        )
      }),

    generateStream: (input, options) =>
      Stream.unwrap(Effect.gen(function*() {
        const { body, call } = yield* prepare(input, options, true)
        const reply = yield* http.ndjson({ method: "POST", path: "/api/generate", body, accept: NDJSON }, call)
        return StreamDecoder.decode(
          reply.body,
          StreamDecoder.generateLine,
          http,
          call,
          reply.providerRequestId
        )
      })),

    version: (options) =>
      Effect.gen(function*() {
        const call = yield* context(undefined, options)
        const reply = yield* http.json({ method: "GET", path: "/api/version" }, call, Wire.VersionReply)
        return reply.body.version
      })
  }
}
