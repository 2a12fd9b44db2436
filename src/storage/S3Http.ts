/**
 * The HTTP side of S3: addresses a request, signs it with the credential
 * pair the pipeline leased for this attempt, sends it on the `HttpClient` in
 * context without following redirects, and turns failures (XML error bodies,
 * transport errors) into `LlmError` reasons. Operations describe requests and
 * read bodies; they never see a status code or a secret.
 *
 * @since 0.1.0
 */
import { Clock, Effect, Option, Redacted, Stream } from "effect"
import { FetchHttpClient, HttpClient, type HttpClientError, HttpClientRequest, type HttpClientResponse } from "effect/http"
import * as LlmError from "../LlmError.ts"
import type { CallContext } from "../transport/ProviderHttp.ts"
import * as Body from "../transport/Body.ts"
import * as Redact from "../transport/Redact.ts"
import * as Addressing from "./Addressing.ts"
import * as S3Error from "./S3Error.ts"
import * as S3Signer from "./S3Signer.ts"
import * as S3Wire from "./S3Wire.ts"
import * as S3Xml from "./S3Xml.ts"

/**
 * The provider name on every error and in stats.
 *
 * @since 0.1.0
 */
export const PROVIDER = "s3"

/**
 * One S3 request, described.
 *
 * @since 0.1.0
 */
export interface Request {
  readonly method: "GET" | "PUT" | "POST" | "DELETE" | "HEAD"
  readonly bucket: string
  readonly key?: string | undefined
  /** Decoded values; `""` for a bare sub-resource such as `?uploads`. */
  readonly query?: Readonly<Record<string, string>> | undefined
  /** Lower-case names. */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** Always buffered: S3 needs its length, and a retry needs it again. */
  readonly body?: Uint8Array | undefined
  readonly contentType?: string | undefined
}

/**
 * How requests are addressed and signed.
 *
 * @since 0.1.0
 */
export interface Settings {
  readonly endpoint: Addressing.Endpoint
  readonly pathStyle: boolean
  readonly region: string
  /** Key-pool name → access key id of that pair. */
  readonly accessKeyIds: ReadonlyMap<string, string>
  /** Every secret access key, scrubbed from any text we surface. */
  readonly secrets: ReadonlyArray<Redacted.Redacted<string>>
  /**
   * Largest XML body read (policy `maxResponseBytes`; default 32 MiB). An
   * object's own bytes are not capped: their size is the caller's request.
   */
  readonly maxResponseBytes?: number | undefined
}

/**
 * @since 0.1.0
 */
export interface S3Http {
  /** Sends a request; succeeds with a 2xx response whose body is not yet read. */
  readonly send: (request: Request, call: CallContext) => Effect.Effect<HttpClientResponse.HttpClientResponse, LlmError.LlmError>
  /** Sends a request and reads a 2xx XML body (an `<Error>` root inside a 200 is a failure). */
  readonly xml: (request: Request, call: CallContext) => Effect.Effect<S3Xml.Element, LlmError.LlmError>
  /** The body of a 2xx response as bytes. */
  readonly bytes: (response: HttpClientResponse.HttpClientResponse, call: CallContext, bucket: string) => Effect.Effect<Uint8Array, LlmError.LlmError>
  /** The body of a 2xx response as a stream. */
  readonly stream: (response: HttpClientResponse.HttpClientResponse, call: CallContext, bucket: string) => Stream.Stream<Uint8Array, LlmError.LlmError>
  /** An error carrying this call's context. */
  readonly fail: (call: CallContext, bucket: string | undefined, reason: LlmError.Reason) => LlmError.LlmError
  /** The credentials of the pair leased for `call`. */
  readonly credentials: (call: CallContext, bucket: string) => Effect.Effect<S3Signer.Credentials, LlmError.LlmError>
}

const REQUEST_ID = "x-amz-request-id"

/**
 * Builds the transport on the `HttpClient` in context.
 *
 * @since 0.1.0
 */
