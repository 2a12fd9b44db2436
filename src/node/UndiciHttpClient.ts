/**
 * A lean `HttpClient` on an undici `Dispatcher` (from `@effect/platform-node`,
 * an optional peer): each request is one `dispatch` whose handler feeds the
 * body straight to its reader, without the Node `Readable`, promise and
 * per-request span, abort controller and URL parse that the general-purpose
 * clients add. It is what the benchmarks measure as the fastest correct
 * transport for this library.
 *
 * What it keeps: interruption aborts the exchange (before headers, and while
 * a body is read); a stream ended early closes the connection; an unread
 * body is held to a high-water mark (the connection pauses) and released
 * as soon as the fiber that asked for it fails or is interrupted without
 * reading it, or else when its response is collected; redirects are never followed, whatever
 * the dispatcher's interceptors (`maxRedirections: 0` on every request).
 * What it leaves out, by design: effect/http's client span (our transport
 * traces each request itself; a direct user who wants a span wraps the call),
 * `HttpClient.withScope`, protocol upgrades (`upgrade` fails typed), and
 * undici's own timeouts (deadlines are Effect's: `Effect.timeout`, the
 * policy's `timeout`).
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { OpenAi } from "effect-llm-backends"
 * import { UndiciHttpClient } from "effect-llm-backends/node"
 *
 * const Llm = OpenAi.layerConfig().pipe(Layer.provide(UndiciHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Exit, type Fiber, Layer, Option, Result } from "effect"
import { HttpClient, HttpClientError, type HttpClientRequest, type HttpClientResponse, Url } from "effect/http"
import { NodeHttpClient } from "@effect/platform-node"
import * as NodeStream from "@effect/platform-node/NodeStream"
import * as Outbound from "../transport/Outbound.ts"
import { type Controller, DispatchedBody } from "./DispatchedBody.ts"
import { DispatchedResponse, type RawHeaders } from "./DispatchedResponse.ts"

interface Target {
  readonly origin: string
  readonly path: string
  readonly href: string
}

type Dispatcher = typeof NodeHttpClient.Dispatcher.Service
type Body = string | Uint8Array | NodeJS.ReadableStream | null

// An unread response that is collected lets go of its exchange (the
// connection would stay paused, or keep filling the buffer, otherwise).
const unread = new FinalizationRegistry<DispatchedBody>((body) => body.release("the response was never read"))

const transportError = (request: HttpClientRequest.HttpClientRequest, cause: unknown) =>
  new HttpClientError.HttpClientError({ reason: new HttpClientError.TransportError({ request, cause }) })

const encodeError = (request: HttpClientRequest.HttpClientRequest, cause: unknown) =>
  new HttpClientError.HttpClientError({ reason: new HttpClientError.EncodeError({ request, cause }) })

// One request's progress: the controller once undici started it, the body once headers came.
class Exchange {
  private controller: Controller | undefined = undefined
  private stopped: Error | undefined = undefined
  body: DispatchedBody | undefined = undefined

  started(controller: Controller): void {
    this.controller = controller
    if (this.stopped !== undefined) controller.abort(this.stopped)
  }

  answered(controller: Controller): DispatchedBody {
    return this.body = new DispatchedBody(controller)
  }

  stop(): void {
    if (this.stopped !== undefined) return
    this.stopped = new Error("the request was interrupted")
    if (this.body !== undefined) this.body.release(this.stopped.message)
    else if (this.controller !== undefined && !this.controller.aborted) this.controller.abort(this.stopped)
  }
}

/**
 * Builds the client on the `Dispatcher` in context.
 *
 * @since 0.1.0
 */
