/**
 * An in-memory `ObjectStore` for your tests: it keeps objects per bucket,
 * records every call, and fails a call with the reason a `fault` function
 * picks. Input is validated exactly as the S3 store validates it, and calls
 * go through a pipeline (pass-through policy), so `monitor` reports real
 * counts. Presigning needs a server that can honour the URL: here it is
 * `Unsupported`, never a URL that leads nowhere.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ObjectStore, TestObjectStore } from "effect-llm-backends/s3"
 *
 * const test = Effect.gen(function*() {
 *   const memory = yield* TestObjectStore.make({ buckets: ["docs"] })
 *   yield* memory.store.put({ bucket: "docs", key: "k", body: "v" })
 *   return memory.calls().map((call) => call.operation) // ["put"]
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Layer, Stream } from "effect"
import { createHash } from "node:crypto"
import type { CallOptions } from "../domain/CallOptions.ts"
import * as LlmError from "../LlmError.ts"
import * as Pipeline from "../pipeline/Pipeline.ts"
import * as Policy from "../pipeline/Policy.ts"
import { ObjectStore, type Service } from "./ObjectStore.ts"
import type * as Store from "./ObjectStore.ts"
import * as Request from "./Request.ts"

const PROVIDER = "memory"

/**
 * A call the store received.
 *
 * @since 0.1.0
 */
export interface RecordedCall {
  readonly operation: "put" | "get" | "head" | "delete" | "deleteMany" | "list" | "copy" | "presign"
  readonly bucket: string
  readonly key: string | undefined
}

/**
 * @since 0.1.0
 */
export interface Options {
  /** Buckets that exist (others are `NotFound`, like `NoSuchBucket`). */
  readonly buckets: ReadonlyArray<string>
  /** Picks a failure for a call, or `undefined` to let it through. */
  readonly fault?: ((call: RecordedCall) => LlmError.Reason | undefined) | undefined
}

interface Stored {
  readonly body: Uint8Array
  readonly etag: string
  readonly contentType: string | undefined
  readonly metadata: Readonly<Record<string, string>>
  readonly lastModified: Date
}

/**
 * The store and what it holds.
 *
 * @since 0.1.0
 */
export interface TestObjectStore {
  readonly store: Service
  /** Every call so far, in order. */
  readonly calls: () => ReadonlyArray<RecordedCall>
  /** A bucket's keys and bodies. */
  readonly contents: (bucket: string) => ReadonlyMap<string, Uint8Array>
}

const fail = (reason: LlmError.Reason, bucket?: string) => LlmError.make(PROVIDER, reason, { model: bucket })

