/**
 * TGI's native routes beyond chat: `generate` (`POST /generate`),
 * `generateStream` (`POST /generate_stream`, a token at a time), `info`
 * (`GET /info`) and `health` (`GET /health`). Each call goes through the
 * backend's pipeline (same queue, breaker, keys, retry, deadline and stats
 * as chat); a stream is retried only before its first token.
 *
 * Only a self-hosted server has these routes: on Hugging Face's router every
 * one fails with `Unsupported`.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { TgiApi } from "effect-llm-backends"
 *
 * const program = Effect.gen(function*() {
 *   const tgi = yield* TgiApi.TgiApi
 *   const reply = yield* tgi.generate({ inputs: "The capital of France is", maxNewTokens: 8, details: true })
 *   yield* tgi.generateStream({ inputs: "Once upon a time" }).pipe(
 *     Stream.runForEach((event) => Effect.log(event.token.text))
 *   )
 *   return reply.text
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Stream } from "effect"
import type { CallOptions } from "../../domain/CallOptions.ts"
import * as LlmError from "../../LlmError.ts"
import type * as Pipeline from "../../pipeline/Pipeline.ts"
import * as RateLimiter from "../../pipeline/RateLimiter.ts"
import type { ProviderHttp } from "../../transport/ProviderHttp.ts"
import * as FromWire from "./fromWire.ts"
import * as Generate from "./Generate.ts"
import * as Info from "./Info.ts"
import * as StreamDecoder from "./StreamDecoder.ts"
import * as ToWire from "./toWire.ts"
import * as Wire from "./Wire.ts"

/** @since 0.1.0 */
export {
  Details,
  FinalEvent,
  GenerateRequest,
  type GenerateRequestInput,
  GenerateResponse,
  Grammar,
  type StreamEvent,
  Token,
  TokenEvent
} from "./Generate.ts"
/** @since 0.1.0 */
export { Info } from "./Info.ts"

/**
 * The native routes.
 *
 * @since 0.1.0
 */
export interface Service {
  /** One finished generation. */
  readonly generate: (
    request: Generate.GenerateRequestInput,
    options?: CallOptions
  ) => Effect.Effect<Generate.GenerateResponse, LlmError.LlmError>
  /** Tokens as they are generated, then the final event with the whole text. */
  readonly generateStream: (
    request: Generate.GenerateRequestInput,
    options?: CallOptions
  ) => Stream.Stream<Generate.StreamEvent, LlmError.LlmError>
  /** The served model and the server's limits. */
  readonly info: (options?: CallOptions) => Effect.Effect<Info.Info, LlmError.LlmError>
  /** `true` when the server can generate, `false` when it answers that it cannot (503). */
  readonly health: (options?: CallOptions) => Effect.Effect<boolean, LlmError.LlmError>
}

/**
 * The native routes in context (`Tgi.layer` provides them with the backend).
 *
 * @since 0.1.0
 */
export class TgiApi extends Context.Service<TgiApi, Service>()("effect-llm-backends/TgiApi") {}

/**
 * Where the extras run.
 *
 * @since 0.1.0
 */
export interface Settings {
  /** True on Hugging Face's router, which has none of these routes. */
  readonly hosted: boolean
  /** The configured model (reported on responses; TGI serves one model). */
  readonly model: string | undefined
}

const cost = (request: Generate.GenerateRequest) => RateLimiter.estimate(request.inputs.length, request.maxNewTokens)

/**
 * Builds the native routes on a backend's transport and pipeline.
 *
 * @since 0.1.0
 */
export const make = (http: ProviderHttp, extras: Pipeline.Extras, settings: Settings): Service => {
  const provider = http.provider
  const unsupported = (capability: string) =>
    LlmError.make(provider, new LlmError.Unsupported({
      capability,
      detail: `Hugging Face's router has no native TGI routes; ${capability} needs a self-hosted server (TGI_BASE_URL)`
    }))
  const model = settings.model

  const generate: Service["generate"] = (input, options) => {
    if (settings.hosted) return Effect.fail(unsupported("generate"))
    return Effect.flatMap(Generate.validate(provider, input), (request) =>
      extras.effect(
        { name: "generate", model, cost: cost(request), usage: (r: Generate.GenerateResponse) => r.usage },
        (call) =>
          Effect.map(
            http.json({ method: "POST", path: "/generate", body: ToWire.generateBody(request) }, call, Wire.GenerateReply),
            (reply) =>
              FromWire.generateResponse(reply.body.generated_text, reply.body.details, {
                provider,
                model,
                requestId: call.requestId,
                providerRequestId: reply.providerRequestId
              })
          ),
        options
      ))
  }

  const generateStream: Service["generateStream"] = (input, options) => {
    if (settings.hosted) return Stream.fail(unsupported("generateStream"))
    return Stream.unwrap(Effect.map(Generate.validate(provider, input), (request) =>
      extras.stream(
        {
          name: "generate_stream",
          model,
          cost: cost(request),
          usage: (event: Generate.StreamEvent) => event._tag === "Final" ? event.response.usage : undefined
        },
        (call) =>
          Stream.unwrap(Effect.map(
            http.sse({ method: "POST", path: "/generate_stream", body: ToWire.generateBody(request) }, call),
            (reply) => StreamDecoder.decode(reply.body, http, call, reply.providerRequestId)
          )),
        options
      )))
  }

  const info: Service["info"] = (options) =>
    settings.hosted ? Effect.fail(unsupported("info")) : extras.effect(
      { name: "info", model },
      (call) => Effect.map(http.json({ method: "GET", path: "/info" }, call, Wire.Info), (reply) => Info.fromWire(reply.body)),
      options
    )

  const health: Service["health"] = (options) =>
    settings.hosted ? Effect.fail(unsupported("health")) : extras.effect(
      { name: "health", model },
      (call) =>
        // The 200 has an empty body: only the status matters, so at most one
        // piece is read (a hostile endless body must not hold the call).
        http.stream({ method: "GET", path: "/health" }, call).pipe(
          Effect.flatMap((reply) => Stream.runHead(reply.body)),
          Effect.as(true),
          // A 503 is the server's answer ("cannot generate"), not a failure to reach it.
          Effect.catchIf((error) => error.status === 503, () => Effect.succeed(false))
        ),
      options
    )

  return { generate, generateStream, info, health }
}
