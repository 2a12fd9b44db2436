/**
 * The HTTP side every provider shares: base URL, auth from the key chosen for
 * this call, our request-id header, JSON bodies, reading success bodies with a
 * Schema and failures into `LlmError` reasons. Providers describe requests
 * and decode bodies; they never touch status codes or transport errors.
 *
 * @since 0.1.0
 */
import { Clock, Effect, Redacted, Schema, Stream } from "effect"
import { Headers, HttpClient, HttpClientError, HttpClientRequest, type HttpClientResponse } from "effect/http"
import * as LlmError from "../LlmError.ts"
import * as Classify from "./Classify.ts"
import * as EventStream from "./EventStream.ts"
import * as Redact from "./Redact.ts"

/**
 * What the pipeline hands a provider for one attempt.
 *
 * @since 0.1.0
 */
export interface CallContext {
  /** Our id for the logical call (the same on every retry). */
  readonly requestId: string
  /** The model this call is for (request's own, or the backend default). */
  readonly model: string | undefined
  /** The key chosen for this attempt, if the backend uses keys. */
  readonly apiKey: Redacted.Redacted<string> | undefined
  /** The name of that key (safe to show; e.g. to find the access key id paired with a secret). */
  readonly keyName?: string | undefined
  /** Told every response's headers (rate limiters adapt to the provider's remaining counts). */
  readonly onHeaders?: ((headers: Readonly<Record<string, string>>) => Effect.Effect<void>) | undefined
}

/**
 * One HTTP request, described.
 *
 * @since 0.1.0
 */
export interface RequestSpec {
  readonly method: "GET" | "POST" | "DELETE"
  readonly path: string
  readonly body?: unknown
  readonly urlParams?: Readonly<Record<string, string>>
  readonly accept?: string
}

/**
 * A decoded response.
 *
 * @since 0.1.0
 */
export interface Reply<A> {
  readonly body: A
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly providerRequestId: string | undefined
}

/**
 * How a provider talks HTTP.
 *
 * @since 0.1.0
 */
export interface Options {
  readonly provider: string
  /** Base URL without a trailing slash, e.g. `https://api.openai.com/v1`. */
  readonly baseUrl: string
  /** Extra headers on every request (e.g. `anthropic-version`). */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** Puts the key on the request. Default: `Authorization: Bearer`. */
  readonly authorize?: (
    request: HttpClientRequest.HttpClientRequest,
    apiKey: Redacted.Redacted<string>
  ) => HttpClientRequest.HttpClientRequest
  /** Header carrying our request id, if the provider accepts one. */
  readonly requestIdHeader?: string | undefined
  /** Response headers carrying the provider's request id, in order of preference. */
  readonly providerRequestIdHeaders?: ReadonlyArray<string> | undefined
  /** Every secret this backend holds, scrubbed from any text we surface. */
  readonly secrets?: ReadonlyArray<Redacted.Redacted<string>> | undefined
  /**
   * A provider's correction of the generic classification, for quirks the
   * status and body shape do not reveal (e.g. Gemini answers a bad key with
   * 400 `API_KEY_INVALID`). Gets the failure and the generic reason.
   */
  readonly refine?: ((failure: Classify.HttpFailure, reason: LlmError.Reason) => LlmError.Reason) | undefined
  /**
   * Request headers that carry a secret, besides the ones effect/http already
   * redacts (`authorization`, `x-api-key`): shown as `<redacted>` in traces
   * and logs of requests (e.g. Gemini's `x-goog-api-key`).
   */
  readonly secretHeaders?: ReadonlyArray<string> | undefined
}

/**
 * The transport a provider uses.
 *
 * @since 0.1.0
 */
export interface ProviderHttp {
  readonly provider: string
  /** Sends a request and decodes a JSON success body with `schema`. */
  readonly json: <A, I, RD>(
    spec: RequestSpec,
    call: CallContext,
    schema: Schema.Codec<A, I, RD>
  ) => Effect.Effect<Reply<A>, LlmError.LlmError, RD>
  /** Sends a request and hands back the body as bytes once the status is 2xx. */
  readonly stream: (
    spec: RequestSpec,
    call: CallContext
  ) => Effect.Effect<Reply<Stream.Stream<Uint8Array, LlmError.LlmError>>, LlmError.LlmError>
  /**
   * Sends a request and hands back the body as Server-Sent Events once the
   * status is 2xx; a malformed or oversized event is `InvalidResponse`.
   */
  readonly sse: (
    spec: RequestSpec,
    call: CallContext
  ) => Effect.Effect<Reply<Stream.Stream<EventStream.SseEvent, LlmError.LlmError>>, LlmError.LlmError>
  /** Builds an error carrying this call's context. */
  readonly fail: (
    call: CallContext,
    reason: LlmError.Reason,
    extra?: { readonly status?: number | undefined; readonly providerRequestId?: string | undefined }
  ) => LlmError.LlmError
  /** Classifies an error object that arrived inside a 200 stream. */
  readonly inStreamError: (call: CallContext, json: unknown) => Effect.Effect<LlmError.LlmError>
  /** Scrubs and shortens text we did not write. */
  readonly snippet: (text: string) => string
}

/**
 * Builds the transport on the `HttpClient` in context.
 *
 * @since 0.1.0
 */
