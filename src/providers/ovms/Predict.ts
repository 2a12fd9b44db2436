/**
 * The legacy TF-Serving REST API of OVMS before 2026.3
 * (`/v1/models/{m}[/versions/{v}]:predict`), in row format. Input names come
 * from the model's own metadata (`.../metadata`, the serving signature's
 * input aliases), never a hard-coded `data`; the version goes in the path,
 * never the body. Values are numbers (OVMS takes only numerical data here)
 * in nested arrays, or `{ b64 }` for encoded images.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import type { CallOptions } from "../../domain/CallOptions.ts"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import * as LlmError from "../../LlmError.ts"
import type { Extras } from "../../pipeline/Pipeline.ts"
import type { ProviderHttp } from "../../transport/ProviderHttp.ts"
import * as ModelPath from "./ModelPath.ts"

/**
 * One instance's value for one input: a number, nested arrays of numbers,
 * or a base64-encoded image.
 *
 * @since 0.1.0
 */
export type Value = number | { readonly b64: string } | ReadonlyArray<Value>

/**
 * One instance (row): a value per input name, or a bare value when the
 * model has exactly one input.
 *
 * @since 0.1.0
 */
export type Row = Value | Readonly<Record<string, Value>>

/**
 * A prediction result: one prediction per instance, in order, as the model
 * gave it (a value, or an object keyed by output name).
 *
 * @since 0.1.0
 */
export interface PredictResult {
  readonly model: string
  readonly version?: string | undefined
  readonly predictions: ReadonlyArray<unknown>
  /** Our id for the call. */
  readonly requestId: string
}

const Dim = Schema.Struct({ size: Schema.optionalKey(Schema.Union([Schema.String, Schema.Number])) })
const SignatureTensor = Schema.Struct({
  name: Schema.optionalKey(Schema.String),
  dtype: Schema.optionalKey(Schema.String),
  tensorShape: Schema.optionalKey(Schema.Struct({ dim: Schema.optionalKey(Schema.Array(Dim)) }))
})

/** `GET /v1/models/{m}[/versions/{v}]/metadata`, the parts we read. @since 0.1.0 */
export const Metadata = Schema.Struct({
  metadata: Schema.Struct({
    signature_def: Schema.Struct({
      signatureDef: Schema.Record(
        Schema.String,
        Schema.Struct({ inputs: Schema.optionalKey(Schema.Record(Schema.String, SignatureTensor)) })
      )
    })
  })
})
/** @since 0.1.0 */
export type Metadata = typeof Metadata.Type

/** `POST ...:predict` in row format answers `{predictions}`. @since 0.1.0 */
export const Reply = Schema.Struct({ predictions: Schema.Array(Schema.Unknown) })

/**
 * The input names of a signature (default `serving_default`), or
 * `undefined` when the metadata has no such signature.
 *
 * @since 0.1.0
 */
export const inputNames = (metadata: Metadata, signature = "serving_default"): ReadonlyArray<string> | undefined => {
  const def = metadata.metadata.signature_def.signatureDef[signature]
  return def === undefined ? undefined : Object.keys(def.inputs ?? {})
}

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const valueProblem = (value: unknown): string | undefined => {
  if (typeof value === "number") return Number.isFinite(value) ? undefined : `${value} cannot be sent as JSON`
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = valueProblem(item)
      if (problem !== undefined) return problem
    }
    return undefined
  }
  if (isRecord(value) && typeof value["b64"] === "string" && Object.keys(value).length === 1) return undefined
  return `${JSON.stringify(value)?.slice(0, 40)} is not a number, an array of numbers or { b64 }`
}

const invalid = (field: string, detail: string) => new LlmError.InvalidRequest({ field, detail })

/**
 * The row-format `instances`, every row keyed by the model's input names;
 * or why the rows do not fit the model.
 *
 * @since 0.1.0
 */
