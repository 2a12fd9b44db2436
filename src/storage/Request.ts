/**
 * Checking what a caller asks of the store before any request is made (bad
 * input is `InvalidRequest` naming the field), and the small pieces of S3
 * request syntax built from it: range, metadata and copy-source headers,
 * ListObjectsV2 queries.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as LlmError from "../LlmError.ts"
import * as Addressing from "./Addressing.ts"
import type * as ObjectStore from "./ObjectStore.ts"
import { PROVIDER } from "./S3Http.ts"

/**
 * The `InvalidRequest` error for a field.
 *
 * @since 0.1.0
 */
export const invalid = (field: string, detail: string): LlmError.LlmError =>
  LlmError.make(PROVIDER, new LlmError.InvalidRequest({ field, detail }))

/**
 * @since 0.1.0
 */
export const checkBucket = (bucket: string, field = "bucket"): Effect.Effect<void, LlmError.LlmError> => {
  const problem = Addressing.checkBucket(bucket)
  return problem === undefined ? Effect.void : Effect.fail(invalid(field, `${JSON.stringify(bucket)}: ${problem}`))
}

/**
 * @since 0.1.0
 */
export const checkKey = (key: string, field = "key"): Effect.Effect<void, LlmError.LlmError> => {
  const problem = Addressing.checkKey(key)
  return problem === undefined ? Effect.void : Effect.fail(invalid(field, problem))
}

const isIndex = (n: number | undefined) => n !== undefined && Number.isSafeInteger(n) && n >= 0

/**
 * Checks a bucket, a key and (optionally) a byte range.
 *
 * @since 0.1.0
 */
export const checkObject = (
  ref: ObjectStore.ObjectRef,
  range?: ObjectStore.ByteRange | undefined,
  prefix?: string
): Effect.Effect<void, LlmError.LlmError> =>
  Effect.gen(function*() {
    const at = (field: string) => prefix === undefined ? field : `${prefix}.${field}`
    yield* checkBucket(ref.bucket, at("bucket"))
    yield* checkKey(ref.key, at("key"))
    if (range === undefined) return
    if (!isIndex(range.start)) return yield* Effect.fail(invalid("range.start", "a non-negative integer"))
    if (range.end !== undefined && (!isIndex(range.end) || range.end < range.start)) {
      return yield* Effect.fail(invalid("range.end", "an integer not below range.start (the range is inclusive)"))
    }
  })

/**
 * The `Range` header of an inclusive range.
 *
 * @since 0.1.0
 */
export const rangeHeader = (range: ObjectStore.ByteRange): string => `bytes=${range.start}-${range.end ?? ""}`

const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/

/**
 * `x-amz-meta-*` headers. HTTP headers carry ASCII only; S3 would mangle
 * anything else, so it is refused rather than silently altered.
 *
 * @since 0.1.0
 */
export const metadataHeaders = (
  metadata: Readonly<Record<string, string>> | undefined
): Effect.Effect<Record<string, string>, LlmError.LlmError> => {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(metadata ?? {})) {
    if (!TOKEN.test(name)) return Effect.fail(invalid(`metadata.${name}`, "names are ASCII letters, digits and -_.!#$%&'*+^`|~"))
    if (!PRINTABLE_ASCII.test(value)) return Effect.fail(invalid(`metadata.${name}`, "values are printable ASCII"))
    headers[`x-amz-meta-${name.toLowerCase()}`] = value.trim()
  }
  return Effect.succeed(headers)
}

/**
 * The content type and metadata headers of a new object.
 *
 * @since 0.1.0
 */
export const objectHeaders = (
  request: { readonly contentType?: string | undefined; readonly metadata?: Readonly<Record<string, string>> | undefined }
): Effect.Effect<Record<string, string>, LlmError.LlmError> =>
  request.contentType !== undefined && !PRINTABLE_ASCII.test(request.contentType)
    ? Effect.fail(invalid("contentType", "printable ASCII"))
    : metadataHeaders(request.metadata)

/**
 * The `x-amz-copy-source` value: `/bucket/key`, the key encoded like a path.
 *
 * @since 0.1.0
 */
export const copySource = (ref: ObjectStore.ObjectRef): string => `/${ref.bucket}/${Addressing.encodeKey(ref.key)}`

/**
 * Checks a list request.
 *
 * @since 0.1.0
 */
export const checkList = (request: ObjectStore.ListRequest): Effect.Effect<void, LlmError.LlmError> =>
  Effect.gen(function*() {
    yield* checkBucket(request.bucket)
    const size = request.pageSize
    if (size !== undefined && !(Number.isSafeInteger(size) && size >= 1 && size <= 1000)) {
      return yield* Effect.fail(invalid("pageSize", "an integer from 1 to 1000"))
    }
    for (const field of ["prefix", "delimiter", "startAfter"] as const) {
      const value = request[field]
      if (value !== undefined && Addressing.encode(value) === undefined) {
        return yield* Effect.fail(invalid(field, "not well-formed Unicode (a lone surrogate)"))
      }
    }
  })

/**
 * The query of one ListObjectsV2 page.
 *
 * @since 0.1.0
 */
export const listQuery = (request: ObjectStore.ListRequest, token: string | undefined): Record<string, string> => {
  const query: Record<string, string> = { "list-type": "2" }
  if (request.prefix !== undefined && request.prefix !== "") query["prefix"] = request.prefix
  if (request.delimiter !== undefined && request.delimiter !== "") query["delimiter"] = request.delimiter
  if (request.pageSize !== undefined) query["max-keys"] = String(request.pageSize)
  if (token !== undefined) query["continuation-token"] = token
  else if (request.startAfter !== undefined) query["start-after"] = request.startAfter
  return query
}
