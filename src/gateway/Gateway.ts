/**
 * The gateway: an OpenAI-compatible HTTP server over the configured backends
 * (one `Router`), with client keys, `/metrics`, `/health`, `/ready`,
 * `/stats` and the live dashboard. `make` builds it from a validated config;
 * `layer` serves it on `@effect/platform-node`'s `NodeHttpServer` for the
 * enclosing scope, and closing that scope shuts it down gracefully: no new
 * connections, in-flight calls may finish within `shutdownGraceMs`, the rest
 * are cancelled.
 *
 * @since 0.1.0
 */
import { NodeHttpServer } from "@effect/platform-node"
import { ByteSize, Clock, Context, Effect, type Fiber, Layer, Scope, Tracer } from "effect"
import {
  type Headers,
  HttpIncomingMessage,
  HttpRouter,
  type HttpServer,
  type HttpServerError,
  HttpServerRequest,
  HttpServerResponse,
  HttpTraceContext
} from "effect/http"
import type { HttpClient } from "effect/http"
import { createServer } from "node:http"
import type { Socket } from "node:net"
import type { BackendConfigError } from "../BackendConfigError.ts"
import type { Usage } from "../domain/Usage.ts"
import * as Api from "./Api.ts"
import * as Backends from "./Backends.ts"
import * as Clients from "./Clients.ts"
import * as Dashboard from "./Dashboard.ts"
import type * as GatewayConfig from "./GatewayConfig.ts"
import * as Http from "./Http.ts"
import * as Metrics from "./Metrics.ts"

/**
 * A built gateway (what the routes read).
 *
 * @since 0.1.0
 */
export interface Gateway {
  readonly config: GatewayConfig.GatewayConfig
  readonly backends: Backends.Backends
  readonly clients: Clients.Clients
  readonly metrics: Metrics.Metrics
  /** The config route a model goes to: `unknown` when routes are configured and none matches. */
  readonly routeFor: (model: string) => { readonly buffer: boolean } | "unknown"
  /** The exact route names (what `/v1/models` lists). */
  readonly modelNames: () => ReadonlyArray<string>
  readonly usage: (client: string, usage: Usage | undefined) => void
  /** Whether `/ready` should fail (set when shutting down). */
  readonly draining: { value: boolean }
  /** API requests being answered (a stream until its body ends); `onIdle` runs when it drops to 0. */
  readonly inFlight: { value: number; onIdle: () => void }
}

/**
 * How the gateway reports.
 *
 * @since 0.1.0
 */
export interface Options {
  /** Where access-log lines go (default stderr). */
  readonly log?: ((line: string) => void) | undefined
}

const patternOf = (match: string): RegExp =>
  new RegExp(`^${match.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`)

/**
 * Builds the backends, the router and the client registry from a config.
 *
 * @since 0.1.0
 */
export const make = (config: GatewayConfig.GatewayConfig): Effect.Effect<Gateway, BackendConfigError, HttpClient.HttpClient> =>
  Effect.map(Backends.make(config), (backends) => {
    const routes = (config.routes ?? []).map((r) => ({ exact: r.match.includes("*") ? undefined : r.match, pattern: patternOf(r.match), buffer: r.buffer === true }))
    const metrics = Metrics.make()
    return {
      config,
      backends,
      clients: Clients.make(config.clients ?? [], config.allowAnonymous === true),
      metrics,
      // Same order as the router's: exact names first, then patterns in order.
      routeFor: (model) => {
        if (routes.length === 0) return { buffer: false }
        const route = routes.find((r) => r.exact === model) ?? routes.find((r) => r.exact === undefined && r.pattern.test(model))
        return route === undefined ? "unknown" : route
      },
      modelNames: () => routes.flatMap((r) => (r.exact === undefined ? [] : [r.exact])),
      usage: (client, usage) => {
        if (usage !== undefined) metrics.tokens(client, usage.inputTokens, usage.outputTokens)
      },
      draining: { value: false },
      inFlight: { value: 0, onIdle: () => {} }
    }
  })

const maxBodyBytes = (gateway: Gateway) => gateway.config.limits?.maxBodyBytes ?? 4 * 1024 * 1024

