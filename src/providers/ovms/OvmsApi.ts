/**
 * OVMS's tensor API (KServe v2 REST, `/v2`): inference with typed tensors,
 * model metadata, and the readiness probes. Every call goes through the
 * backend's pipeline (queue, breaker, keys, retry, deadline, stats) as an
 * extra operation, named `ovms.infer`, `ovms.metadata`, `ovms.ready`,
 * `ovms.server.live`, `ovms.server.ready` (and `ovms.tfs.metadata`,
 * `ovms.tfs.predict` for the legacy `predict`).
 *
 * A request's tensors are checked before anything is sent or queued (see
 * `Infer`). Model names and versions are path segments, percent-encoded.
 * Failures: the KServe `{error}` body's text is the detail; 404 is
 * `NotFound`; 503 (a model not loaded yet) is `Overloaded` and retried.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { OvmsApi, OvmsTensor } from "effect-llm-backends"
 *
 * const program = Effect.gen(function*() {
 *   const ovms = yield* OvmsApi.OvmsApi
 *   const result = yield* ovms.infer("resnet", { inputs: [OvmsTensor.make("0", "FP32", [1, 2], [0.5, 1])] })
 *   return OvmsTensor.find(result.outputs, "1463", "FP32")?.data
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Stream } from "effect"
import type { CallOptions } from "../../domain/CallOptions.ts"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import * as LlmError from "../../LlmError.ts"
import type { Extras } from "../../pipeline/Pipeline.ts"
import type { CallContext, ProviderHttp } from "../../transport/ProviderHttp.ts"
import * as Infer from "./Infer.ts"
import * as ModelPath from "./ModelPath.ts"
import * as Predict from "./Predict.ts"
import * as Wire from "./Wire.ts"

/** @since 0.1.0 */
export type { InferRequest, InferResult, RequestedOutput } from "./Infer.ts"
/** @since 0.1.0 */
export type { PredictResult, Row, Value } from "./Predict.ts"

/**
 * Per-call options of the legacy `predict` (a version, a signature).
 *
 * @since 0.1.0
 */
export type PredictOptions = Predict.Options

/**
 * Per-call options: the pipeline's, and the model version.
 *
 * @since 0.1.0
 */
export interface ModelCallOptions extends CallOptions {
  /** A model version (default: the server's choice, usually the latest). */
  readonly version?: string | number | undefined
}

/**
 * A tensor as model metadata describes it; `-1` marks a dynamic dimension.
 * The datatype is the server's text (it may name types beyond KServe's list).
 *
 * @since 0.1.0
 */
export interface TensorMetadata {
  readonly name: string
  readonly datatype: string
  readonly shape: ReadonlyArray<number>
}

/**
 * What a model takes and gives.
 *
 * @since 0.1.0
 */
export interface ModelMetadata {
  readonly name: string
  readonly versions: ReadonlyArray<string>
  readonly platform?: string | undefined
  readonly inputs: ReadonlyArray<TensorMetadata>
  readonly outputs: ReadonlyArray<TensorMetadata>
  /** OpenVINO runtime info, when the model carries it (e.g. labels). */
  readonly rtInfo?: unknown
}

/**
 * The tensor API.
 *
 * @since 0.1.0
 */
export interface Service {
  /** Runs `model` on typed input tensors; outputs come back typed. */
  readonly infer: (
    model: string,
    request: Infer.InferRequest,
    options?: ModelCallOptions
  ) => Effect.Effect<Infer.InferResult, LlmError.LlmError>
  /** The model's inputs and outputs (names, datatypes, shapes). */
  readonly metadata: (model: string, options?: ModelCallOptions) => Effect.Effect<ModelMetadata, LlmError.LlmError>
  /** Whether the model is ready for inference (a KServe 4xx or a 503 answer is `false`). */
  readonly ready: (model: string, options?: ModelCallOptions) => Effect.Effect<boolean, LlmError.LlmError>
  /** Whether the server is alive. */
  readonly serverLive: (options?: CallOptions) => Effect.Effect<boolean, LlmError.LlmError>
  /** Whether the server is ready (all its models loaded). */
  readonly serverReady: (options?: CallOptions) => Effect.Effect<boolean, LlmError.LlmError>
  /**
   * The legacy TF-Serving `:predict` in row format (OVMS before 2026.3), with
   * input names from the model's metadata. `Unsupported` unless the backend
   * was built with `tfServing: true`.
   */
  readonly predict: (
    model: string,
    instances: ReadonlyArray<Predict.Row>,
    options?: PredictOptions
  ) => Effect.Effect<Predict.PredictResult, LlmError.LlmError>
}

