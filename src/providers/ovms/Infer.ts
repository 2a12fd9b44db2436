/**
 * KServe v2 inference, both directions: a request's tensors are checked
 * before anything is sent (names, datatype, shape × data length, every
 * element against its datatype), and a reply's outputs are checked the same
 * way before they become typed tensors. A mismatch going out is an
 * `InvalidRequest` naming the tensor and the field; coming back, an
 * `InvalidResponse`.
 *
 * @since 0.1.0
 */
import { omitUndefined } from "../../internal/omitUndefined.ts"
import * as LlmError from "../../LlmError.ts"
import * as Tensor from "./Tensor.ts"
import type * as Wire from "./Wire.ts"

/**
 * An output the caller asks for, by name (with KServe parameters, if any).
 *
 * @since 0.1.0
 */
export type RequestedOutput = string | { readonly name: string; readonly parameters?: Readonly<Record<string, unknown>> | undefined }

/**
 * An inference request.
 *
 * @since 0.1.0
 */
export interface InferRequest {
  readonly inputs: ReadonlyArray<Tensor.Tensor>
  /** Outputs to return (default: all of the model's). */
  readonly outputs?: ReadonlyArray<RequestedOutput> | undefined
  /** KServe request parameters, sent as is. */
  readonly parameters?: Readonly<Record<string, unknown>> | undefined
  /** KServe request id, echoed by the server. */
  readonly id?: string | undefined
}

/**
 * An inference result.
 *
 * @since 0.1.0
 */
export interface InferResult {
  /** The model that answered (`model_name`). */
  readonly model: string
  readonly modelVersion?: string | undefined
  readonly id?: string | undefined
  readonly parameters?: Readonly<Record<string, unknown>> | undefined
  readonly outputs: ReadonlyArray<Tensor.Tensor>
  /** Our id for the call. */
  readonly requestId: string
  readonly providerRequestId?: string | undefined
}

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const at = (list: string, name: string, field?: string) => `${list}[${JSON.stringify(name)}]${field === undefined ? "" : `.${field}`}`

const invalid = (field: string, detail: string) => new LlmError.InvalidRequest({ field, detail })

/**
 * Why a tensor's elements do not fit its datatype and shape, as
 * `[field suffix, detail]`, or `undefined` when they fit. `data` must be flat.
 */
const dataProblem = (datatype: Tensor.Datatype, shape: ReadonlyArray<number>, data: ReadonlyArray<unknown>) => {
  const expected = Tensor.size(shape)
  if (data.length !== expected) {
    return ["data", `has ${data.length} elements; shape [${shape.join(", ")}] holds ${expected}`] as const
  }
  for (let i = 0; i < data.length; i++) {
    const problem = Tensor.elementProblem(datatype, data[i])
    if (problem !== undefined) return [`data[${i}]`, problem] as const
  }
  return undefined
}

const inputProblem = (value: unknown, index: number, seen: Set<string>): LlmError.InvalidRequest | undefined => {
  if (!isRecord(value)) return invalid(`inputs[${index}]`, "must be a tensor object { name, datatype, shape, data }")
  const name = value["name"]
  if (typeof name !== "string" || name.trim().length === 0) return invalid(`inputs[${index}].name`, "must be a non-empty string")
  if (seen.has(name)) return invalid(at("inputs", name, "name"), "is given twice")
  seen.add(name)
  const datatype = value["datatype"]
  if (!Tensor.isDatatype(datatype)) {
    return invalid(at("inputs", name, "datatype"), `${JSON.stringify(datatype)} is not one of ${Tensor.datatypes.join(", ")}`)
  }
  const shape = value["shape"]
  const badShape = Tensor.shapeProblem(shape)
  if (badShape !== undefined) return invalid(at("inputs", name, "shape"), badShape)
  const data = value["data"]
  // Flat only: a nested array would hide a length that does not match its shape.
  if (!Array.isArray(data) || data.some(Array.isArray)) {
    return invalid(at("inputs", name, "data"), "must be a flat array of elements (row-major)")
  }
  const problem = dataProblem(datatype, shape as ReadonlyArray<number>, data)
  if (problem !== undefined) return invalid(at("inputs", name, problem[0]), problem[1])
  const parameters = value["parameters"]
  if (parameters !== undefined && !isRecord(parameters)) return invalid(at("inputs", name, "parameters"), "must be an object")
  return undefined
}