export const make: Effect.Effect<HttpClient.HttpClient, never, NodeHttpClient.Dispatcher> = Effect.map(
  Effect.service(NodeHttpClient.Dispatcher),
  (dispatcher: Dispatcher): HttpClient.HttpClient => {
    // A client sends to a handful of URLs: each is parsed once (bounded, for
    // paths that carry ids); one with query parameters or a hash every time.
    const targets = new Map<string, Target>()
    const targetOf = (request: HttpClientRequest.HttpClientRequest): Result.Result<Target, unknown> => {
      const hash = Option.getOrUndefined(request.hash)
      const plain = request.urlParams.params.length === 0 && hash === undefined
      if (plain) {
        const known = targets.get(request.url)
        if (known !== undefined) return Result.succeed(known)
      }
      const parsed = Url.make(request.url, request.urlParams, hash)
      if (Result.isFailure(parsed)) return Result.fail(parsed.failure)
      const url = parsed.success
      const target = { origin: url.origin, path: url.pathname + url.search, href: url.href.split("#")[0]! }
      if (plain) {
        if (targets.size >= 256) targets.clear()
        targets.set(request.url, target)
      }
      return Result.succeed(target)
    }

    const send = (request: HttpClientRequest.HttpClientRequest): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> => {
      const target = targetOf(request)
      if (Result.isFailure(target)) {
        return Effect.fail(new HttpClientError.HttpClientError({ reason: new HttpClientError.InvalidUrlError({ request, cause: target.failure }) }))
      }
      const body = request.body
      switch (body._tag) {
        case "Empty":
          return dispatch(request, target.success, request.headers, null)
        case "Uint8Array":
        case "Raw":
          return dispatch(request, target.success, request.headers, body.body as Body)
        case "Stream":
          return Effect.flatMap(NodeStream.toReadable(body.stream), (readable) => dispatch(request, target.success, request.headers, readable))
        case "FormData":
          // The platform's own encoder writes the multipart body and its boundary.
          return Effect.flatMap(
            Effect.tryPromise({
              try: async () => {
                const encoded = new Response(body.formData)
                return { type: encoded.headers.get("content-type")!, bytes: new Uint8Array(await encoded.arrayBuffer()) }
              },
              catch: (cause) => encodeError(request, cause)
            }),
            ({ bytes, type }) => dispatch(request, target.success, { ...request.headers, "content-type": type }, bytes)
          )
      }
    }

    const dispatch = (
      request: HttpClientRequest.HttpClientRequest,
      target: Target,
      headers: Readonly<Record<string, string>>,
      body: Body
    ) => {
      const exchange = new Exchange()
      const sent = (fiber: Fiber.Fiber<unknown, unknown>) => Effect.callback<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>((resume) => {
        try {
          dispatcher.dispatch({
            origin: target.origin,
            path: target.path,
            method: request.method,
            headers,
            body,
            // Never follow a redirect, even on a dispatcher composed with undici's redirect interceptor.
            maxRedirections: 0,
            // Deadlines are Effect's (the call's timeout), not the socket's.
            headersTimeout: 0,
            bodyTimeout: 0
          } as Parameters<Dispatcher["dispatch"]>[0], {
            onRequestStart(controller: Controller) {
              exchange.started(controller)
            },
            onResponseStart(controller: Controller, status: number, raw: RawHeaders) {
              if (status < 200) return
              const answered = exchange.answered(controller)
              const response = new DispatchedResponse(request, target.href, status, raw, answered)
              unread.register(response, answered, answered)
              // The fiber that asked ends failed or interrupted before anyone
              // started reading: it cannot have handed the response on (a fiber
              // hands values on by succeeding), so the exchange is let go.
              answered.onSettled = fiber.addObserver((exit) => {
                if (Exit.isFailure(exit)) answered.abandon("the fiber holding the response failed or was interrupted")
              })
              resume(Effect.succeed(response))
            },
            onResponseData(_: Controller, chunk: Uint8Array) {
              exchange.body?.push(chunk)
            },
            onResponseEnd() {
              const answered = exchange.body
              if (answered === undefined) return
              answered.end()
              unread.unregister(answered)
            },
            onResponseError(_: Controller, error: Error) {
              const answered = exchange.body
              if (answered === undefined) return resume(Effect.fail(transportError(request, error)))
              answered.fail(error)
              unread.unregister(answered)
            }
          } as Parameters<Dispatcher["dispatch"]>[1])
        } catch (cause) {
          resume(Effect.fail(transportError(request, cause)))
        }
      })
      // Interrupted before the caller holds the response (waiting for headers,
      // or just after they came): the exchange is aborted and the server sees
      // the connection close.
      return Effect.withFiber((fiber) => Effect.onInterrupt(sent(fiber), () => Effect.sync(() => exchange.stop())))
    }

    // No span of its own, no redirect followed, no `RequestInit` read: our transport skips turning those off.
    return Outbound.markSelfContained(HttpClient.makeWith(
      (effect: Effect.Effect<HttpClientRequest.HttpClientRequest, HttpClientError.HttpClientError>) => Effect.flatMap(effect, send),
      Effect.succeed
    ))
  }
)

/**
 * The client on the `Dispatcher` in context.
 *
 * @since 0.1.0
 */
export const layerNoDispatcher: Layer.Layer<HttpClient.HttpClient, never, NodeHttpClient.Dispatcher> = Layer.effect(HttpClient.HttpClient, make)

/**
 * The client on a keep-alive undici `Agent` of its own, destroyed with the layer.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<HttpClient.HttpClient> = Layer.provide(layerNoDispatcher, NodeHttpClient.layerDispatcher)

/**
 * The client on an undici `Agent` built from `options` (connections per
 * origin, keep-alive, TLS, a unix socket: undici's `Agent` options).
 *
 * @since 0.1.0
 */
export const layerOptions = (options: Parameters<typeof NodeHttpClient.layerDispatcherOptions>[0]): Layer.Layer<HttpClient.HttpClient> =>
  Layer.provide(layerNoDispatcher, NodeHttpClient.layerDispatcherOptions(options))