/**
 * Builds a store with the given buckets, empty.
 *
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<TestObjectStore> =>
  Effect.gen(function*() {
    const buckets = new Map(options.buckets.map((name) => [name, new Map<string, Stored>()] as const))
    const recorded: Array<RecordedCall> = []
    const { extras, service } = yield* Pipeline.build({ provider: PROVIDER }, { policy: Policy.passthrough })

    const call = <A>(operation: RecordedCall["operation"], bucket: string, key: string | undefined, run: (objects: Map<string, Stored>) => Effect.Effect<A, LlmError.LlmError>, callOptions?: CallOptions) =>
      extras.effect({ name: `memory.${operation}`, model: bucket }, () =>
        Effect.suspend(() => {
          const entry = { operation, bucket, key }
          recorded.push(entry)
          const faulted = options.fault?.(entry)
          if (faulted !== undefined) return Effect.fail(fail(faulted, bucket))
          const objects = buckets.get(bucket)
          return objects === undefined ? Effect.fail(fail(new LlmError.NotFound({ detail: `NoSuchBucket: ${bucket}` }), bucket)) : run(objects)
        }), callOptions)

    const found = (objects: Map<string, Stored>, ref: Store.ObjectRef) => {
      const object = objects.get(ref.key)
      return object === undefined ? Effect.fail(fail(new LlmError.NotFound({ detail: `NoSuchKey: ${ref.key}` }), ref.bucket)) : Effect.succeed(object)
    }
    const info = (ref: Store.ObjectRef, o: Stored): Store.ObjectInfo => ({
      bucket: ref.bucket,
      key: ref.key,
      size: o.body.length,
      etag: o.etag,
      contentType: o.contentType,
      lastModified: o.lastModified,
      metadata: o.metadata
    })
    const slice = (o: Stored, range: Store.ByteRange | undefined) =>
      range === undefined ? o.body : o.body.slice(range.start, range.end === undefined ? undefined : range.end + 1)
    const store = (objects: Map<string, Stored>, key: string, body: Uint8Array, contentType: string | undefined, metadata: Record<string, string>) => {
      const etag = `"${createHash("md5").update(body).digest("hex")}"`
      objects.set(key, { body, etag, contentType, metadata, lastModified: new Date() })
      return etag
    }
    const metadataOf = (metadata: Readonly<Record<string, string>> | undefined) =>
      Effect.map(Request.metadataHeaders(metadata), (headers) =>
        Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.slice("x-amz-meta-".length), value])))

    const put: Service["put"] = (request, callOptions) =>
      Effect.gen(function*() {
        yield* Request.checkObject(request)
        yield* Request.objectHeaders(request)
        const metadata = yield* metadataOf(request.metadata)
        const body = typeof request.body === "string"
          ? new TextEncoder().encode(request.body)
          : request.body instanceof Uint8Array
          ? request.body
          : yield* Stream.mkUint8Array(request.body)
        const etag = yield* call("put", request.bucket, request.key, (objects) =>
          Effect.sync(() => store(objects, request.key, body, request.contentType, metadata)), callOptions)
        if (request.onProgress !== undefined) yield* request.onProgress({ loaded: body.length, total: body.length, parts: 1 })
        return { bucket: request.bucket, key: request.key, etag, size: body.length, parts: 1, multipart: false }
      })

    const get: Service["get"] = (request, callOptions) =>
      Effect.andThen(
        Request.checkObject(request, request.range),
        call("get", request.bucket, request.key, (objects) =>
          Effect.map(found(objects, request), (o) => ({ ...info(request, o), body: slice(o, request.range) })), callOptions)
      )

    const list: Service["list"] = (request, callOptions) =>
      Stream.unwrap(Effect.as(
        Request.checkList(request),
        Stream.flatMap(
          Stream.fromEffect(call("list", request.bucket, undefined, (objects) => Effect.sync(() => entries(objects, request)), callOptions)),
          Stream.fromIterable
        )
      ))

    const service_: Service = {
      provider: PROVIDER,
      put,
      get,
      getStream: (request, callOptions) => Stream.flatMap(Stream.fromEffect(get(request, callOptions)), (r) => Stream.make(r.body)),
      head: (ref, callOptions) =>
        Effect.andThen(Request.checkObject(ref), call("head", ref.bucket, ref.key, (objects) => Effect.map(found(objects, ref), (o) => info(ref, o)), callOptions)),
      delete: (ref, callOptions) =>
        Effect.andThen(Request.checkObject(ref), call("delete", ref.bucket, ref.key, (objects) => Effect.sync(() => void objects.delete(ref.key)), callOptions)),
      deleteMany: (bucket, keys, callOptions) =>
        Effect.andThen(
          Effect.andThen(Request.checkBucket(bucket), Effect.forEach(keys, (key, i) => Request.checkKey(key, `keys.${i}`))),
          call("deleteMany", bucket, undefined, (objects) =>
            Effect.sync(() => {
              for (const key of keys) objects.delete(key)
              return { deleted: [...keys], errors: [] }
            }), callOptions)
        ),
      list,
      copy: (request, callOptions) =>
        Effect.gen(function*() {
          yield* Request.checkObject(request.source, undefined, "source")
          yield* Request.checkObject(request.target, undefined, "target")
          const metadata = request.metadata === undefined ? undefined : yield* metadataOf(request.metadata)
          const source = yield* call("copy", request.source.bucket, request.source.key, (objects) => found(objects, request.source), callOptions)
          const target = buckets.get(request.target.bucket)
          if (target === undefined) return yield* Effect.fail(fail(new LlmError.NotFound({ detail: "NoSuchBucket" }), request.target.bucket))
          const replace = metadata !== undefined || request.contentType !== undefined
          const etag = store(target, request.target.key, source.body, replace ? request.contentType : source.contentType, replace ? metadata ?? {} : { ...source.metadata })
          return { etag }
        }),
      presign: (request) =>
        Effect.andThen(
          Effect.sync(() => void recorded.push({ operation: "presign", bucket: request.bucket, key: request.key })),
          Effect.fail(LlmError.unsupported(PROVIDER, "presign"))
        ),
      monitor: service.monitor
    }

    return {
      store: service_,
      calls: () => [...recorded],
      contents: (bucket) => new Map([...(buckets.get(bucket) ?? new Map<string, Stored>()).entries()].map(([key, o]) => [key, o.body]))
    }
  })

const entries = (objects: ReadonlyMap<string, Stored>, request: Store.ListRequest): ReadonlyArray<Store.ListEntry> => {
  const prefix = request.prefix ?? ""
  const out: Array<Store.ListEntry> = []
  const seen = new Set<string>()
  for (const key of [...objects.keys()].sort()) {
    if (!key.startsWith(prefix) || (request.startAfter !== undefined && key <= request.startAfter)) continue
    const cut = request.delimiter === undefined || request.delimiter === "" ? -1 : key.indexOf(request.delimiter, prefix.length)
    if (cut >= 0) {
      const common = key.slice(0, cut + request.delimiter!.length)
      if (!seen.has(common)) out.push({ _tag: "Prefix", prefix: common })
      seen.add(common)
      continue
    }
    const o = objects.get(key)!
    out.push({ _tag: "Object", key, size: o.body.length, etag: o.etag, lastModified: o.lastModified, storageClass: "STANDARD" })
  }
  return out
}

/**
 * The store as a layer providing `ObjectStore`.
 *
 * @since 0.1.0
 */
export const layer = (options: Options): Layer.Layer<ObjectStore> =>
  Layer.effect(ObjectStore, Effect.map(make(options), (memory) => memory.store))