export const make = Effect.fnUntraced(function*(options: Options) {
  const client = yield* HttpClient.HttpClient
  const base = options.baseUrl.replace(/\/+$/, "")
  const secrets = options.secrets ?? []
  const authorize = options.authorize ?? ((request, key) => HttpClientRequest.bearerToken(request, key))
  const idHeaders = options.providerRequestIdHeaders ?? ["x-request-id", "request-id"]

  const fail: ProviderHttp["fail"] = (call, reason, extra) =>
    LlmError.make(options.provider, reason, {
      model: call.model,
      requestId: call.requestId,
      status: extra?.status,
      providerRequestId: extra?.providerRequestId
    })

  const build = (spec: RequestSpec, call: CallContext): HttpClientRequest.HttpClientRequest => {
    let request = HttpClientRequest.make(spec.method)(base + spec.path, {
      accept: spec.accept ?? "application/json",
      ...(spec.urlParams === undefined ? {} : { urlParams: spec.urlParams }),
      ...(options.headers === undefined ? {} : { headers: options.headers })
    })
    if (spec.body !== undefined) request = HttpClientRequest.bodyJsonUnsafe(request, spec.body)
    if (options.requestIdHeader !== undefined) {
      request = HttpClientRequest.setHeader(request, options.requestIdHeader, call.requestId)
    }
    if (call.apiKey !== undefined) request = authorize(request, call.apiKey)
    return request
  }

  const providerRequestId = (headers: Readonly<Record<string, string>>) => {
    for (const name of idHeaders) {
      const value = headers[name]
      if (value !== undefined) return value
    }
    return undefined
  }

  // Once headers are in, any failure reading the body is the connection's
  // (undici reports a dropped socket as a body decode error: "terminated").
  const transportError = (call: CallContext, error: HttpClientError.HttpClientError, phase: "send" | "body") => {
    const reason = error.reason
    const text = Redact.snippet(reason.description ?? String(reason.cause ?? reason._tag), secrets)
    if (phase === "body") return fail(call, new LlmError.Network({ detail: `connection lost while reading the body: ${text}` }))
    switch (reason._tag) {
      case "TransportError":
        return fail(call, new LlmError.Network({ detail: text }))
      case "EncodeError":
      case "InvalidUrlError":
        return fail(call, new LlmError.InvalidRequest({ detail: text }))
      default:
        return fail(call, new LlmError.InvalidResponse({ detail: text }))
    }
  }

  const secretHeaders = (options.secretHeaders ?? []).map((name) => name.toLowerCase())
  const execute = (request: HttpClientRequest.HttpClientRequest) =>
    secretHeaders.length === 0
      ? client.execute(request)
      : Effect.flatMap(Headers.CurrentRedactedNames, (names) =>
        Effect.provideService(client.execute(request), Headers.CurrentRedactedNames, [...names, ...secretHeaders]))

  const send = (spec: RequestSpec, call: CallContext) =>
    execute(build(spec, call)).pipe(
      Effect.mapError((error) => transportError(call, error, "send")),
      Effect.tap((response) => call.onHeaders === undefined ? Effect.void : call.onHeaders(response.headers)),
      Effect.flatMap((response) =>
        response.status >= 200 && response.status < 300 ? Effect.succeed(response) : failure(call, response)
      )
    )

  const failure = (call: CallContext, response: HttpClientResponse.HttpClientResponse) =>
    Effect.flatMap(
      Effect.orElseSucceed(response.text, () => ""),
      (body) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.fail(
            fail(call, classify({ status: response.status, headers: response.headers, body }, now), {
              status: response.status,
              providerRequestId: providerRequestId(response.headers)
            })
          ))
    )

  const snippet = (text: string) => Redact.snippet(text, secrets)

  const classify = (failure: Classify.HttpFailure, now: number): LlmError.Reason => {
    const reason = Classify.classify(failure, now, secrets)
    return options.refine === undefined ? reason : options.refine(failure, reason)
  }

  const json: ProviderHttp["json"] = (spec, call, schema) =>
    Effect.flatMap(send(spec, call), (response) => {
      const extra = { status: response.status, providerRequestId: providerRequestId(response.headers) }
      const invalid = (text: string, detail: string) =>
        fail(call, new LlmError.InvalidResponse({ detail, snippet: snippet(text) }), extra)
      return response.text.pipe(
        Effect.mapError((error) => transportError(call, error, "body")),
        Effect.flatMap((text) => {
          let parsed: unknown
          try {
            parsed = JSON.parse(text)
          } catch {
            return Effect.fail(invalid(text, "body is not JSON"))
          }
          return Schema.decodeUnknownEffect(schema)(parsed).pipe(
            Effect.mapError((error) => invalid(text, Redact.snippet(error.message, secrets, 300)))
          )
        }),
        Effect.map((body) => ({
          body,
          status: response.status,
          headers: response.headers,
          providerRequestId: extra.providerRequestId
        }))
      )
    })

  const stream: ProviderHttp["stream"] = (spec, call) =>
    Effect.map(send(spec, call), (response) => ({
      body: Stream.mapError(response.stream, (error) => transportError(call, error, "body")),
      status: response.status,
      headers: response.headers,
      providerRequestId: providerRequestId(response.headers)
    }))

  const sse: ProviderHttp["sse"] = (spec, call) =>
    Effect.map(stream({ accept: "text/event-stream", ...spec }, call), (reply) => ({
      ...reply,
      body: EventStream.decodeSse(reply.body).pipe(
        Stream.mapError((error) =>
          error._tag === "LlmError"
            ? error
            : fail(call, new LlmError.InvalidResponse({ detail: error.message }), reply)
        )
      )
    }))

  const inStreamError: ProviderHttp["inStreamError"] = (call, payload) =>
    Effect.map(Clock.currentTimeMillis, (now) => fail(call, classify({ status: 0, headers: {}, body: JSON.stringify(payload) }, now)))

  return { provider: options.provider, json, stream, sse, fail, inStreamError, snippet } satisfies ProviderHttp
})