/**
 * What the tensor API needs from the backend's settings.
 *
 * @since 0.1.0
 */
export interface Settings {
  /** Whether the deployment still speaks the TF-Serving `/v1` REST API. */
  readonly tfServing: boolean
}

/**
 * The tensor API in context (`Ovms.layer`).
 *
 * @since 0.1.0
 */
export class OvmsApi extends Context.Service<OvmsApi, Service>()("effect-llm-backends/OvmsApi") {}

// KServe answers a probe with its status alone: 200 is true, a 4xx false.
// Auth and rate-limit answers stay errors; 503 is how a loading model says no.
const notReady = (error: LlmError.LlmError): boolean => {
  const status = error.status
  if (status === undefined) return false
  if (status === 503) return true
  return status >= 400 && status < 500 && ![401, 403, 407, 429].includes(status)
}

const metadataOf = (body: Wire.ModelMetadata): ModelMetadata =>
  omitUndefined({
    name: body.name,
    versions: body.versions ?? [],
    platform: body.platform ?? undefined,
    inputs: body.inputs ?? [],
    outputs: body.outputs ?? [],
    rtInfo: body.rt_info ?? undefined
  })

/**
 * Builds the tensor API over the backend's transport and pipeline.
 *
 * @since 0.1.0
 */
export const make = (http: ProviderHttp, extras: Extras, settings: Settings = { tfServing: false }): Service => {
  const provider = http.provider
  const refuse = (reason: LlmError.InvalidRequest, model?: string) =>
    Effect.fail(LlmError.make(provider, reason, { model }))

  const modelPath = (model: string, version: string | number | undefined) => ModelPath.make("/v2", model, version)

  const probe = (name: string, path: string, model: string | undefined, options: CallOptions | undefined) =>
    extras.effect(
      { name, model },
      // Only the status matters: at most one piece of the body is read.
      (call: CallContext) =>
        Effect.flatMap(http.stream({ method: "GET", path }, call), (reply) => Effect.as(Stream.runHead(reply.body), true)).pipe(
          Effect.catchIf(notReady, () => Effect.succeed(false))
        ),
      options
    )

  const pipelineOptions = (options: PredictOptions | undefined): CallOptions | undefined => {
    if (options === undefined) return undefined
    const { signatureName: _s, version: _v, ...rest } = options
    return rest
  }

  const predict = Predict.make(http, extras, settings.tfServing, pipelineOptions)

  return {
    infer: (model, request, options) => {
      const path = modelPath(model, options?.version)
      if (typeof path !== "string") return refuse(path)
      const invalid = Infer.problem(request)
      if (invalid !== undefined) return refuse(invalid, model)
      const body = Infer.body(request)
      return extras.effect(
        { name: "ovms.infer", model },
        (call) =>
          Effect.flatMap(http.json({ method: "POST", path: `${path}/infer`, body }, call, Wire.InferResponse), (reply) => {
            const decoded = Infer.outputs(reply.body.outputs)
            if ("invalid" in decoded) {
              return Effect.fail(http.fail(call, new LlmError.InvalidResponse({ detail: decoded.invalid }), reply))
            }
            return Effect.succeed(omitUndefined({
              model: reply.body.model_name,
              modelVersion: reply.body.model_version ?? undefined,
              id: reply.body.id ?? undefined,
              parameters: reply.body.parameters ?? undefined,
              outputs: decoded.outputs,
              requestId: call.requestId,
              providerRequestId: reply.providerRequestId
            }))
          }),
        pipelineOptions(options)
      )
    },

    metadata: (model, options) => {
      const path = modelPath(model, options?.version)
      if (typeof path !== "string") return refuse(path)
      return extras.effect(
        { name: "ovms.metadata", model },
        (call) => Effect.map(http.json({ method: "GET", path }, call, Wire.ModelMetadata), (reply) => metadataOf(reply.body)),
        pipelineOptions(options)
      )
    },

    ready: (model, options) => {
      const path = modelPath(model, options?.version)
      if (typeof path !== "string") return refuse(path)
      return probe("ovms.ready", `${path}/ready`, model, pipelineOptions(options))
    },

    serverLive: (options) => probe("ovms.server.live", "/v2/health/live", undefined, options),
    serverReady: (options) => probe("ovms.server.ready", "/v2/health/ready", undefined, options),
    predict
  }
}
