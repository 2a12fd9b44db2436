/**
 * KServe v2 tensors as typed values: a name, a datatype, a shape and the
 * elements flattened in row-major order. The element type follows the
 * datatype (`boolean` for BOOL, `string` for BYTES, `number` otherwise), so
 * `Tensor.make("INT32", ...)` with strings does not compile; values from
 * untyped code are checked at run time before anything is sent.
 *
 * @example
 * ```ts
 * import { OvmsTensor } from "effect-llm-backends"
 *
 * const image = OvmsTensor.make("input", "FP32", [1, 3], [0.1, 0.2, 0.3])
 * const words = OvmsTensor.make("text", "BYTES", [2], ["hello", "wörld"])
 * ```
 *
 * @since 0.1.0
 */

/**
 * The KServe v2 tensor datatypes.
 *
 * @since 0.1.0
 */
export const datatypes = [
  "BOOL",
  "UINT8",
  "UINT16",
  "UINT32",
  "UINT64",
  "INT8",
  "INT16",
  "INT32",
  "INT64",
  "FP16",
  "FP32",
  "FP64",
  "BYTES"
] as const

/**
 * @since 0.1.0
 */
export type Datatype = typeof datatypes[number]

/**
 * The JSON element type of a datatype.
 *
 * @since 0.1.0
 */
export type Element<D extends Datatype> = D extends "BOOL" ? boolean : D extends "BYTES" ? string : number

/**
 * A tensor of one datatype.
 *
 * @since 0.1.0
 */
export interface TensorOf<D extends Datatype> {
  readonly name: string
  readonly datatype: D
  /** Dimensions; their product is the number of elements. */
  readonly shape: ReadonlyArray<number>
  /** The elements, flattened in row-major order. */
  readonly data: ReadonlyArray<Element<D>>
  /** KServe per-tensor parameters, sent (or received) as is. */
  readonly parameters?: Readonly<Record<string, unknown>> | undefined
}

/**
 * A tensor of any datatype, discriminated by `datatype`.
 *
 * @since 0.1.0
 */
export type Tensor = { readonly [D in Datatype]: TensorOf<D> }[Datatype]

/**
 * Builds a tensor; the element type follows the datatype.
 *
 * @since 0.1.0
 */
export const make = <D extends Datatype>(
  name: string,
  datatype: D,
  shape: ReadonlyArray<number>,
  data: ReadonlyArray<Element<D>>,
  parameters?: Readonly<Record<string, unknown>>
): TensorOf<D> => parameters === undefined ? { name, datatype, shape, data } : { name, datatype, shape, data, parameters }

/**
 * The tensor named `name` among `tensors`, if it has `datatype` (when given).
 *
 * @since 0.1.0
 */
export function find<D extends Datatype>(tensors: ReadonlyArray<Tensor>, name: string, datatype: D): TensorOf<D> | undefined
export function find(tensors: ReadonlyArray<Tensor>, name: string): Tensor | undefined
export function find(tensors: ReadonlyArray<Tensor>, name: string, datatype?: Datatype): Tensor | undefined {
  const found = tensors.find((tensor) => tensor.name === name)
  return found === undefined || (datatype !== undefined && found.datatype !== datatype) ? undefined : found
}

/**
 * How many elements a shape holds.
 *
 * @since 0.1.0
 */
export const size = (shape: ReadonlyArray<number>): number => shape.reduce((n, d) => n * d, 1)

/**
 * Whether `value` is a KServe v2 datatype name.
 *
 * @since 0.1.0
 */
export const isDatatype = (value: unknown): value is Datatype =>
  typeof value === "string" && (datatypes as ReadonlyArray<string>).includes(value)

const integerRanges: Partial<Record<Datatype, readonly [number, number]>> = {
  UINT8: [0, 255],
  UINT16: [0, 65535],
  UINT32: [0, 4294967295],
  // JSON numbers are doubles: beyond 2^53 an integer cannot be carried exactly.
  UINT64: [0, Number.MAX_SAFE_INTEGER],
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
  INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]
}

const floatLimits: Partial<Record<Datatype, number>> = {
  FP16: 65504,
  FP32: 3.4028234663852886e38,
  FP64: Number.MAX_VALUE
}

/**
 * Why `value` is not an element of `datatype`, or `undefined` when it is.
 *
 * @since 0.1.0
 */
export const elementProblem = (datatype: Datatype, value: unknown): string | undefined => {
  const shown = typeof value === "string" ? JSON.stringify(value.slice(0, 40)) : String(value)
  if (datatype === "BOOL") return typeof value === "boolean" ? undefined : `${shown} is not a boolean (BOOL)`
  if (datatype === "BYTES") return typeof value === "string" ? undefined : `${shown} is not a string (BYTES)`
  if (typeof value !== "number") return `${shown} is not a number (${datatype})`
  const range = integerRanges[datatype]
  if (range !== undefined) {
    if (!Number.isInteger(value)) return `${shown} is not an integer (${datatype})`
    const [low, high] = range
    if (value < low || value > high) {
      return datatype === "INT64" || datatype === "UINT64"
        ? `${shown} is outside ${low}..${high}, the ${datatype} values a JSON number carries exactly`
        : `${shown} is outside the ${datatype} range ${low}..${high}`
    }
    return undefined
  }
  if (!Number.isFinite(value)) return `${shown} cannot be sent as JSON (${datatype} values must be finite)`
  const limit = floatLimits[datatype] ?? Number.MAX_VALUE
  return Math.abs(value) > limit ? `${shown} is beyond the largest ${datatype} (${limit})` : undefined
}

/**
 * Why `shape` is not a concrete shape (non-negative integer dimensions), or
 * `undefined` when it is.
 *
 * @since 0.1.0
 */
export const shapeProblem = (shape: unknown): string | undefined => {
  if (!Array.isArray(shape)) return "must be an array of dimensions"
  const bad = shape.findIndex((d) => typeof d !== "number" || !Number.isSafeInteger(d) || d < 0)
  return bad === -1 ? undefined : `dimension ${bad} is ${String(shape[bad])}; dimensions are integers >= 0`
}
