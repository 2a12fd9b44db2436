/**
 * A small HTTP server answering `GET /metrics` with our metrics as
 * Prometheus text, on `@effect/platform-node`'s `NodeHttpServer`. It is a
 * module of its own because it pulls in platform-node, which the rest of the
 * library does not need.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { MetricsServer } from "effect-llm-backends/observability/server"
 *
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const server = yield* MetricsServer.serve({ port: 9464 })
 *   yield* Effect.log(`metrics at ${server.url}`)
 *   yield* Effect.never
 * }))
 * ```
 *
 * @since 0.1.0
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Layer, type Scope } from "effect"
import { HttpRouter, HttpServer, type HttpServerError } from "effect/http"
import { createServer } from "node:http"
import * as Prometheus from "./Prometheus.ts"

/**
 * Where and what to serve.
 *
 * @since 0.1.0
 */
export interface Options extends Prometheus.Options {
  /** Port to listen on; 0 (the default) asks the OS for a free one. */
  readonly port?: number | undefined
  /** Interface to bind (default `127.0.0.1`: metrics are not public by default). */
  readonly host?: string | undefined
  /** Route (default `/metrics`). */
  readonly path?: `/${string}` | undefined
}

/**
 * A running metrics server.
 *
 * @since 0.1.0
 */
export interface Served {
  /** The full URL of the metrics route, e.g. `http://127.0.0.1:9464/metrics`. */
  readonly url: string
  readonly port: number
}

/**
 * The server as a layer (for `Layer.launch` or next to your app's layers).
 *
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<HttpServer.HttpServer, HttpServerError.ServeError> => {
  const { port, host, path, ...format } = options
  return HttpRouter.serve(Prometheus.layerHttp({ ...format, path: path ?? "/metrics" }), { disableLogger: true, disableListenLog: true }).pipe(
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port: port ?? 0, host: host ?? "127.0.0.1" }))
  )
}

/**
 * Starts the server for the enclosing scope; it stops when the scope closes.
 *
 * @since 0.1.0
 */
export const serve = (options: Options = {}): Effect.Effect<Served, HttpServerError.ServeError, Scope.Scope> =>
  Effect.map(Layer.build(layer(options)), (context) => {
    const address = Context.get(context, HttpServer.HttpServer).address
    const port = address._tag === "UnixPathAddress" ? 0 : address.port
    return { url: `${HttpServer.formatAddress(address)}${options.path ?? "/metrics"}`, port }
  })
