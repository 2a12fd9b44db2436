/**
 * The single-request S3 operations, each one pipeline call (`s3.get`,
 * `s3.head`, ...) whose attempt is one signed request: get (whole, streamed,
 * ranged), head, delete, batch delete (1000 keys a request), copy, a
 * single-shot put, and ListObjectsV2 as a stream that asks for each page
 * only when the previous one was read (each page its own call; the stream
 * itself holds no permit).
 *
 * @since 0.1.0
 */
import { Duration, Effect, Option, Stream } from "effect"
import { createHash } from "node:crypto"
import type { CallOptions } from "../domain/CallOptions.ts"
import * as LlmError from "../LlmError.ts"
import type * as Pipeline from "../pipeline/Pipeline.ts"
import type { CallContext } from "../transport/ProviderHttp.ts"
import type * as ObjectStore from "./ObjectStore.ts"
import * as Request from "./Request.ts"
import type * as S3Http from "./S3Http.ts"
import * as S3Wire from "./S3Wire.ts"

/**
 * What the operations run on.
 *
 * @since 0.1.0
 */
export interface Deps {
  readonly http: S3Http.S3Http
  readonly extras: Pipeline.Extras
  /** Attempt timeout of requests that move a body (put, part, copy, whole get). */
  readonly transferTimeout: Duration.Duration
}

const MAX_DELETE = 1000

const infoOf = (ref: ObjectStore.ObjectRef, headers: Readonly<Record<string, string>>): ObjectStore.ObjectInfo => {
  // For a ranged read the object's size is after the slash of Content-Range.
  const range = /\/(\d+)$/.exec(headers["content-range"] ?? "")
  const size = Number(range?.[1] ?? headers["content-length"] ?? 0)
  const modified = headers["last-modified"] === undefined ? undefined : new Date(headers["last-modified"])
  const metadata: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith("x-amz-meta-")) metadata[name.slice("x-amz-meta-".length)] = value
  }
  return {
    bucket: ref.bucket,
    key: ref.key,
    size: Number.isFinite(size) ? size : 0,
    etag: headers["etag"],
    contentType: headers["content-type"],
    lastModified: modified === undefined || Number.isNaN(modified.getTime()) ? undefined : modified,
    metadata
  }
}

const invalidResponse = (deps: Deps, call: CallContext, bucket: string, detail: string) =>
  deps.http.fail(call, bucket, new LlmError.InvalidResponse({ detail }))

/**
 * Builds the operations.
 *
 * @since 0.1.0
 */
