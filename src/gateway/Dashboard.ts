/**
 * What the operator sees: `/stats` (JSON), `/metrics` (Prometheus text),
 * `/dashboard` (one HTML page, no build step, no CDN) and
 * `/dashboard/events` (server-sent events, a snapshot every 500 ms), all
 * behind the admin key: `Authorization: Bearer <key>`, or for a browser
 * `/dashboard?key=<key>` once, which sets an HttpOnly cookie and redirects
 * to the bare URL so the key leaves the address bar. Without an admin key in
 * the config these routes are off (404). Snapshots carry names, states and
 * counts only, never a key.
 *
 * @since 0.1.0
 */
import { Effect, Layer, Stream } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import * as Prometheus from "../observability/Prometheus.ts"
import { bearer, hashKey } from "./Clients.ts"
import * as DashboardPage from "./DashboardPage.ts"
import type { Gateway } from "./Gateway.ts"
import * as Http from "./Http.ts"

const COOKIE = "elb_admin"

/**
 * Everything the dashboard shows, as JSON.
 *
 * @since 0.1.0
 */
export const snapshot = (gateway: Gateway) =>
  Effect.gen(function*() {
    const routing = yield* gateway.backends.router.routing
    const backends = yield* Effect.forEach([...gateway.backends.byName], ([name, backend]) =>
      Effect.gen(function*() {
        const stats = yield* backend.monitor.stats
        const recent = yield* backend.monitor.recent
        const routed = routing.targets.find((t) => t.name === name)
        return {
          name,
          provider: backend.provider,
          breaker: yield* backend.monitor.breaker,
          breakerTrips: stats.circuit_breaker_trips,
          inFlight: stats.in_flight,
          queueDepth: stats.queue_depth,
          requestsByPriority: stats.requests_by_priority,
          total: stats.total_requests,
          succeeded: stats.successful_requests,
          failed: stats.failed_requests,
          errors: stats.errors_by_type,
          latency: { p50: stats.latency.p50, p95: stats.latency.p95, p99: stats.latency.p99 },
          tokens: stats.tokens_by_model,
          keys: stats.keys.map((k) => ({ name: k.name, state: k.state, reason: k.reason ?? null, coolingForMs: k.coolingForMs ?? null, inFlight: k.inFlight })),
          fallbacksFrom: routing.fallbacks.filter((f) => f.from === name).reduce((n, f) => n + f.count, 0),
          fallbacksTo: routing.fallbacks.filter((f) => f.to === name).reduce((n, f) => n + f.count, 0),
          routed: routed?.calls ?? 0,
          recent: recent.slice(-8).reverse().map((c) => ({
            id: c.requestId,
            model: c.model ?? null,
            operation: c.operation,
            outcome: c.outcome,
            reason: c.reason ?? null,
            ms: Math.round(c.durationMs),
            at: c.startedAt
          }))
        }
      }))
    return {
      time: Date.now(),
      backends,
      fallbacks: routing.fallbacks,
      clients: gateway.clients.stats().map((c) => {
        const usage = gateway.metrics.byClient().find((u) => u.client === c.name)
        return { ...c, statuses: usage?.statuses ?? {}, inputTokens: usage?.inputTokens ?? 0, outputTokens: usage?.outputTokens ?? 0 }
      })
    }
  })

/**
 * Ready when not draining and at least one backend's breaker is not open.
 *
 * @since 0.1.0
 */
export const readiness = (gateway: Gateway) =>
  Effect.map(Effect.forEach([...gateway.backends.byName.values()], (b) => b.monitor.breaker), (states) => {
    const open = states.filter((s) => s === "open").length
    return { ready: !gateway.draining.value && open < states.length, detail: { backends: states.length, open, draining: gateway.draining.value } }
  })

const cookieOf = (header: string | undefined): string | undefined => {
  for (const part of (header ?? "").split(";")) {
    const [name, ...value] = part.trim().split("=")
    if (name === COOKIE) return decodeURIComponent(value.join("="))
  }
  return undefined
}

const notFound = Http.json(404, { error: { message: "Not found", type: "invalid_request_error", param: null, code: "not_found" } })
const unauthorized = Http.json(401, { error: { message: "The admin key is required", type: "invalid_request_error", param: null, code: "invalid_api_key" } })

/**
 * The admin routes.
 *
 * @since 0.1.0
 */
export const routes = (gateway: Gateway): Layer.Layer<never, never, HttpRouter.HttpRouter> => {
  const adminHash = gateway.config.admin?.keyHash
  const isAdmin = (key: string | undefined) => adminHash !== undefined && key !== undefined && hashKey(key) === adminHash
  const guarded = (respond: (request: HttpServerRequest.HttpServerRequest) => Effect.Effect<HttpServerResponse.HttpServerResponse>) =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      if (adminHash === undefined) return Effect.succeed(notFound)
      const key = bearer(request.headers["authorization"]) ?? cookieOf(request.headers["cookie"])
      return isAdmin(key) ? respond(request) : Effect.succeed(unauthorized)
    })
  const noStore = { "cache-control": "no-store" }

  const page = Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    if (adminHash === undefined) return Effect.succeed(notFound)
    const query = new URL(request.url, "http://gateway").searchParams.get("key") ?? undefined
    if (query !== undefined) {
      if (!isAdmin(query)) return Effect.succeed(unauthorized)
      return Effect.succeed(HttpServerResponse.empty({
        status: 303,
        headers: {
          location: "/dashboard",
          "set-cookie": `${COOKIE}=${encodeURIComponent(query)}; HttpOnly; SameSite=Strict; Path=/`,
          ...noStore
        }
      }))
    }
    return guarded(() => Effect.succeed(HttpServerResponse.text(DashboardPage.html, { contentType: "text/html; charset=utf-8", headers: noStore })))
  })

  const events = guarded(() =>
    Effect.succeed(HttpServerResponse.stream(
      Stream.tick("500 millis").pipe(
        Stream.mapEffect(() => snapshot(gateway)),
        Stream.map((s) => new TextEncoder().encode(`data: ${JSON.stringify(s)}\n\n`))
      ),
      { contentType: "text/event-stream", headers: { ...noStore, "x-accel-buffering": "no" } }
    )))

  const stats = guarded(() => Effect.map(snapshot(gateway), (s) => Http.json(200, s, noStore)))
  const metrics = guarded(() =>
    Effect.map(Prometheus.format(), (text) => HttpServerResponse.text(text + gateway.metrics.prometheus(), { contentType: Prometheus.contentType })))

  return Layer.mergeAll(
    HttpRouter.add("GET", "/dashboard", page),
    HttpRouter.add("GET", "/dashboard/events", events),
    HttpRouter.add("GET", "/stats", stats),
    HttpRouter.add("GET", "/metrics", metrics)
  )
}
