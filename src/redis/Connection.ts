/**
 * One Redis connection for every backend of a process, and whether it may be
 * used. Each operation has a short timeout; the first one that fails or times
 * out marks Redis unavailable (a warning log, a metric, `mode` says
 * `fallback`), after which no operation waits on Redis: the pipeline runs on
 * its in-memory state. A supervisor fiber checks every `retryInterval`
 * (connecting again when the client gave up) and, once Redis answers, runs the
 * restore hooks (which drop the in-memory state of the outage) and shares
 * again. Redis being down at startup is an outage like any other.
 *
 * The client is `@effect/platform-node`'s `NodeRedis` (node-redis behind
 * `effect/persistence`'s `Redis` service, whose scripts are loaded once and
 * run by their SHA). Its offline queue is off: a command sent while the
 * socket is down fails at once instead of running late, after the call that
 * sent it has moved on.
 *
 * @since 0.1.0
 */
import * as NodeRedis from "@effect/platform-node/NodeRedis"
import { Context, Duration, Effect, Exit, Layer, Metric, Redacted, Schedule, Scope } from "effect"
import * as Redis from "effect/persistence/Redis"
import { Unavailable } from "../pipeline/SharedState.ts"

/**
 * @since 0.1.0
 */
export interface Settings {
  /** `redis://host:port/db`; may hold credentials, so it is kept `Redacted` and never printed. */
  readonly url: Redacted.Redacted<string>
  readonly password: Redacted.Redacted<string> | undefined
  /** Longest one Redis operation may take before the call goes on with in-memory state. */
  readonly timeout: Duration.Duration
  /** How often an unavailable Redis is tried again. */
  readonly retryInterval: Duration.Duration
  /**
   * What the connection serves, for its logs: `shared-state` (the default;
   * also moves the `llm_shared_state_*` metrics) or `cache` (a response
   * cache's store, whose outages the cache counts as `storeErrors`).
   */
  readonly role?: "shared-state" | "cache" | undefined
}

/**
 * @since 0.1.0
 */
export interface Connection {
  readonly available: () => boolean
  /** Runs one Redis operation within the timeout, or fails with `Unavailable` (at once while Redis is down). */
  readonly run: <A>(operation: (redis: Redis.Redis["Service"]) => Effect.Effect<A, unknown>) => Effect.Effect<A, Unavailable>
  readonly onRestore: (effect: Effect.Effect<void>) => void
}

/**
 * Fallbacks to in-memory state (one per outage) and whether shared state is in use (1) or not (0).
 *
 * @since 0.1.0
 */
export const metrics = {
  fallbacks: Metric.counter("llm_shared_state_fallbacks_total", {
    description: "Times this process fell back to in-memory state because Redis was unavailable"
  }),
  available: Metric.gauge("llm_shared_state_available", { description: "1 while Redis holds the shared state, 0 during a fallback" })
}

const unavailable = new Unavailable()

/**
 * Connects (or keeps trying to) for the lifetime of the current scope.
 *
 * @since 0.1.0
 */
export const make = Effect.fnUntraced(function*(settings: Settings) {
  const timeoutMs = Duration.toMillis(settings.timeout)
  let client: { readonly redis: Redis.Redis["Service"]; readonly node: NodeRedis.NodeRedis["Service"]; readonly scope: Scope.Closeable } | undefined
  let up = false
  let warned = false
  const restores: Array<Effect.Effect<void>> = []
  const cache = settings.role === "cache"
  const gauge = (value: number) => cache ? Effect.void : Metric.update(metrics.available, value)

  const down = (why: string) =>
    Effect.suspend(() => {
      if (!up && warned) return Effect.void
      up = false
      warned = true
      return Effect.andThen(
        cache ? Effect.void : Effect.andThen(Metric.update(metrics.fallbacks, 1), gauge(0)),
        Effect.logWarning(
          cache
            ? `response cache: Redis unavailable (${why}); lookups miss and answers are not stored until it is back`
            : `shared state: Redis unavailable (${why}); this process runs on its own in-memory state until it is back`
        )
      )
    })

  const run: Connection["run"] = (operation) =>
    Effect.suspend(() => {
      if (!up || client === undefined) return Effect.fail(unavailable)
      return operation(client.redis).pipe(
        Effect.timeout(timeoutMs),
        Effect.catchCause((cause) =>
          Effect.andThen(down(cause.toString().includes("TimeoutError") ? "an operation timed out" : "an operation failed"), Effect.fail(unavailable))
        )
      )
    })

  const connect = Effect.gen(function*() {
    const scope = yield* Scope.make()
    const layer = NodeRedis.layer({
      url: Redacted.value(settings.url),
      ...(settings.password === undefined ? {} : { password: Redacted.value(settings.password) }),
      disableOfflineQueue: true,
      socket: { connectTimeout: Math.max(timeoutMs * 10, 500) }
    })
    const exit = yield* Effect.exit(Effect.timeout(Layer.buildWithScope(layer, scope), Math.max(timeoutMs * 20, 1_000)))
    if (Exit.isFailure(exit)) {
      yield* Scope.close(scope, Exit.void)
      return false
    }
    client = { redis: Context.get(exit.value, Redis.Redis), node: Context.get(exit.value, NodeRedis.NodeRedis), scope }
    return true
  })

  const restore = Effect.gen(function*() {
    for (const effect of restores) yield* effect
    up = true
    yield* gauge(1)
    if (warned) {
      yield* Effect.logWarning(
        cache ? "response cache: Redis is back" : "shared state: Redis is back; this process's in-memory counts of the outage are discarded"
      )
    }
  })

  // One check: connect when there is no client (or it gave up), then ping while down.
  const check = Effect.gen(function*() {
    if (client !== undefined && !client.node.client.isOpen) {
      yield* Scope.close(client.scope, Exit.void)
      client = undefined
      if (up) yield* down("the connection closed")
    }
    if (client === undefined && !(yield* connect)) {
      if (!warned) yield* down("cannot connect")
      return
    }
    if (up) return
    const pong = yield* Effect.exit(Effect.timeout(client!.redis.send("PING"), Math.max(timeoutMs, 200)))
    if (Exit.isSuccess(pong)) yield* restore
  })

  // Registered before the first connect, so an interruption during it cannot leak the client.
  yield* Effect.addFinalizer(() => client === undefined ? Effect.void : Scope.close(client.scope, Exit.void))
  yield* check
  yield* Effect.forkScoped(Effect.repeat(check, Schedule.spaced(settings.retryInterval)))

  return {
    available: () => up,
    run,
    onRestore: (effect) => {
      restores.push(effect)
    }
  } satisfies Connection
})
