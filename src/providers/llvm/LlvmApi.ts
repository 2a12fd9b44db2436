/**
 * A generic REST model server's own operations: list and describe models,
 * and run a model on JSON input, one at a time (`infer`) or as an explicit
 * batch (`batchInfer`). Every call goes through the backend's pipeline.
 *
 * There is no hidden batching: `infer` sends its request at once and returns
 * when its answer arrives (the predecessor held lone requests back to fill a
 * batch, and a lone request waited forever).
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { LlvmApi } from "effect-llm-backends"
 *
 * const Sentiment = Schema.Struct({ label: Schema.String, score: Schema.Number })
 * const program = Effect.gen(function*() {
 *   const server = yield* LlvmApi.LlvmApi
 *   const verdict = yield* server.infer("sentiment", { text: "I love it" }, { output: Sentiment })
 *   return verdict.label
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Schema } from "effect"
import type { CallOptions } from "../../domain/CallOptions.ts"
import type { ModelInfo } from "../../domain/Model.ts"
import * as LlmError from "../../LlmError.ts"
import type * as Pipeline from "../../pipeline/Pipeline.ts"
import * as Validate from "../../pipeline/Validate.ts"
import type { CallContext, ProviderHttp, Reply } from "../../transport/ProviderHttp.ts"
import * as Routes from "./Routes.ts"

/**
 * What `infer` / `batchInfer` take besides the input.
 *
 * @since 0.1.0
 */
export interface InferOptions<A> {
  /** Sent as `parameters` next to the input. */
  readonly parameters?: Readonly<Record<string, unknown>> | undefined
  /** Decodes each answer at the edge; without it the answer is `unknown` JSON. */
  readonly output?: Schema.Decoder<A> | undefined
}

/**
 * One model's description as the server sent it.
 *
 * @since 0.1.0
 */
export interface ModelDetails {
  /** The body's `id` when it has a string one, else the id asked for. */
  readonly id: string
  readonly details: unknown
}

/**
 * The operations.
 *
 * @since 0.1.0
 */
export interface Service {
  /** The models the server lists. */
  readonly listModels: (options?: CallOptions) => Effect.Effect<ReadonlyArray<ModelInfo>, LlmError.LlmError>
  /** One model's description. */
  readonly modelInfo: (model: string, options?: CallOptions) => Effect.Effect<ModelDetails, LlmError.LlmError>
  /** Runs `model` on one JSON input; the answer decoded with `output` if given. */
  readonly infer: {
    <A>(model: string, input: unknown, options: InferOptions<A> & { readonly output: Schema.Decoder<A> }, call?: CallOptions): Effect.Effect<A, LlmError.LlmError>
    (model: string, input: unknown, options?: InferOptions<unknown>, call?: CallOptions): Effect.Effect<unknown, LlmError.LlmError>
  }
  /** Runs `model` on several inputs in one request; answers in input order. */
  readonly batchInfer: {
    <A>(model: string, inputs: ReadonlyArray<unknown>, options: InferOptions<A> & { readonly output: Schema.Decoder<A> }, call?: CallOptions): Effect.Effect<ReadonlyArray<A>, LlmError.LlmError>
    (model: string, inputs: ReadonlyArray<unknown>, options?: InferOptions<unknown>, call?: CallOptions): Effect.Effect<ReadonlyArray<unknown>, LlmError.LlmError>
  }
}

/**
 * The operations in context (`Llvm.layer`).
 *
 * @since 0.1.0
 */
export class LlvmApi extends Context.Service<LlvmApi, Service>()("effect-llm-backends/LlvmApi") {}

const InferReply = Schema.Struct({ result: Schema.Unknown })
const BatchReply = Schema.Struct({ results: Schema.Array(Schema.Unknown) })
const validJson = Schema.decodeUnknownEffect(Schema.Json)

/**
 * Builds the operations over the backend's transport and pipeline.
 *
 * @since 0.1.0
 */
export const make = (
  http: ProviderHttp,
  extras: Pipeline.Extras,
  routes: Routes.Routes,
  listModels: Service["listModels"]
): Service => {
  const provider = http.provider

  const json = (field: string, value: unknown) =>
    Effect.mapError(validJson(value), (error) => Validate.invalid(provider, field, error))

  // Without a schema the answer stays `unknown`: the caller narrows it.
  const decodeWith = (output: Schema.Decoder<unknown> | undefined, value: unknown, call: CallContext, reply: Reply<unknown>, at: string) =>
    output === undefined
      ? Effect.succeed(value)
      : Effect.mapError(
        Schema.decodeUnknownEffect(output)(value),
        (error) =>
          http.fail(call, new LlmError.InvalidResponse({
            detail: `${at} does not match the output schema: ${http.snippet(error.message)}`,
            snippet: http.snippet(JSON.stringify(value) ?? "")
          }), reply)
      )

  const parametersOf = (options: InferOptions<unknown> | undefined) =>
    options?.parameters === undefined ? Effect.succeed(undefined) : json("parameters", options.parameters)

  const infer = (model: string, input: unknown, options?: InferOptions<unknown>, callOptions?: CallOptions) =>
    Effect.gen(function*() {
      const path = yield* Routes.render(provider, routes.infer, model)
      const body = { input: yield* json("input", input), ...omitParameters(yield* parametersOf(options)) }
      return yield* extras.effect({ name: "infer", model }, (call) =>
        Effect.flatMap(
          http.json({ method: "POST", path, body }, call, InferReply),
          (reply) => decodeWith(options?.output, reply.body.result, call, reply, "result")
        ), callOptions)
    })

  const batchInfer = (model: string, inputs: ReadonlyArray<unknown>, options?: InferOptions<unknown>, callOptions?: CallOptions) =>
    Effect.gen(function*() {
      const path = yield* Routes.render(provider, routes.batchInfer, model)
      if (inputs.length === 0) {
        return yield* Effect.fail(LlmError.make(provider, new LlmError.InvalidRequest({ field: "inputs", detail: "must not be empty" })))
      }
      const body = { inputs: yield* json("inputs", inputs), ...omitParameters(yield* parametersOf(options)) }
      return yield* extras.effect({ name: "batch_infer", model }, (call) =>
        Effect.flatMap(http.json({ method: "POST", path, body }, call, BatchReply), (reply) => {
          const results = reply.body.results
          if (results.length !== inputs.length) {
            return Effect.fail(http.fail(call, new LlmError.InvalidResponse({
              detail: `sent ${inputs.length} inputs, got ${results.length} results`
            }), reply))
          }
          return Effect.forEach(results, (value, i) => decodeWith(options?.output, value, call, reply, `results[${i}]`))
        }), callOptions)
    })

  return {
    listModels,
    modelInfo: (model, callOptions) =>
      Effect.flatMap(Routes.render(provider, routes.model, model), (path) =>
        extras.effect({ name: "model_info", model }, (call) =>
          Effect.map(http.json({ method: "GET", path }, call, Schema.Unknown), (reply): ModelDetails => {
            const body = reply.body
            const id = typeof body === "object" && body !== null && "id" in body && typeof body.id === "string" ? body.id : model
            return { id, details: body }
          }), callOptions)),
    // One implementation serves both overloads: with `output` the decoder
    // produced the `A` the overload promises; without it the value is `unknown`.
    infer: infer as Service["infer"],
    batchInfer: batchInfer as Service["batchInfer"]
  }
}

const omitParameters = (parameters: unknown) => parameters === undefined ? {} : { parameters }
