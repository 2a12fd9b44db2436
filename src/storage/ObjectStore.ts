/**
 * The object-storage service (S3 and S3-compatible stores), next to
 * `LlmBackend`: its calls go through the same pipeline (queue, retry,
 * breaker, key pool, stats) and fail with `LlmError` reasons, the bucket in
 * the error's `model` field.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { ObjectStore } from "effect-llm-backends/s3"
 *
 * const program = Effect.gen(function*() {
 *   const store = yield* ObjectStore.ObjectStore
 *   yield* store.put({ bucket: "docs", key: "notes/today.txt", body: "hello" })
 *   const keys = yield* Stream.runCollect(store.list({ bucket: "docs", prefix: "notes/" }))
 *   return keys.length
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Context, type Duration, type Effect, type Stream } from "effect"
import type { CallOptions } from "../domain/CallOptions.ts"
import type { Monitor } from "../LlmBackend.ts"
import type { LlmError } from "../LlmError.ts"

/**
 * An object's address.
 *
 * @since 0.1.0
 */
export interface ObjectRef {
  readonly bucket: string
  readonly key: string
}

/**
 * A body to store: bytes, text (sent as UTF-8) or a stream of bytes. A
 * stream is read once: buffered whole when it ends under the multipart
 * threshold, else uploaded in parts.
 *
 * @since 0.1.0
 */
export type Body<E = never> = Uint8Array | string | Stream.Stream<Uint8Array, E>

/**
 * How far an upload got.
 *
 * @since 0.1.0
 */
export interface Progress {
  /** Bytes the store has confirmed. */
  readonly loaded: number
  /** The body's size, when known up front (bytes or text; not a stream). */
  readonly total: number | undefined
  /** Parts confirmed so far (0 for a single-request upload before it ends). */
  readonly parts: number
}

/**
 * @since 0.1.0
 */
export interface PutRequest<E = never> extends ObjectRef {
  readonly body: Body<E>
  readonly contentType?: string | undefined
  /** User metadata (`x-amz-meta-*`): ASCII names and values. */
  readonly metadata?: Readonly<Record<string, string>> | undefined
  /** Told after each confirmed part (or the single request), in order. */
  readonly onProgress?: ((progress: Progress) => Effect.Effect<void>) | undefined
}

/**
 * @since 0.1.0
 */
export interface PutResult extends ObjectRef {
  readonly etag: string
  readonly size: number
  /** Parts uploaded (1 for a single request). */
  readonly parts: number
  readonly multipart: boolean
}

/**
 * An inclusive byte range; `end` omitted means to the end of the object.
 *
 * @since 0.1.0
 */
export interface ByteRange {
  readonly start: number
  readonly end?: number | undefined
}

/**
 * @since 0.1.0
 */
export interface GetRequest extends ObjectRef {
  readonly range?: ByteRange | undefined
}

/**
 * What the store says about an object.
 *
 * @since 0.1.0
 */
export interface ObjectInfo extends ObjectRef {
  /** Size of the object (not of a requested range). */
  readonly size: number
  readonly etag: string | undefined
  readonly contentType: string | undefined
  readonly lastModified: Date | undefined
  readonly metadata: Readonly<Record<string, string>>
}

/**
 * An object read whole (or the requested range of it).
 *
 * @since 0.1.0
 */
export interface GetResult extends ObjectInfo {
  readonly body: Uint8Array
}

/**
 * @since 0.1.0
 */
export interface ListRequest {
  readonly bucket: string
  readonly prefix?: string | undefined
  /** Groups keys by the part after `prefix` up to this (usually `"/"`) into `Prefix` entries. */
  readonly delimiter?: string | undefined
  /** Keys per page request (1-1000, default 1000). */
  readonly pageSize?: number | undefined
  /** Lists keys after this one. */
  readonly startAfter?: string | undefined
}

/**
 * One entry of a listing: an object, or a common prefix (with a delimiter).
 *
 * @since 0.1.0
 */
export type ListEntry =
  | {
    readonly _tag: "Object"
    readonly key: string
    readonly size: number
    readonly etag: string | undefined
    readonly lastModified: Date | undefined
    readonly storageClass: string | undefined
  }
  | { readonly _tag: "Prefix"; readonly prefix: string }

/**
 * @since 0.1.0
 */
export interface CopyRequest {
  readonly source: ObjectRef
  readonly target: ObjectRef
  /** Replaces the metadata (and content type) instead of copying the source's. */
  readonly metadata?: Readonly<Record<string, string>> | undefined
  readonly contentType?: string | undefined
}

/**
 * What a batch delete did. Keys that did not exist count as deleted (S3's rule).
 *
 * @since 0.1.0
 */
export interface DeleteManyResult {
  readonly deleted: ReadonlyArray<string>
  readonly errors: ReadonlyArray<{ readonly key: string; readonly code: string; readonly message: string }>
}

/**
 * @since 0.1.0
 */
export interface PresignRequest extends ObjectRef {
  readonly method: "GET" | "PUT"
  /** 1 second to 7 days (S3's limit). */
  readonly expiresIn: Duration.Input
  /** For PUT: the content type the uploader must send (it is signed). */
  readonly contentType?: string | undefined
}

/**
 * A presigned URL and what its user must send with it.
 *
 * @since 0.1.0
 */
export interface Presigned {
  readonly url: string
  readonly method: "GET" | "PUT"
  readonly expiresAt: Date
  /** Headers the request must carry exactly (signed), e.g. `content-type`. */
  readonly headers: Readonly<Record<string, string>>
}

/**
 * The store's operations.
 *
 * @since 0.1.0
 */
export interface Service {
  /** Which implementation this is, e.g. `"s3"`. */
  readonly provider: string
  readonly put: <E = never>(request: PutRequest<E>, options?: CallOptions) => Effect.Effect<PutResult, LlmError | E>
  /** The object (or range) read whole into memory. */
  readonly get: (request: GetRequest, options?: CallOptions) => Effect.Effect<GetResult, LlmError>
  /** The object (or range) as a stream of bytes. */
  readonly getStream: (request: GetRequest, options?: CallOptions) => Stream.Stream<Uint8Array, LlmError>
  readonly head: (ref: ObjectRef, options?: CallOptions) => Effect.Effect<ObjectInfo, LlmError>
  /** Deletes an object; deleting a missing key succeeds (S3's rule). */
  readonly delete: (ref: ObjectRef, options?: CallOptions) => Effect.Effect<void, LlmError>
  readonly deleteMany: (
    bucket: string,
    keys: ReadonlyArray<string>,
    options?: CallOptions
  ) => Effect.Effect<DeleteManyResult, LlmError>
  /** Every matching entry, one page request at a time as the stream is read. */
  readonly list: (request: ListRequest, options?: CallOptions) => Stream.Stream<ListEntry, LlmError>
  readonly copy: (request: CopyRequest, options?: CallOptions) => Effect.Effect<{ readonly etag: string }, LlmError>
  /** A URL a plain HTTP client can use until it expires (computed locally, no request). */
  readonly presign: (request: PresignRequest) => Effect.Effect<Presigned, LlmError>
  /** Stats, recent calls and breaker state of the store's pipeline. */
  readonly monitor: Monitor
}

/**
 * The store in context.
 *
 * @since 0.1.0
 */
export class ObjectStore extends Context.Service<ObjectStore, Service>()("effect-llm-backends/ObjectStore") {}
