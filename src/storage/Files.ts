/**
 * Files to and from the `ObjectStore` in context, on Effect's `FileSystem`
 * (provide `NodeFileSystem.layer` from `@effect/platform-node`). An upload
 * streams the file (multipart above the threshold) and reports progress
 * against the file's size; a download writes to a temporary file next to the
 * target and renames it only when the whole body arrived, so a failed
 * download never leaves a truncated file under the target's name.
 *
 * @example
 * ```ts
 * import { NodeFileSystem } from "@effect/platform-node"
 * import { Effect } from "effect"
 * import { Files } from "effect-llm-backends/s3"
 *
 * const program = Files.upload({ file: "./report.pdf", bucket: "docs", key: "reports/q1.pdf" }).pipe(
 *   Effect.provide(NodeFileSystem.layer)
 * )
 * ```
 *
 * @since 0.1.0
 */
import { Effect, FileSystem, type PlatformError, Stream } from "effect"
import type { CallOptions } from "../domain/CallOptions.ts"
import type { LlmError } from "../LlmError.ts"
import { ObjectStore } from "./ObjectStore.ts"
import type * as Store from "./ObjectStore.ts"

/**
 * @since 0.1.0
 */
export interface UploadRequest extends Store.ObjectRef {
  /** Path of the file to read. */
  readonly file: string
  readonly contentType?: string | undefined
  readonly metadata?: Readonly<Record<string, string>> | undefined
  /** Told as parts are confirmed, `total` being the file's size. */
  readonly onProgress?: ((progress: Store.Progress) => Effect.Effect<void>) | undefined
}

/**
 * Uploads a file.
 *
 * @since 0.1.0
 */
export const upload = (
  request: UploadRequest,
  options?: CallOptions
): Effect.Effect<Store.PutResult, LlmError | PlatformError.PlatformError, ObjectStore | FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const store = yield* ObjectStore
    const info = yield* fs.stat(request.file)
    const total = Number(info.size)
    const onProgress = request.onProgress
    return yield* store.put({
      bucket: request.bucket,
      key: request.key,
      body: fs.stream(request.file),
      contentType: request.contentType,
      metadata: request.metadata,
      onProgress: onProgress === undefined ? undefined : (progress) => onProgress({ ...progress, total })
    }, options)
  })

/**
 * @since 0.1.0
 */
export interface DownloadRequest extends Store.GetRequest {
  /** Path to write (replaced when the download completes). */
  readonly file: string
  /** Told after each chunk written (`total` unknown: the store is not asked first). */
  readonly onProgress?: ((progress: Store.Progress) => Effect.Effect<void>) | undefined
}

/**
 * Downloads an object (or a range of it) into a file; returns the bytes written.
 *
 * @since 0.1.0
 */
export const download = (
  request: DownloadRequest,
  options?: CallOptions
): Effect.Effect<number, LlmError | PlatformError.PlatformError, ObjectStore | FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const store = yield* ObjectStore
    const temporary = `${request.file}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.partial`
    let loaded = 0
    const body = store.getStream({ bucket: request.bucket, key: request.key, range: request.range }, options).pipe(
      Stream.tap((chunk) => {
        loaded += chunk.length
        return request.onProgress === undefined ? Effect.void : request.onProgress({ loaded, total: undefined, parts: 0 })
      })
    )
    yield* Stream.run(body, fs.sink(temporary)).pipe(
      Effect.andThen(fs.rename(temporary, request.file)),
      Effect.onError(() => Effect.ignore(fs.remove(temporary)))
    )
    return loaded
  })