export const instances = (
  rows: ReadonlyArray<Row>,
  names: ReadonlyArray<string>
): ReadonlyArray<Readonly<Record<string, Value>>> | LlmError.InvalidRequest => {
  if (!Array.isArray(rows) || rows.length === 0) return invalid("instances", "must be a non-empty array of rows")
  if (names.length === 0) return invalid("instances", "the model's metadata lists no inputs")
  const out: Array<Readonly<Record<string, Value>>> = []
  for (const [i, row] of rows.entries()) {
    // A bare value is the one input's: named from the metadata.
    const named: Readonly<Record<string, unknown>> = isRecord(row) && !("b64" in row) ? row : names.length === 1 ? { [names[0]!]: row } : {}
    if (!isRecord(row) && names.length !== 1) {
      return invalid(`instances[${i}]`, `the model takes ${names.length} inputs (${names.join(", ")}): give each row as { name: value }`)
    }
    for (const key of Object.keys(named)) {
      if (!names.includes(key)) return invalid(`instances[${i}].${key}`, `the model has no input ${JSON.stringify(key)}; its inputs: ${names.join(", ")}`)
    }
    for (const name of names) {
      if (!(name in named)) return invalid(`instances[${i}].${name}`, "is missing")
      const problem = valueProblem(named[name])
      if (problem !== undefined) return invalid(`instances[${i}].${name}`, problem)
    }
    out.push(named as Readonly<Record<string, Value>>)
  }
  return out
}

/**
 * Per-call options of `predict`.
 *
 * @since 0.1.0
 */
export interface Options extends CallOptions {
  /** A model version, put in the path. */
  readonly version?: string | number | undefined
  /** The serving signature (default `serving_default`). */
  readonly signatureName?: string | undefined
}

/**
 * Builds `predict`: one metadata request per model, version and signature
 * (its input names are kept), then one `:predict` per call, each its own
 * pipeline call. `enabled` false makes every call `Unsupported`.
 *
 * @since 0.1.0
 */
export const make = (
  http: ProviderHttp,
  extras: Extras,
  enabled: boolean,
  pipelineOptions: (options: Options | undefined) => CallOptions | undefined
) => {
  const provider = http.provider
  const signatures = new Map<string, ReadonlyArray<string>>()

  const inputNamesOf = (model: string, path: string, signature: string, options: CallOptions | undefined) => {
    const known = signatures.get(`${path} ${signature}`)
    if (known !== undefined) return Effect.succeed(known)
    return extras.effect(
      { name: "ovms.tfs.metadata", model },
      (call) =>
        Effect.flatMap(http.json({ method: "GET", path: `${path}/metadata` }, call, Metadata), (reply) => {
          const names = inputNames(reply.body, signature)
          if (names === undefined) {
            const detail = `${model} has no signature ${JSON.stringify(signature)}`
            return Effect.fail(http.fail(call, new LlmError.InvalidRequest({ field: "signatureName", detail }), reply))
          }
          signatures.set(`${path} ${signature}`, names)
          return Effect.succeed(names)
        }),
      options
    )
  }

  return (model: string, rows: ReadonlyArray<Row>, options?: Options): Effect.Effect<PredictResult, LlmError.LlmError> => {
    const refuse = (reason: LlmError.Reason) => Effect.fail(LlmError.make(provider, reason, { model }))
    if (!enabled) {
      return refuse(new LlmError.Unsupported({
        capability: "tfServing",
        detail: "the TF-Serving REST API is off (OVMS 2026.3 removed it); build the backend with tfServing: true to use it"
      }))
    }
    const path = ModelPath.make("/v1", model, options?.version)
    if (typeof path !== "string") return refuse(path)
    const signature = options?.signatureName ?? "serving_default"
    const callOptions = pipelineOptions(options)
    return Effect.gen(function*() {
      const names = yield* inputNamesOf(model, path, signature, callOptions)
      const rowsOut = instances(rows, names)
      if (rowsOut instanceof LlmError.InvalidRequest) return yield* refuse(rowsOut)
      const body = options?.signatureName === undefined ? { instances: rowsOut } : { signature_name: signature, instances: rowsOut }
      return yield* extras.effect(
        { name: "ovms.tfs.predict", model },
        (call) =>
          Effect.map(http.json({ method: "POST", path: `${path}:predict`, body }, call, Reply), (reply) =>
            omitUndefined({
              model,
              version: options?.version === undefined ? undefined : String(options.version),
              predictions: reply.body.predictions,
              requestId: call.requestId
            })),
        callOptions
      )
    })
  }
}
