/**
 * The HTTP side every provider shares: base URL, auth from the key chosen for
 * this call, our request-id header, JSON bodies, reading success bodies with a
 * Schema and failures into `LlmError` reasons. Providers describe requests
 * and decode bodies; they never touch status codes or transport errors.
 *
 * @since 0.1.0
 */
import { Clock, Effect, type Redacted, type Result, Schema, Stream } from "effect"
import { HttpClient, type HttpClientError, HttpClientRequest } from "effect/http"
import * as LlmError from "../LlmError.ts"
import * as Body from "./Body.ts"
import * as Classify from "./Classify.ts"
import * as ClientSpan from "./ClientSpan.ts"
import * as EventStream from "./EventStream.ts"
import * as MalformedEvents from "./MalformedEvents.ts"
import * as Outbound from "./Outbound.ts"
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
  /** Largest non-streaming body read, in bytes (policy `maxResponseBytes`; default 32 MiB). */
  readonly maxResponseBytes?: number | undefined
  /** Largest stream event or line, in characters (policy `maxEventBytes`; default 8 MiB). */
  readonly maxEventBytes?: number | undefined
  /** What a stream decoder does with an event it cannot parse (policy `malformedEvents`; default `fail`). */
  readonly malformedEvents?: "fail" | "skip" | undefined
  /** This backend's count of skipped events (shown in its stats snapshot). */
  readonly skippedEvents?: MalformedEvents.Counter | undefined
}

/**
 * The transport a provider uses.
 *
 * @since 0.1.0
 */
export interface ProviderHttp {
  readonly provider: string
  /**
   * Sends a request and decodes a JSON success body with `schema`. `accepts`,
   * when given, is a cheaper check tried first that must be one-sided: what
   * it accepts, `schema` accepts and decodes to the same fields (extra
   * fields are left on the value, unread). Anything it refuses goes to
   * `schema`.
   */
  readonly json: <A, I>(
    spec: RequestSpec,
    call: CallContext,
    schema: Schema.Codec<A, I>,
    accepts?: (value: unknown) => value is A
  ) => Effect.Effect<Reply<A>, LlmError.LlmError>
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
  /**
   * Sends a request and hands back the body as newline-delimited lines once
   * the status is 2xx; a line over `maxEventBytes` is `InvalidResponse`.
   */
  readonly ndjson: (
    spec: RequestSpec,
    call: CallContext
  ) => Effect.Effect<Reply<Stream.Stream<string, LlmError.LlmError>>, LlmError.LlmError>
  /**
   * A stream event that did not parse. With `malformedEvents: "fail"` (the
   * default) this is the stream's `InvalidResponse`; with `"skip"` the event
   * is counted (`llm_malformed_events_total`) and the warning to report
   * comes back, so the decoder can tell the caller the answer may have a gap.
   */
  readonly malformed: (
    call: CallContext,
    detail: string,
    data: string,
    providerRequestId: string | undefined
  ) => Effect.Effect<string, LlmError.LlmError>
}

// One compiled decoder per schema, shared by every transport: building it per
// call redoes the parser lookup and allocates closures on each request.
// (Wire schemas need no services, so decoding is synchronous.)
const decoders = new WeakMap<object, (input: unknown) => Result.Result<unknown, Schema.SchemaError>>()
const decoderOf = <A, I>(schema: Schema.Codec<A, I>): (input: unknown) => Result.Result<A, Schema.SchemaError> => {
  let decode = decoders.get(schema)
  if (decode === undefined) {
    decode = Schema.decodeUnknownResult(schema)
    decoders.set(schema, decode)
  }
  return decode as (input: unknown) => Result.Result<A, Schema.SchemaError>
}

/**
 * Builds the transport on the `HttpClient` in context.
 *
 * @since 0.1.0
 */
