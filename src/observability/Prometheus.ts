/**
 * Our metrics (`Stats.metrics`: requests, durations, queue wait, retries,
 * backoff, tokens, in flight, queue depth, breaker, first token, key
 * attempts) as Prometheus text, rendered by effect/observability's
 * `PrometheusMetrics`. Only our series are included unless asked for all
 * (every metric whose name starts with `llm_`: the pipeline's, and the
 * router's, caches', transport's, shared state's and gateway's), so an app's
 * own metrics are not exported twice when it serves its own `/metrics` too. Labels are the attributes we set: `provider`, and where
 * they apply `model`, `outcome`, `reason`, `direction`, `key` (a key's
 * name, never its value).
 *
 * Serving the text over HTTP is `MetricsServer` (it needs
 * `@effect/platform-node`); inside your own `HttpRouter` use {@link layerHttp}.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Metric } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { PrometheusMetrics } from "effect/observability"
import * as Stats from "../pipeline/Stats.ts"

// Every metric of ours is named llm_*.
const PREFIX = "llm_"

/**
 * The names of the pipeline's metrics, as registered (before any prefix).
 *
 * @since 0.1.0
 */
export const names: ReadonlySet<string> = new Set(Object.values(Stats.metrics).map((spec) => spec.name))

/**
 * How to render.
 *
 * @since 0.1.0
 */
export interface Options {
  /** Prepended to every name with an underscore, e.g. `myapp` → `myapp_llm_requests_total`. */
  readonly prefix?: string | undefined
  /** Include every metric in the registry, not only ours (default false). */
  readonly all?: boolean | undefined
}

/**
 * The Prometheus content type for the text exposition format.
 *
 * @since 0.1.0
 */
export const contentType = "text/plain; version=0.0.4; charset=utf-8"

const ours = (registry: Metric.MetricRegistry): Metric.MetricRegistry => {
  const out: Metric.MetricRegistry = new Map()
  for (const [key, metadata] of registry) if (metadata.id.startsWith(PREFIX)) out.set(key, metadata)
  return out
}

/**
 * The metrics of the current `Metric.MetricRegistry` as Prometheus text.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Prometheus } from "effect-llm-backends/observability"
 *
 * const text = Effect.runSync(Prometheus.format({ prefix: "myapp" }))
 * ```
 *
 * @since 0.1.0
 */
export const format = (options: Options = {}): Effect.Effect<string> =>
  Effect.map(Effect.context<never>(), (context) => {
    const registry = Context.get(context, Metric.MetricRegistry)
    const scoped = options.all === true ? context : Context.add(context, Metric.MetricRegistry, ours(registry))
    return PrometheusMetrics.formatUnsafe(scoped, { prefix: options.prefix })
  })

/**
 * The same text as an HTTP response.
 *
 * @since 0.1.0
 */
export const response = (options?: Options): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.map(format(options), (body) => HttpServerResponse.text(body, { contentType }))

/**
 * Adds `GET <path>` (default `/metrics`) serving {@link format} to the
 * `HttpRouter` in context. The registry is the one current where the layer
 * is built, so metrics updated in that program are the ones served.
 *
 * @since 0.1.0
 */
export const layerHttp = (options: Options & { readonly path?: HttpRouter.PathInput | undefined } = {}): Layer.Layer<never, never, HttpRouter.HttpRouter> =>
  Layer.effectDiscard(Effect.gen(function*() {
    const router = yield* HttpRouter.HttpRouter
    const registry = yield* Metric.MetricRegistry
    const { path, ...rest } = options
    yield* router.add("GET", path ?? "/metrics", Effect.provideService(response(rest), Metric.MetricRegistry, registry))
  }))