// `Effect.acquireRelease` for releases that need no service: acquired and its release added to
// the request's scope in one uninterruptible step, released when the response is done (a stream
// when its body ends). `acquireRelease` runs every release under the acquiring fiber's context,
// which costs a copy of the request's whole context per release; these releases read none.
const held = <A, E>(acquire: Effect.Effect<A, E>, release: (a: A) => Effect.Effect<void>): Effect.Effect<A, E, Scope.Scope> =>
  Effect.uninterruptible(Effect.withFiber((fiber) => {
    const scope = Context.get(fiber.context as Context.Context<Scope.Scope>, Scope.Scope)
    return Effect.flatMap(acquire, (a) => Effect.as(Scope.addFinalizer(scope, release(a)), a))
  }))

// With no tracer installed Effect's server opens no span, so the calls a request
// makes upstream would carry no trace context: the caller's own (`traceparent`
// or `b3`) becomes their parent, and their requests carry it on. (With a tracer,
// the server's span is the parent already.)
const continued = <A, E, R>(
  fiber: Fiber.Fiber<unknown, unknown>,
  headers: Headers.Headers,
  answered: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> => {
  if (headers["traceparent"] === undefined && headers["b3"] === undefined) return answered
  if (Context.getOrUndefined(fiber.context, Tracer.ParentSpan) !== undefined) return answered
  const incoming = HttpTraceContext.fromHeaders(headers)
  return incoming._tag === "None" ? answered : Effect.withParentSpan(answered, incoming.value)
}

// Every API request runs this, so it is plain steps rather than a generator.
const route = (gateway: Gateway, handler: Api.Handler, log: (line: string) => void) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
    Effect.withFiber((fiber) => {
      const clock = fiber.getRef(Clock.Clock)
      const started = clock.currentTimeMillisUnsafe()
      // Read once: each read of `headers` may build a fresh Headers value.
      const headers = request.headers
      const requestId = Http.requestId(headers["x-request-id"])
      const cors = Http.corsHeaders(gateway.config.cors?.origins, headers["origin"])
      const fields: Record<string, string | number> = {}
      let client = "-"
      let status = 0
      // Counted and its release registered in one uninterruptible step: an interruption between
      // the two would leave the drain waiting for a request that is gone.
      const counted = held(Effect.sync(() => void gateway.inFlight.value++), () =>
        Effect.sync(() => {
          if (--gateway.inFlight.value === 0) gateway.inFlight.onIdle()
          gateway.metrics.request(client, status === 0 ? 499 : status)
          if (gateway.config.accessLog === false) return
          // No payloads, no keys: names, sizes of nothing, times.
          log(JSON.stringify({ time: new Date(started).toISOString(), id: requestId, client, method: request.method, path: request.url.split("?")[0], status: status === 0 ? 499 : status, ms: clock.currentTimeMillisUnsafe() - started, ...fields }))
        }))
      const answered = Effect.flatMap(gateway.clients.authenticate(headers["authorization"]), (who) => {
        client = who.name
        // The client's slot and its release in one uninterruptible step (never a leaked slot).
        return Effect.flatMap(held(gateway.clients.enter(who), (leave) => leave), (leave) => {
          const answer = (body: unknown) => handler(gateway, { client: who, requestId, body, leave, note: (more) => Object.assign(fields, more) })
          return request.method === "POST"
            ? Effect.flatMap(Http.jsonBody(request, headers["content-length"], maxBodyBytes(gateway)), answer)
            : answer(undefined)
        })
      }).pipe(Effect.catchTag("Rejection", (rejection) => Effect.succeed(Http.fromRejection(rejection))))
      return Effect.andThen(counted, Effect.map(continued(fiber, headers, answered), (response) => {
        status = response.status
        return HttpServerResponse.setHeaders(response, { ...cors, "x-request-id": requestId })
      }))
    }))

/**
 * The gateway's routes, added to the `HttpRouter` in context.
 *
 * @since 0.1.0
 */
