/**
 * Putting a body of any size. Bytes and text up to the multipart threshold,
 * and streams that end under it (read into memory first: a single-shot PUT
 * cannot be replayed from a half-read stream), go in one request. Anything
 * larger is a multipart upload: parts of `partSize` bytes, each buffered and
 * its own pipeline call (`s3.uploadPart`, retried on its own), at most
 * `concurrency` at a time (memory: about `partSize × (concurrency + 1)` plus
 * the threshold while deciding), progress reported as parts are confirmed.
 * The upload is completed only when every part succeeded; on any failure or
 * interruption it is aborted, and a failed abort is logged and recorded
 * (`s3.abortMultipart` in recent calls), never raised over the real failure.
 *
 * @since 0.1.0
 */
import { Effect, Exit, Pull, Semaphore, Stream } from "effect"
import type { CallOptions } from "../domain/CallOptions.ts"
import * as LlmError from "../LlmError.ts"
import type * as ObjectStore from "./ObjectStore.ts"
import type * as Objects from "./Objects.ts"
import * as Request from "./Request.ts"
import * as S3Wire from "./S3Wire.ts"

/**
 * @since 0.1.0
 */
export interface Settings {
  /** Bytes per part (the last may be smaller). */
  readonly partSize: number
  /** Bodies larger than this go multipart (at least `partSize`). */
  readonly threshold: number
  /** Parts in flight at once. */
  readonly concurrency: number
}

/** S3's limit on parts per upload. @since 0.1.0 */
export const MAX_PARTS = 10_000

const concat = (chunks: ReadonlyArray<Uint8Array>, length: number): Uint8Array => {
  if (chunks.length === 1 && chunks[0]!.length === length) return chunks[0]!
  const out = new Uint8Array(length)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.length
  }
  return out
}

interface Pending {
  chunks: Array<Uint8Array>
  length: number
}

const take = (state: Pending, size: number): Uint8Array => {
  const out = new Uint8Array(size)
  let filled = 0
  while (filled < size) {
    const chunk = state.chunks[0]!
    const n = Math.min(chunk.length, size - filled)
    out.set(chunk.subarray(0, n), filled)
    filled += n
    if (n === chunk.length) state.chunks.shift()
    else state.chunks[0] = chunk.slice(n)
  }
  state.length -= size
  return out
}

/**
 * Re-cuts a byte stream into parts of exactly `size` bytes (the last one
 * shorter), each a fresh buffer.
 *
 * @since 0.1.0
 */
export const parts = <E>(body: Stream.Stream<Uint8Array, E>, size: number): Stream.Stream<Uint8Array, E> =>
  Stream.mapAccum(body, (): Pending => ({ chunks: [], length: 0 }), (state, chunk) => {
    if (chunk.length === 0) return [state, []]
    state.chunks.push(chunk)
    state.length += chunk.length
    const out: Array<Uint8Array> = []
    while (state.length >= size) out.push(take(state, size))
    return [state, out]
  }, { onHalt: (state) => state.length === 0 ? [] : [take(state, state.length)] })

const slices = (bytes: Uint8Array, size: number): Stream.Stream<Uint8Array> => {
  const out: Array<Uint8Array> = []
  for (let offset = 0; offset < bytes.length; offset += size) out.push(bytes.subarray(offset, offset + size))
  return Stream.fromIterable(out)
}

/**
 * Builds `put` over the single-request operations.
 *
 * @since 0.1.0
 */
