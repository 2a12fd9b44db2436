/**
 * The S3 XML documents we read and write: ListObjectsV2 pages, multipart
 * results, copy and batch-delete results, error bodies; the
 * CompleteMultipartUpload and Delete request bodies. Decoding is strict
 * about what we rely on (a page without `IsTruncated`, an upload without an
 * id) and fails with a message naming the element.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as S3Xml from "./S3Xml.ts"

/**
 * An S3 error body.
 *
 * @since 0.1.0
 */
export interface ErrorBody {
  readonly code: string | undefined
  readonly message: string | undefined
  readonly requestId: string | undefined
  /** Where a redirect or a wrong-region error points. */
  readonly region: string | undefined
  readonly endpoint: string | undefined
}

/**
 * Reads an `<Error>` document; `undefined` when the text is not one.
 *
 * @since 0.1.0
 */
export const errorBody = (root: S3Xml.Element): ErrorBody | undefined =>
  root.name !== "Error" ? undefined : {
    code: S3Xml.childText(root, "Code"),
    message: S3Xml.childText(root, "Message"),
    requestId: S3Xml.childText(root, "RequestId"),
    region: S3Xml.childText(root, "Region"),
    endpoint: S3Xml.childText(root, "Endpoint")
  }

const expectRoot = (root: S3Xml.Element, name: string): Effect.Effect<S3Xml.Element, string> =>
  root.name === name ? Effect.succeed(root) : Effect.fail(`expected <${name}>, got <${root.name}>`)

const required = (element: S3Xml.Element, name: string): Effect.Effect<string, string> => {
  const value = S3Xml.childText(element, name)
  return value === undefined ? Effect.fail(`<${element.name}> has no <${name}>`) : Effect.succeed(value)
}

const integer = (element: S3Xml.Element, name: string): Effect.Effect<number, string> =>
  Effect.flatMap(required(element, name), (text) => {
    const n = Number(text)
    return Number.isSafeInteger(n) && n >= 0 ? Effect.succeed(n) : Effect.fail(`<${name}> is not a size: ${JSON.stringify(text)}`)
  })

/**
 * One object of a list page.
 *
 * @since 0.1.0
 */
export interface ListedObject {
  readonly key: string
  readonly size: number
  readonly etag: string | undefined
  readonly lastModified: Date | undefined
  readonly storageClass: string | undefined
}

/**
 * One ListObjectsV2 page.
 *
 * @since 0.1.0
 */
export interface ListPage {
  readonly objects: ReadonlyArray<ListedObject>
  readonly prefixes: ReadonlyArray<string>
  readonly nextToken: string | undefined
}

const date = (text: string | undefined): Date | undefined => {
  if (text === undefined) return undefined
  const parsed = new Date(text)
  return Number.isNaN(parsed.getTime()) ? undefined : parsed
}

/**
 * Reads a `<ListBucketResult>` (ListObjectsV2). A truncated page must carry
 * its continuation token, or pagination would silently stop early.
 *
 * @since 0.1.0
 */
export const listPage = (root: S3Xml.Element): Effect.Effect<ListPage, string> =>
  Effect.gen(function*() {
    yield* expectRoot(root, "ListBucketResult")
    const truncated = yield* required(root, "IsTruncated")
    if (truncated !== "true" && truncated !== "false") return yield* Effect.fail(`<IsTruncated> is ${JSON.stringify(truncated)}`)
    const nextToken = S3Xml.childText(root, "NextContinuationToken")
    if (truncated === "true" && (nextToken === undefined || nextToken === "")) {
      return yield* Effect.fail("a truncated page has no <NextContinuationToken>")
    }
    const objects = yield* Effect.forEach(S3Xml.children(root, "Contents"), (entry) =>
      Effect.gen(function*() {
        return {
          key: yield* required(entry, "Key"),
          size: yield* integer(entry, "Size"),
          etag: S3Xml.childText(entry, "ETag"),
          lastModified: date(S3Xml.childText(entry, "LastModified")),
          storageClass: S3Xml.childText(entry, "StorageClass")
        }
      }))
    const prefixes = yield* Effect.forEach(S3Xml.children(root, "CommonPrefixes"), (entry) => required(entry, "Prefix"))
    return { objects, prefixes, nextToken: truncated === "true" ? nextToken : undefined }
  })

/**
 * The upload id of an `<InitiateMultipartUploadResult>`.
 *
 * @since 0.1.0
 */
export const uploadId = (root: S3Xml.Element): Effect.Effect<string, string> =>
  Effect.flatMap(expectRoot(root, "InitiateMultipartUploadResult"), (r) =>
    Effect.flatMap(required(r, "UploadId"), (id) => id.length > 0 ? Effect.succeed(id) : Effect.fail("<UploadId> is empty")))

/**
 * The ETag of a `<CompleteMultipartUploadResult>` or `<CopyObjectResult>`.
 *
 * @since 0.1.0
 */
export const resultEtag = (root: S3Xml.Element, name: "CompleteMultipartUploadResult" | "CopyObjectResult"): Effect.Effect<string, string> =>
  Effect.flatMap(expectRoot(root, name), (r) => required(r, "ETag"))

/**
 * What a batch delete reported.
 *
 * @since 0.1.0
 */
export interface DeleteResult {
  readonly deleted: ReadonlyArray<string>
  readonly errors: ReadonlyArray<{ readonly key: string; readonly code: string; readonly message: string }>
}

/**
 * Reads a `<DeleteResult>`.
 *
 * @since 0.1.0
 */
export const deleteResult = (root: S3Xml.Element): Effect.Effect<DeleteResult, string> =>
  Effect.gen(function*() {
    yield* expectRoot(root, "DeleteResult")
    const deleted = yield* Effect.forEach(S3Xml.children(root, "Deleted"), (entry) => required(entry, "Key"))
    const errors = yield* Effect.forEach(S3Xml.children(root, "Error"), (entry) =>
      Effect.map(required(entry, "Key"), (key) => ({
        key,
        code: S3Xml.childText(entry, "Code") ?? "unknown",
        message: S3Xml.childText(entry, "Message") ?? ""
      })))
    return { deleted, errors }
  })

const S3_NAMESPACE = { xmlns: "http://s3.amazonaws.com/doc/2006-03-01/" }

/**
 * The body of CompleteMultipartUpload: parts in ascending order.
 *
 * @since 0.1.0
 */
export const completeBody = (parts: ReadonlyArray<{ readonly partNumber: number; readonly etag: string }>) =>
  S3Xml.write(S3Xml.element(
    "CompleteMultipartUpload",
    parts.map((part) =>
      S3Xml.element("Part", [S3Xml.element("PartNumber", [String(part.partNumber)]), S3Xml.element("ETag", [part.etag])])
    ),
    S3_NAMESPACE
  ))

/**
 * The body of a batch delete. Not `Quiet`: S3 then lists what it deleted
 * as well as what it could not, and we report both.
 *
 * @since 0.1.0
 */
export const deleteBody = (keys: ReadonlyArray<string>) =>
  S3Xml.write(S3Xml.element(
    "Delete",
    keys.map((key) => S3Xml.element("Object", [S3Xml.element("Key", [key])])),
    S3_NAMESPACE
  ))