export const routes = (gateway: Gateway, options: Options = {}): Layer.Layer<never, never, HttpRouter.HttpRouter> => {
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`))
  const api = (path: `/${string}`, method: "GET" | "POST", handler: Api.Handler) => HttpRouter.add(method, path, route(gateway, handler, log))
  const open = [
    HttpRouter.add("GET", "/health", Effect.succeed(Http.json(200, { status: "ok" }))),
    HttpRouter.add("GET", "/ready", Effect.map(Dashboard.readiness(gateway), ({ ready, detail }) => Http.json(ready ? 200 : 503, { ready, ...detail })))
  ]
  const preflight = gateway.config.cors === undefined ? [] : [
    HttpRouter.add("OPTIONS", "/*", Effect.map(HttpServerRequest.HttpServerRequest, (request) =>
      HttpServerResponse.empty({ status: 204, headers: Http.corsHeaders(gateway.config.cors?.origins, request.headers["origin"]) })))
  ]
  return Layer.mergeAll(
    api("/v1/chat/completions", "POST", Api.chat),
    api("/v1/embeddings", "POST", Api.embeddings),
    api("/v1/models", "GET", Api.models),
    api("/v1/rerank", "POST", Api.rerank),
    Dashboard.routes(gateway),
    ...open,
    ...preflight
  )
}

/**
 * Where to listen and how long to drain.
 *
 * @since 0.1.0
 */
export interface ServeOptions extends Options {
  /** Overrides the config's `listen.port` (0 asks the OS). */
  readonly port?: number | undefined
}

/**
 * Serves the gateway for the enclosing scope on Node's HTTP server with the
 * config's header, connection and timeout limits.
 *
 * @since 0.1.0
 */
export const layer = (gateway: Gateway, options: ServeOptions = {}): Layer.Layer<HttpServer.HttpServer, HttpServerError.ServeError> => {
  const limits = gateway.config.limits
  const server = () => {
    const node = createServer({
      maxHeaderSize: limits?.maxHeaderBytes ?? 16 * 1024,
      headersTimeout: limits?.headersTimeoutMs ?? 10_000,
      requestTimeout: 60_000,
      keepAliveTimeout: 30_000
    })
    node.maxConnections = limits?.maxConnections ?? 1024
    // Node's `close` stops accepting and closes the connections idle at that
    // moment only; a keep-alive connection whose response ends later would
    // hold the drain to its grace period. While draining, each finished
    // response closes its connection, and `ready` fails so a balancer moves away.
    const close = node.close.bind(node)
    node.close = (callback) => {
      gateway.draining.value = true
      close(callback)
      node.closeIdleConnections()
      if (gateway.inFlight.value === 0) drained()
      return node
    }
    // Once no API call is in flight, nothing is left to drain: the remaining
    // connections (keep-alive ones a client left half open, dashboard event
    // streams) are closed rather than held for the whole grace period.
    const sockets = new Set<Socket>()
    node.on("connection", (socket: Socket) => {
      sockets.add(socket)
      socket.once("close", () => sockets.delete(socket))
    })
    const drained = () => {
      for (const socket of sockets) socket.destroy()
    }
    gateway.inFlight.onIdle = () => {
      if (gateway.draining.value) drained()
    }
    node.on("request", (_request, response) => {
      if (gateway.draining.value) response.shouldKeepAlive = false
      response.once("finish", () => {
        if (gateway.draining.value) setImmediate(() => node.closeIdleConnections())
      })
      // A response cut short (the client left) leaves nothing to reuse the connection for.
      response.once("close", () => {
        if (!response.writableFinished) response.socket?.destroy()
      })
    })
    return node
  }
  return HttpRouter.serve(routes(gateway, options), { disableLogger: true, disableListenLog: true }).pipe(
    // The body cap for every request, set once for the server rather than provided per request
    // (`Http.jsonBody` reads bodies under it).
    Layer.provide(Layer.succeed(HttpIncomingMessage.MaxBodySize)(ByteSize.bytes(maxBodyBytes(gateway)))),
    Layer.provideMerge(NodeHttpServer.layer(server, {
      port: options.port ?? gateway.config.listen?.port ?? 8080,
      host: gateway.config.listen?.host ?? "127.0.0.1",
      gracefulShutdownTimeout: limits?.shutdownGraceMs ?? 10_000
    }))
  ) as Layer.Layer<HttpServer.HttpServer, HttpServerError.ServeError>
}