export const make = (objects: ReturnType<typeof Objects.make>, deps: Objects.Deps, settings: Settings) => {
  const { extras, http } = deps

  const single = <E>(request: ObjectStore.PutRequest<E>, body: Uint8Array, headers: Record<string, string>, options?: CallOptions) =>
    Effect.gen(function*() {
      const etag = yield* objects.putOnce(request, body, headers, request.contentType, options)
      if (request.onProgress !== undefined) yield* request.onProgress({ loaded: body.length, total: body.length, parts: 1 })
      return { bucket: request.bucket, key: request.key, etag, size: body.length, parts: 1, multipart: false }
    })

  const create = (ref: ObjectStore.ObjectRef, headers: Record<string, string>, contentType: string | undefined, options?: CallOptions) =>
    extras.effect(
      { name: "s3.createMultipart", model: ref.bucket },
      (call) =>
        Effect.flatMap(
          http.xml({
            method: "POST",
            bucket: ref.bucket,
            key: ref.key,
            query: { uploads: "" },
            headers: { ...headers, ...(contentType === undefined ? {} : { "content-type": contentType }) }
          }, call),
          (root) => Effect.mapError(S3Wire.uploadId(root), (detail) => http.fail(call, ref.bucket, new LlmError.InvalidResponse({ detail })))
        ),
      options
    )

  const uploadPart = (ref: ObjectStore.ObjectRef, uploadId: string, partNumber: number, body: Uint8Array, options?: CallOptions) =>
    extras.effect(
      { name: "s3.uploadPart", model: ref.bucket, attemptTimeout: deps.transferTimeout },
      (call) =>
        Effect.flatMap(
          http.send({
            method: "PUT",
            bucket: ref.bucket,
            key: ref.key,
            query: { partNumber: String(partNumber), uploadId },
            body
          }, call),
          (response) => {
            const etag = response.headers["etag"]
            return etag === undefined
              ? Effect.fail(http.fail(call, ref.bucket, new LlmError.InvalidResponse({ detail: `part ${partNumber} answered without an ETag` })))
              : Effect.succeed({ partNumber, etag, size: body.length })
          }
        ),
      options
    )

  const complete = (ref: ObjectStore.ObjectRef, uploadId: string, done: ReadonlyArray<{ readonly partNumber: number; readonly etag: string }>, options?: CallOptions) =>
    Effect.flatMap(
      Effect.mapError(S3Wire.completeBody(done), (detail) => Request.invalid("parts", detail)),
      (xml) => {
        const body = new TextEncoder().encode(xml)
        return extras.effect(
          { name: "s3.completeMultipart", model: ref.bucket, attemptTimeout: deps.transferTimeout },
          (call) =>
            Effect.flatMap(
              http.xml({ method: "POST", bucket: ref.bucket, key: ref.key, query: { uploadId }, body, contentType: "application/xml" }, call),
              (root) =>
                Effect.mapError(
                  S3Wire.resultEtag(root, "CompleteMultipartUploadResult"),
                  (detail) => http.fail(call, ref.bucket, new LlmError.InvalidResponse({ detail }))
                )
            ),
          options
        )
      }
    )

  // Runs in the upload's finalizer: its own failure is reported, never raised.
  const abort = (ref: ObjectStore.ObjectRef, uploadId: string, options?: CallOptions) =>
    extras.effect(
      { name: "s3.abortMultipart", model: ref.bucket },
      (call) => Effect.asVoid(http.send({ method: "DELETE", bucket: ref.bucket, key: ref.key, query: { uploadId } }, call)),
      options
    ).pipe(
      Effect.catch((error) =>
        Effect.logWarning(
          `s3: could not abort multipart upload ${uploadId} of ${ref.bucket}/${ref.key}; its parts may remain until a lifecycle rule removes them: ${error.message}`
        )
      )
    )

  const multipart = <E>(
    request: ObjectStore.PutRequest<E>,
    body: Stream.Stream<Uint8Array, E>,
    total: number | undefined,
    headers: Record<string, string>,
    options?: CallOptions
  ): Effect.Effect<ObjectStore.PutResult, LlmError.LlmError | E> =>
    Effect.gen(function*() {
      const uploadId = yield* create(request, headers, request.contentType, options)
      const lock = yield* Semaphore.make(1)
      let loaded = 0
      let confirmed = 0
      const report = (size: number) =>
        lock.withPermits(1)(Effect.suspend(() => {
          loaded += size
          confirmed++
          return request.onProgress === undefined ? Effect.void : request.onProgress({ loaded, total, parts: confirmed })
        }))
      const upload = Effect.gen(function*() {
        const done = yield* body.pipe(
          Stream.mapEffect((bytes, index) =>
            index >= MAX_PARTS
              ? Effect.fail(Request.invalid("partSize", `the body needs more than ${MAX_PARTS} parts of ${settings.partSize} bytes`))
              : Effect.tap(uploadPart(request, uploadId, index + 1, bytes, options), (part) => report(part.size)), { concurrency: settings.concurrency }),
          Stream.runCollect
        )
        const etag = yield* complete(request, uploadId, done, options)
        const size = done.reduce((n, part) => n + part.size, 0)
        return { bucket: request.bucket, key: request.key, etag, size, parts: done.length, multipart: true }
      })
      return yield* upload.pipe(Effect.onExit((exit) => Exit.isSuccess(exit) ? Effect.void : abort(request, uploadId, options)))
    })

  // Reads a stream until it is known to end under the threshold (one PUT) or not (multipart).
  const fromStream = <E>(request: ObjectStore.PutRequest<E>, body: Stream.Stream<Uint8Array, E>, headers: Record<string, string>, options?: CallOptions) =>
    Effect.scoped(Effect.gen(function*() {
      const pull = yield* Stream.toPull(parts(body, settings.partSize))
      const next = Pull.catchDone(pull, () => Effect.succeed(undefined))
      const head: Array<Uint8Array> = []
      let size = 0
      while (size <= settings.threshold) {
        const got = yield* next
        if (got === undefined) return yield* single(request, concat(head, size), headers, options)
        for (const part of got) {
          head.push(part)
          size += part.length
        }
      }
      const rest = Stream.fromPull(Effect.succeed(pull))
      return yield* multipart(request, Stream.concat(Stream.fromIterable(head), rest), undefined, headers, options)
    }))

  const put = <E = never>(request: ObjectStore.PutRequest<E>, options?: CallOptions): Effect.Effect<ObjectStore.PutResult, LlmError.LlmError | E> =>
    Effect.gen(function*() {
      yield* Request.checkObject(request)
      const headers = yield* Request.objectHeaders(request)
      const body = request.body
      if (typeof body !== "string" && !(body instanceof Uint8Array)) return yield* fromStream(request, body, headers, options)
      const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body
      if (bytes.length <= settings.threshold) return yield* single(request, bytes, headers, options)
      if (bytes.length > settings.partSize * MAX_PARTS) {
        return yield* Effect.fail(Request.invalid("partSize", `${bytes.length} bytes need more than ${MAX_PARTS} parts of ${settings.partSize} bytes`))
      }
      return yield* multipart(request, slices(bytes, settings.partSize), bytes.length, headers, options)
    })

  return { put }
}

/** 8 MiB, the AWS CLI's choice for both. @since 0.1.0 */
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024
/** S3's minimum part size (all but the last part). @since 0.1.0 */
export const S3_MIN_PART_SIZE = 5 * 1024 * 1024
/** @since 0.1.0 */
export const DEFAULT_CONCURRENCY = 4