export const make = (deps: Deps) => {
  const { extras, http } = deps

  const getRequest = (request: ObjectStore.GetRequest): S3Http.Request => ({
    method: "GET",
    bucket: request.bucket,
    key: request.key,
    headers: request.range === undefined ? {} : { range: Request.rangeHeader(request.range) }
  })

  const get = (request: ObjectStore.GetRequest, options?: CallOptions): Effect.Effect<ObjectStore.GetResult, LlmError.LlmError> =>
    Effect.andThen(
      Request.checkObject(request, request.range),
      extras.effect(
        { name: "s3.get", model: request.bucket, attemptTimeout: deps.transferTimeout },
        (call) =>
          Effect.flatMap(http.send(getRequest(request), call), (response) =>
            Effect.map(http.bytes(response, call, request.bucket), (body) => ({ ...infoOf(request, response.headers), body }))),
        options
      )
    )

  const getStream = (request: ObjectStore.GetRequest, options?: CallOptions): Stream.Stream<Uint8Array, LlmError.LlmError> =>
    Stream.unwrap(Effect.as(
      Request.checkObject(request, request.range),
      extras.stream(
        { name: "s3.get", model: request.bucket },
        (call) =>
          Stream.unwrap(Effect.map(http.send(getRequest(request), call), (response) => http.stream(response, call, request.bucket))),
        options
      )
    ))

  const head = (ref: ObjectStore.ObjectRef, options?: CallOptions) =>
    Effect.andThen(
      Request.checkObject(ref),
      extras.effect(
        { name: "s3.head", model: ref.bucket },
        (call) => Effect.map(http.send({ method: "HEAD", bucket: ref.bucket, key: ref.key }, call), (r) => infoOf(ref, r.headers)),
        options
      )
    )

  const remove = (ref: ObjectStore.ObjectRef, options?: CallOptions) =>
    Effect.andThen(
      Request.checkObject(ref),
      extras.effect(
        { name: "s3.delete", model: ref.bucket },
        (call) => Effect.asVoid(http.send({ method: "DELETE", bucket: ref.bucket, key: ref.key }, call)),
        options
      )
    )

  const deleteBatch = (bucket: string, keys: ReadonlyArray<string>, options?: CallOptions) =>
    Effect.flatMap(
      Effect.mapError(S3Wire.deleteBody(keys), (message) =>
        LlmError.make("s3", new LlmError.InvalidRequest({ field: "keys", detail: message }))),
      (xml) => {
        const body = new TextEncoder().encode(xml)
        // S3 requires an integrity header on batch deletes; MD5 is the one every S3-compatible server reads.
        const md5 = createHash("md5").update(body).digest("base64")
        return extras.effect(
          { name: "s3.deleteMany", model: bucket },
          (call) =>
            Effect.flatMap(
              http.xml({ method: "POST", bucket, query: { delete: "" }, headers: { "content-md5": md5 }, body, contentType: "application/xml" }, call),
              (root) => Effect.mapError(S3Wire.deleteResult(root), (detail) => invalidResponse(deps, call, bucket, detail))
            ),
          options
        )
      }
    )

  const deleteMany = (bucket: string, keys: ReadonlyArray<string>, options?: CallOptions) =>
    Effect.gen(function*() {
      yield* Request.checkBucket(bucket)
      for (const [i, key] of keys.entries()) yield* Request.checkKey(key, `keys.${i}`)
      const batches: Array<ReadonlyArray<string>> = []
      for (let i = 0; i < keys.length; i += MAX_DELETE) batches.push(keys.slice(i, i + MAX_DELETE))
      const results = yield* Effect.forEach(batches, (batch) => deleteBatch(bucket, batch, options))
      return {
        deleted: results.flatMap((r) => r.deleted),
        errors: results.flatMap((r) => r.errors)
      } satisfies ObjectStore.DeleteManyResult
    })

  const copy = (request: ObjectStore.CopyRequest, options?: CallOptions) =>
    Effect.gen(function*() {
      yield* Request.checkObject(request.source, undefined, "source")
      yield* Request.checkObject(request.target, undefined, "target")
      const replace = request.metadata !== undefined || request.contentType !== undefined
      const headers: Record<string, string> = {
        "x-amz-copy-source": Request.copySource(request.source),
        ...(replace ? { "x-amz-metadata-directive": "REPLACE" } : {}),
        ...(yield* Request.metadataHeaders(request.metadata)),
        ...(request.contentType === undefined ? {} : { "content-type": request.contentType })
      }
      const { bucket, key } = request.target
      return yield* extras.effect(
        { name: "s3.copy", model: bucket, attemptTimeout: deps.transferTimeout },
        (call) =>
          Effect.flatMap(http.xml({ method: "PUT", bucket, key, headers }, call), (root) =>
            Effect.mapBoth(S3Wire.resultEtag(root, "CopyObjectResult"), {
              onFailure: (detail) => invalidResponse(deps, call, bucket, detail),
              onSuccess: (etag) => ({ etag })
            })),
        options
      )
    })

  const putOnce = (
    ref: ObjectStore.ObjectRef,
    body: Uint8Array,
    headers: Readonly<Record<string, string>>,
    contentType: string | undefined,
    options?: CallOptions
  ) =>
    extras.effect(
      { name: "s3.put", model: ref.bucket, attemptTimeout: deps.transferTimeout },
      (call) =>
        Effect.flatMap(http.send({ method: "PUT", bucket: ref.bucket, key: ref.key, headers, body, contentType }, call), (response) => {
          const etag = response.headers["etag"]
          return etag === undefined ? Effect.fail(invalidResponse(deps, call, ref.bucket, "PUT answered without an ETag")) : Effect.succeed(etag)
        }),
      options
    )

  const list = (request: ObjectStore.ListRequest, options?: CallOptions): Stream.Stream<ObjectStore.ListEntry, LlmError.LlmError> =>
    Stream.unwrap(Effect.map(Request.checkList(request), () => {
      const { bucket } = request
      const page = (token: string | undefined) =>
        extras.effect(
          { name: "s3.list", model: bucket },
          (call) =>
            Effect.flatMap(
              http.xml({ method: "GET", bucket, query: Request.listQuery(request, token) }, call),
              (root) =>
                Effect.flatMap(
                  Effect.mapError(S3Wire.listPage(root), (detail) => invalidResponse(deps, call, bucket, detail)),
                  // A server handing back the token it was given would make us list forever.
                  (parsed) =>
                    parsed.nextToken !== undefined && parsed.nextToken === token
                      ? Effect.fail(invalidResponse(deps, call, bucket, "the continuation token did not advance"))
                      : Effect.succeed(parsed)
                )
            ),
          options
        )
      return Stream.paginate(Option.none<string>(), (token: Option.Option<string>) =>
        Effect.map(page(Option.getOrUndefined(token)), (parsed) => {
          const entries: Array<ObjectStore.ListEntry> = [
            ...parsed.prefixes.map((prefix) => ({ _tag: "Prefix", prefix }) as const),
            ...parsed.objects.map((o) => ({ _tag: "Object", ...o }) as const)
          ]
          return [entries, Option.fromUndefinedOr(parsed.nextToken).pipe(Option.map(Option.some))] as const
        }))
    }))

  return { get, getStream, head, delete: remove, deleteMany, copy, list, putOnce }
}

/**
 * The default attempt timeout of body-moving requests.
 *
 * @since 0.1.0
 */
export const defaultTransferTimeout = Duration.minutes(10)