export const make = Effect.fnUntraced(function*(options: Options) {
  const client = yield* HttpClient.HttpClient
  const selfContained = Outbound.isSelfContained(client)
  const base = options.baseUrl.replace(/\/+$/, "")
  const secrets = options.secrets ?? []
  const authorize = options.authorize ?? ((request, key) => HttpClientRequest.bearerToken(request, key))
  const idHeaders = options.providerRequestIdHeaders ?? ["x-request-id", "request-id"]
  const maxResponseBytes = options.maxResponseBytes ?? Body.DEFAULT_MAX_RESPONSE_BYTES
  const maxEventBytes = options.maxEventBytes ?? EventStream.DEFAULT_MAX_EVENT_SIZE
  const malformedEvents = options.malformedEvents ?? "fail"
  const secretHeaders = (options.secretHeaders ?? []).map((name) => name.toLowerCase())

  const fail: ProviderHttp["fail"] = (call, reason, extra) =>
    LlmError.make(options.provider, reason, {
      model: call.model,
      requestId: call.requestId,
      status: extra?.status,
      providerRequestId: extra?.providerRequestId
    })

  const snippet = (text: string) => Redact.snippet(text, secrets)

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

  // A kept header value may echo anything the server saw, a key included.
  const providerRequestId = (headers: Readonly<Record<string, string>>) => {
    for (const name of idHeaders) {
      const value = headers[name]
      if (value !== undefined) return Redact.snippet(value, secrets, 200)
    }
    return undefined
  }

  const transportError = (call: CallContext, error: HttpClientError.HttpClientError, phase: "send" | "body") =>
    fail(call, Outbound.transportReason(error, phase, snippet))

  const scrub = (text: string) => Redact.scrub(text, secrets)
  const redaction: ClientSpan.Redaction = { secretHeaders, scrub }

  // A backend sends to a handful of URLs: each is parsed and scrubbed once
  // (bounded, for paths that carry ids); a URL with query parameters every time.
  const urls = new Map<string, Readonly<Record<string, unknown>>>()
  const urlOf = (request: HttpClientRequest.HttpClientRequest) => {
    if (request.urlParams.params.length > 0) return Outbound.urlAttributes(request, scrub)
    let known = urls.get(request.url)
    if (known === undefined) {
      if (urls.size >= 256) urls.clear()
      known = Outbound.urlAttributes(request, scrub)
      urls.set(request.url, known)
    }
    return known
  }

  // Header name/value pairs that passed the check and are the same on every request (accept,
  // versions, organization): never the request id or a value carrying the call's key (`Outbound.unsafeHeader`).
  const passedHeaders = new Map<string, string>()
  const send = (spec: RequestSpec, call: CallContext) => {
    const request = build(spec, call)
    const unsafe = Outbound.unsafeHeader(request, { requestIdHeader: options.requestIdHeader, apiKey: call.apiKey }, passedHeaders)
    if (unsafe !== undefined) return Effect.fail(fail(call, unsafe))
    const attributes = () => Outbound.spanAttributes(request, { provider: options.provider, ...call }, scrub, urlOf(request))
    return ClientSpan.around(request, attributes, redaction, (outgoing) =>
      Outbound.execute(client, outgoing, secretHeaders).pipe(
        Effect.mapError((error) => transportError(call, error, "send")),
        Effect.flatMap((response): Effect.Effect<ClientSpan.Answer, LlmError.LlmError> => {
          // Read once: effect/http builds the record anew on every `headers` access.
          const answer = { response, headers: response.headers }
          const checked = checkStatus(call, answer)
          return call.onHeaders === undefined ? checked : Effect.andThen(call.onHeaders(answer.headers), checked)
        })
      ), selfContained)
  }

  const checkStatus = (call: CallContext, answer: ClientSpan.Answer): Effect.Effect<ClientSpan.Answer, LlmError.LlmError> => {
    const { headers, response } = answer
    if (response.status >= 200 && response.status < 300) return Effect.succeed(answer)
    if (response.status >= 300 && response.status < 400) {
      const extra = { status: response.status, providerRequestId: providerRequestId(headers) }
      return Effect.andThen(Body.discard(response), Effect.fail(fail(call, Outbound.redirected(response, headers, scrub), extra)))
    }
    return failure(call, answer)
  }

  // An error body is read only as far as classifying it needs.
  const failure = (call: CallContext, { headers, response }: ClientSpan.Answer) =>
    Effect.flatMap(
      Body.readText(response.stream, Math.min(maxResponseBytes, Body.ERROR_BODY_BYTES)).pipe(
        Effect.map((read) => read.text),
        Effect.orElseSucceed(() => "")
      ),
      (body) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.fail(
            fail(call, classify({ status: response.status, headers, body }, now), {
              status: response.status,
              providerRequestId: providerRequestId(headers)
            })
          ))
    )

  const classify = (failure: Classify.HttpFailure, now: number): LlmError.Reason => {
    const reason = Classify.classify(failure, now, secrets)
    return options.refine === undefined ? reason : options.refine(failure, reason)
  }

  const json: ProviderHttp["json"] = (spec, call, schema, accepts) =>
    Effect.flatMap(send(spec, call), ({ headers, response }) => {
      const extra = { status: response.status, providerRequestId: providerRequestId(headers) }
      const invalid = (text: string, detail: string) =>
        fail(call, new LlmError.InvalidResponse({ detail, snippet: snippet(text) }), extra)
      const declared = Number(headers["content-length"])
      const tooLarge = () =>
        fail(call, new LlmError.InvalidResponse({ detail: `response body larger than maxResponseBytes (${maxResponseBytes} bytes)` }), extra)
      // A declared size over the cap fails before one byte is read.
      if (Number.isFinite(declared) && declared > maxResponseBytes) {
        return Effect.andThen(Body.discard(response), Effect.fail(tooLarge()))
      }
      // A declared size is read in one piece; an undeclared one (chunked) as it arrives, stopping at the cap.
      const read = Number.isFinite(declared)
        ? Body.readDeclared(response.arrayBuffer, maxResponseBytes)
        : Body.readText(response.stream, maxResponseBytes)
      return read.pipe(
        Effect.mapError((error) => transportError(call, error, "body")),
        Effect.flatMap((read) => {
          if (read.truncated) return Effect.fail(tooLarge())
          let parsed: unknown
          try {
            parsed = JSON.parse(read.text)
          } catch {
            return Effect.fail(invalid(read.text, "body is not JSON"))
          }
          if (accepts?.(parsed) === true) return Effect.succeed(parsed)
          const decoded = decoderOf(schema)(parsed)
          return decoded._tag === "Success"
            ? Effect.succeed(decoded.success)
            : Effect.fail(invalid(read.text, Redact.snippet(decoded.failure.message, secrets, 300)))
        }),
        Effect.map((body) => ({
          body,
          status: response.status,
          headers,
          providerRequestId: extra.providerRequestId
        }))
      )
    })

  const stream: ProviderHttp["stream"] = (spec, call) =>
    Effect.map(send(spec, call), ({ headers, response }) => ({
      body: Stream.mapError(response.stream, (error) => transportError(call, error, "body")),
      status: response.status,
      headers,
      providerRequestId: providerRequestId(headers)
    }))

  const eventTooLarge = (call: CallContext, reply: { readonly providerRequestId: string | undefined }) =>
    fail(call, new LlmError.InvalidResponse({ detail: `a stream event exceeded maxEventBytes (${maxEventBytes})` }), reply)

  const sse: ProviderHttp["sse"] = (spec, call) =>
    Effect.map(stream({ accept: "text/event-stream", ...spec }, call), (reply) => ({
      ...reply,
      body: EventStream.decodeSse(reply.body, { maxEventSize: maxEventBytes }).pipe(
        Stream.mapError((error) => error._tag === "LlmError" ? error : eventTooLarge(call, reply))
      )
    }))

  const ndjson: ProviderHttp["ndjson"] = (spec, call) =>
    Effect.map(stream(spec, call), (reply) => ({
      ...reply,
      body: EventStream.decodeLinesCapped(reply.body, { maxLineSize: maxEventBytes }).pipe(
        Stream.mapError((error) => error._tag === "LlmError" ? error : eventTooLarge(call, reply))
      )
    }))

  const inStreamError: ProviderHttp["inStreamError"] = (call, payload) =>
    Effect.map(Clock.currentTimeMillis, (now) => fail(call, classify({ status: 0, headers: {}, body: JSON.stringify(payload) }, now)))

  const malformed: ProviderHttp["malformed"] = (call, detail, data, providerRequestId) =>
    malformedEvents === "fail"
      ? Effect.fail(fail(call, new LlmError.InvalidResponse({ detail, snippet: snippet(data) }), { providerRequestId }))
      : Effect.as(
        Effect.andThen(
          Effect.sync(() => {
            if (options.skippedEvents !== undefined) options.skippedEvents.skipped++
          }),
          MalformedEvents.countMalformed(options.provider)
        ),
        `a malformed stream event was skipped (${Redact.snippet(detail, secrets, 120)}); the answer may have a gap`
      )

  return {
    provider: options.provider,
    json,
    stream,
    sse,
    ndjson,
    fail,
    inStreamError,
    snippet,
    malformed
  } satisfies ProviderHttp
})