export const make = Effect.fnUntraced(function*(settings: Settings) {
  const client = yield* HttpClient.HttpClient
  const maxResponseBytes = settings.maxResponseBytes ?? Body.DEFAULT_MAX_RESPONSE_BYTES

  const fail: S3Http["fail"] = (call, bucket, reason) =>
    LlmError.make(PROVIDER, reason, { model: bucket, requestId: call.requestId })

  const failWith = (call: CallContext, bucket: string, reason: LlmError.Reason, status: number, requestId: string | undefined) =>
    LlmError.make(PROVIDER, reason, { model: bucket, requestId: call.requestId, status, providerRequestId: requestId })

  const credentials: S3Http["credentials"] = (call, bucket) => {
    const accessKeyId = call.keyName === undefined ? undefined : settings.accessKeyIds.get(call.keyName)
    return accessKeyId === undefined || call.apiKey === undefined
      ? Effect.fail(fail(call, bucket, new LlmError.Unauthorized({ detail: "no credential pair was leased for this attempt" })))
      : Effect.succeed({ accessKeyId, secretAccessKey: call.apiKey })
  }

  const transportError = (call: CallContext, bucket: string, error: HttpClientError.HttpClientError, phase: "send" | "body") => {
    const reason = error.reason
    const text = Redact.snippet(reason.description ?? String(reason.cause ?? reason._tag), settings.secrets)
    if (phase === "body") return fail(call, bucket, new LlmError.Network({ detail: `connection lost while reading the body: ${text}` }))
    switch (reason._tag) {
      case "TransportError":
        return fail(call, bucket, new LlmError.Network({ detail: text }))
      case "EncodeError":
      case "InvalidUrlError":
        return fail(call, bucket, new LlmError.InvalidRequest({ detail: text }))
      default:
        return fail(call, bucket, new LlmError.InvalidResponse({ detail: text }))
    }
  }

  // fetch follows redirects unless told not to; S3's are region hints we report.
  const execute = (request: HttpClientRequest.HttpClientRequest) =>
    Effect.flatMap(Effect.serviceOption(FetchHttpClient.RequestInit), (init) =>
      Effect.provideService(client.execute(request), FetchHttpClient.RequestInit, {
        ...Option.getOrElse(init, () => ({})),
        redirect: "manual"
      }))

  const build = (request: Request, call: CallContext) =>
    Effect.gen(function*() {
      // `a.b.s3.amazonaws.com` is not covered by S3's wildcard certificate.
      if (!settings.pathStyle && settings.endpoint.protocol === "https:" && request.bucket.includes(".")) {
        return yield* Effect.fail(fail(call, request.bucket, new LlmError.InvalidRequest({
          field: "bucket",
          detail: "a bucket name with '.' cannot be addressed virtual-hosted over https; set forcePathStyle"
        })))
      }
      const creds = yield* credentials(call, request.bucket)
      const target = Addressing.target(settings.endpoint, settings.pathStyle, request.bucket, request.key)
      const query = request.query ?? {}
      const headers: Record<string, string> = {
        ...request.headers,
        host: target.host,
        "x-amz-content-sha256": yield* S3Signer.payloadHash(request.body)
      }
      const contentType = request.body === undefined ? undefined : request.contentType ?? "application/octet-stream"
      if (contentType !== undefined) headers["content-type"] = contentType
      const now = yield* Clock.currentTimeMillis
      const signed = yield* S3Signer.sign(
        { method: request.method, protocol: target.protocol, hostname: target.hostname, port: target.port, path: target.path, query, headers },
        creds,
        { region: settings.region },
        new Date(now)
      )
      // fetch sets Host itself, from the same URL (and refuses one from us).
      const { host: _host, ...send } = signed
      const base = HttpClientRequest.make(request.method)(Addressing.url(target, query), { headers: send })
      return request.body === undefined || contentType === undefined
        ? base
        : HttpClientRequest.bodyUint8Array(base, request.body, contentType)
    })

  const errorOf = (call: CallContext, bucket: string, status: number, headers: Readonly<Record<string, string>>, text: string) =>
    Effect.gen(function*() {
      const root = text.trim().length === 0 ? undefined : yield* Effect.option(S3Xml.parse(text))
      const body = root === undefined || Option.isNone(root) ? undefined : S3Wire.errorBody(root.value)
      const now = yield* Clock.currentTimeMillis
      const reason = S3Error.classify({ status, headers, body, text, bucket }, now, settings.secrets)
      return failWith(call, bucket, reason, status, headers[REQUEST_ID] ?? body?.requestId)
    })

  const send: S3Http["send"] = (request, call) =>
    Effect.flatMap(build(request, call), (built) =>
      execute(built).pipe(
        Effect.mapError((error) => transportError(call, request.bucket, error, "send")),
        Effect.flatMap((response) =>
          response.status >= 200 && response.status < 300
            ? Effect.succeed(response)
            // An error body is read only as far as classifying it needs (a
            // redirect's or error's XML is small; a hostile one may not end).
            : Effect.flatMap(
              Body.readText(response.stream, Math.min(maxResponseBytes, Body.ERROR_BODY_BYTES)).pipe(
                Effect.map((read) => read.text),
                Effect.orElseSucceed(() => "")
              ),
              (text) => Effect.flip(errorOf(call, request.bucket, response.status, response.headers, text))
            )
        )
      ))

  const bytes: S3Http["bytes"] = (response, call, bucket) =>
    Effect.map(
      Effect.mapError(response.arrayBuffer, (error) => transportError(call, bucket, error, "body")),
      (buffer) => new Uint8Array(buffer)
    )

  const stream: S3Http["stream"] = (response, call, bucket) =>
    Stream.mapError(response.stream, (error) => transportError(call, bucket, error, "body"))

  const xml: S3Http["xml"] = (request, call) =>
    Effect.gen(function*() {
      const response = yield* send(request, call)
      const tooLarge = failWith(
        call,
        request.bucket,
        new LlmError.InvalidResponse({ detail: `response body larger than maxResponseBytes (${maxResponseBytes} bytes)` }),
        response.status,
        response.headers[REQUEST_ID]
      )
      // A declared size over the cap fails before one byte is read.
      const declared = Number(response.headers["content-length"])
      if (Number.isFinite(declared) && declared > maxResponseBytes) {
        return yield* Effect.andThen(Body.discard(response), Effect.fail(tooLarge))
      }
      const read = yield* Effect.mapError(
        Body.readText(response.stream, maxResponseBytes),
        (error) => transportError(call, request.bucket, error, "body")
      )
      if (read.truncated) return yield* Effect.fail(tooLarge)
      const text = read.text
      const invalid = (detail: string) =>
        failWith(
          call,
          request.bucket,
          new LlmError.InvalidResponse({ detail, snippet: Redact.snippet(text, settings.secrets) }),
          response.status,
          response.headers[REQUEST_ID]
        )
      const root = yield* Effect.mapError(S3Xml.parse(text), (message) => invalid(`body is not XML: ${message}`))
      // CompleteMultipartUpload and CopyObject may answer 200 and fail in the body.
      if (root.name === "Error") return yield* Effect.flip(errorOf(call, request.bucket, response.status, response.headers, text))
      return root
    })

  return { send, xml, bytes, stream, fail, credentials } satisfies S3Http
})