const outputName = (output: RequestedOutput): unknown => typeof output === "string" ? output : isRecord(output) ? output.name : undefined

/**
 * Why a request cannot be sent, or `undefined` when it can.
 *
 * @since 0.1.0
 */
export const problem = (request: InferRequest): LlmError.InvalidRequest | undefined => {
  if (!isRecord(request)) return invalid("request", "must be an object { inputs, outputs?, parameters? }")
  const inputs: unknown = request.inputs
  if (!Array.isArray(inputs) || inputs.length === 0) return invalid("inputs", "must be a non-empty array of tensors")
  const seen = new Set<string>()
  for (const [i, input] of inputs.entries()) {
    const found = inputProblem(input, i, seen)
    if (found !== undefined) return found
  }
  const outputs: unknown = request.outputs
  if (outputs !== undefined) {
    if (!Array.isArray(outputs)) return invalid("outputs", "must be an array of output names")
    const named = new Set<string>()
    for (const [i, output] of outputs.entries()) {
      const name = outputName(output as RequestedOutput)
      if (typeof name !== "string" || name.trim().length === 0) return invalid(`outputs[${i}]`, "must name an output")
      if (named.has(name)) return invalid(at("outputs", name), "is asked for twice")
      named.add(name)
    }
  }
  if (request.parameters !== undefined && !isRecord(request.parameters)) return invalid("parameters", "must be an object")
  if (request.id !== undefined && (typeof request.id !== "string" || request.id.length === 0)) return invalid("id", "must be a non-empty string")
  return undefined
}

/**
 * The body of `POST /v2/models/{m}[/versions/{v}]/infer`.
 *
 * @since 0.1.0
 */
export const body = (request: InferRequest): Record<string, unknown> =>
  omitUndefined({
    id: request.id,
    parameters: request.parameters,
    inputs: request.inputs.map((tensor) =>
      omitUndefined({
        name: tensor.name,
        shape: tensor.shape,
        datatype: tensor.datatype,
        parameters: tensor.parameters,
        data: tensor.data
      })
    ),
    outputs: request.outputs?.map((output) =>
      typeof output === "string" ? { name: output } : omitUndefined({ name: output.name, parameters: output.parameters })
    )
  })

// The spec allows elements in their multi-dimensional form; OVMS sends them flat.
const flatten = (data: ReadonlyArray<unknown>): Array<unknown> => {
  const out: Array<unknown> = []
  const walk = (value: unknown) => {
    if (Array.isArray(value)) for (const item of value) walk(item)
    else out.push(value)
  }
  walk(data)
  return out
}

/**
 * A reply's output tensors, checked; or the reason they cannot be read.
 *
 * @since 0.1.0
 */
export const outputs = (
  wire: ReadonlyArray<Wire.OutputTensor>
): { readonly outputs: ReadonlyArray<Tensor.Tensor> } | { readonly invalid: string } => {
  const out: Array<Tensor.Tensor> = []
  for (const output of wire) {
    const name = JSON.stringify(output.name)
    if (!Tensor.isDatatype(output.datatype)) return { invalid: `output ${name} has unknown datatype ${JSON.stringify(output.datatype)}` }
    const badShape = Tensor.shapeProblem(output.shape)
    if (badShape !== undefined) return { invalid: `output ${name} shape: ${badShape}` }
    if (!Array.isArray(output.data)) {
      return { invalid: `output ${name} has no JSON data (binary outputs are not read; do not ask for binary_data)` }
    }
    const data = flatten(output.data)
    const problem = dataProblem(output.datatype, output.shape, data)
    if (problem !== undefined) return { invalid: `output ${name} ${problem[0]}: ${problem[1]}` }
    out.push(omitUndefined({
      name: output.name,
      datatype: output.datatype,
      shape: output.shape,
      // Checked element by element against the datatype just above.
      data: data as Tensor.Tensor["data"],
      parameters: output.parameters ?? undefined
    }) as Tensor.Tensor)
  }
  return { outputs: out }
}
