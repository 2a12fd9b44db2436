/**
 * An `HttpClientResponse` over a body dispatched on undici. Reading it whole
 * (`arrayBuffer`, `text`, `json`) waits for the end and concatenates once;
 * `stream` hands over each batch of chunks as it arrives and aborts the
 * exchange when the stream ends before the body does. A body is read one way:
 * reading it whole again gives the same bytes, streaming it twice or after a
 * whole read fails with a `DecodeError`.
 *
 * @since 0.1.0
 * @internal
 */
import { Cause, Channel, Effect, Inspectable, Option, type Pipeable, type Schema, Scope, Stream } from "effect"
import { pipeArguments } from "effect/Pipeable"
import { Cookies, Headers, HttpClientError, type HttpClientRequest, HttpClientResponse, HttpIncomingMessage, UrlParams } from "effect/http"
import type * as Arr from "effect/Array"
import type { DispatchedBody } from "./DispatchedBody.ts"

/** Raw response headers as undici parses them (lowercase names). */
export type RawHeaders = Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

const utf8 = new TextDecoder()
// Form bodies keep a leading BOM-like byte as data, as the platform's do.
const formUtf8 = new TextDecoder("utf-8", { ignoreBOM: true })

const arrayBufferOf = (bytes: Uint8Array): ArrayBuffer =>
  bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
    ? bytes.buffer
    : bytes.slice().buffer as ArrayBuffer

/**
 * A response whose body arrives through a `DispatchedBody`.
 *
 * @internal
 */
export class DispatchedResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse, Pipeable.Pipeable {
  readonly [HttpClientResponse.TypeId]: typeof HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [HttpIncomingMessage.TypeId]: typeof HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  private streamed = false
  private cachedHeaders: Headers.Headers | undefined = undefined
  private cachedCookies: Cookies.Cookies | undefined = undefined
  private wholeRead = false

  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    readonly url: string,
    readonly status: number,
    private readonly raw: RawHeaders,
    private readonly body: DispatchedBody
  ) {
    super()
  }

  get headers(): Headers.Headers {
    return this.cachedHeaders ??= Headers.fromInput(this.raw as Record<string, string | Array<string> | undefined>)
  }

  get cookies(): Cookies.Cookies {
    if (this.cachedCookies !== undefined) return this.cachedCookies
    const header = this.raw["set-cookie"]
    return this.cachedCookies = header === undefined ? Cookies.empty : Cookies.fromSetCookie(header)
  }

  get remoteAddress(): Option.Option<string> {
    return Option.none()
  }

  private decodeError(cause: unknown, description?: string): HttpClientError.HttpClientError {
    return new HttpClientError.HttpClientError({
      reason: new HttpClientError.DecodeError({ request: this.request, response: this, cause, description })
    })
  }

  // The whole body: read once, every later read gets the same bytes.
  private get whole(): Effect.Effect<Uint8Array, HttpClientError.HttpClientError> {
    return Effect.callback<Uint8Array, HttpClientError.HttpClientError>((resume) => {
      if (this.streamed) return resume(Effect.fail(this.decodeError(undefined, "the body was already read as a stream")))
      this.wholeRead = true
      const attempt = (): void => {
        const got = this.body.collect(attempt)
        if (got === undefined) return
        resume("bytes" in got ? Effect.succeed(got.bytes) : Effect.fail(this.decodeError(got.failure)))
      }
      attempt()
      // A reader interrupted while the body is still coming lets go of it.
      return Effect.sync(() => {
        this.body.forget(attempt)
        this.body.release("the body read was interrupted")
      })
    })
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.HttpClientError> {
    return Effect.map(this.whole, arrayBufferOf)
  }

  get text(): Effect.Effect<string, HttpClientError.HttpClientError> {
    return Effect.map(this.whole, (bytes) => utf8.decode(bytes))
  }

  get json(): Effect.Effect<Schema.Json, HttpClientError.HttpClientError> {
    return Effect.flatMap(this.text, (text) => {
      try {
        return Effect.succeed(text === "" ? null : JSON.parse(text) as Schema.Json)
      } catch (cause) {
        return Effect.fail(this.decodeError(cause))
      }
    })
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.HttpClientError> {
    return Effect.flatMap(this.whole, (bytes) => {
      try {
        // A leading "?" is data here, not a query prefix.
        return Effect.succeed(UrlParams.fromInput(new URLSearchParams(formUtf8.decode(bytes).replace(/^\?/, "%3F"))))
      } catch (cause) {
        return Effect.fail(this.decodeError(cause))
      }
    })
  }

  get formData(): Effect.Effect<FormData, HttpClientError.HttpClientError> {
    return Effect.flatMap(this.whole, (bytes) =>
      Effect.tryPromise({
        try: () => new Response(bytes as Uint8Array<ArrayBuffer>, { headers: this.headers }).formData(),
        catch: (cause) => this.decodeError(cause)
      }))
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.HttpClientError> {
    const body = this.body
    const pull: Effect.Effect<Arr.NonEmptyReadonlyArray<Uint8Array>, HttpClientError.HttpClientError | Cause.Done> = Effect.suspend(() => {
      const now = body.take()
      if (now !== undefined) return this.answer(now)
      return Effect.callback<Arr.NonEmptyReadonlyArray<Uint8Array>, HttpClientError.HttpClientError | Cause.Done>((resume) => {
        const attempt = (): void => {
          const got = body.take(attempt)
          if (got !== undefined) resume(this.answer(got))
        }
        attempt()
        return Effect.sync(() => body.forget(attempt))
      })
    })
    return Stream.fromChannel(Channel.fromTransform((_, scope) =>
      Effect.suspend(() => {
        if (this.streamed || this.wholeRead) {
          return Effect.fail(this.decodeError(undefined, "the body was already read"))
        }
        this.streamed = true
        // Ending the stream before the body ends closes the connection: nobody will read the rest.
        return Effect.as(Scope.addFinalizer(scope, Effect.sync(() => body.release("the body stream ended before the body"))), pull)
      })
    ))
  }

  private answer(
    got: { readonly chunks: ReadonlyArray<Uint8Array> } | "end" | { readonly failure: unknown }
  ): Effect.Effect<Arr.NonEmptyReadonlyArray<Uint8Array>, HttpClientError.HttpClientError | Cause.Done> {
    if (got === "end") return Cause.done()
    if ("failure" in got) return Effect.fail(this.decodeError(got.failure))
    return Effect.succeed(got.chunks as Arr.NonEmptyReadonlyArray<Uint8Array>)
  }

  get upgrade(): Effect.Effect<never, HttpClientError.HttpClientError> {
    return Effect.fail(
      new HttpClientError.HttpClientError({
        reason: new HttpClientError.StatusCodeError({
          request: this.request,
          response: this,
          description: "this client does not hand over connections (no protocol upgrades)"
        })
      })
    )
  }

  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, { _id: "HttpClientResponse", request: this.request.toJSON(), status: this.status })
  }

  pipe() {
    return pipeArguments(this, arguments)
  }
}
