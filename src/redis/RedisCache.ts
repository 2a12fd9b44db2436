/**
 * A `CacheStore` on Redis, so several caches (in one process or many) share
 * their answers: pass it as `store` to `ResponseCache.exact` or `semantic`.
 *
 * Bounded as Redis allows, by the store itself: each entry's TTL is a Redis
 * `PX` (Redis drops it); the number of entries and their UTF-8 bytes are
 * bounded by `maxEntries` / `maxBytes` over everything under the prefix, kept
 * exact by the scripts (an index by last use and a byte count, changed in the
 * same script as the value), and a `put` past a bound evicts the least
 * recently used entries then and there. Redis's own `maxmemory` policy is the
 * server's business and is left alone; if it evicts values first, those
 * entries read as misses and leave the index when read or pushed out.
 *
 * The store never fails a call: while Redis is down (each operation bounded by
 * `timeout`, as for the shared state) every operation fails at once with
 * `CacheStoreError`, which the cache counts as `storeErrors` and treats as a
 * miss or a skipped write.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ResponseCache } from "effect-llm-backends"
 * import { RedisCache } from "effect-llm-backends/redis"
 *
 * const program = Effect.gen(function*() {
 *   const store = yield* RedisCache.make({ redis: { url: "redis://127.0.0.1:6379" }, prefix: "my-app", maxEntries: 10_000 })
 *   // const cached = yield* ResponseCache.exact(backend, { store, ttl: "1 hour" })
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Duration, Effect, Option } from "effect"
import type * as Redis from "effect/persistence/Redis"
import type * as Scope from "effect/Scope"
import { BackendConfigError } from "../BackendConfigError.ts"
import { type CacheStore, CacheStoreError } from "../cache/CacheStore.ts"
import * as CacheScripts from "./CacheScripts.ts"
import * as Connection from "./Connection.ts"
import * as RedisState from "./RedisState.ts"

/**
 * @since 0.1.0
 */
export interface Options extends RedisState.Options {
  /** Most entries under the prefix, across every cache sharing it (default 10,000). */
  readonly maxEntries?: number | undefined
  /** Most UTF-8 bytes of values under the prefix (default 256 MiB). */
  readonly maxBytes?: number | undefined
}

const encoder = new TextEncoder()

/**
 * The store, connected for the lifetime of the current scope.
 *
 * @since 0.1.0
 */
export const make = (options: Options): Effect.Effect<CacheStore, BackendConfigError, Scope.Scope> =>
  Effect.gen(function*() {
    const maxEntries = options.maxEntries ?? 10_000
    const maxBytes = options.maxBytes ?? 256 * 1024 * 1024
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      return yield* new BackendConfigError({ provider: "cache", setting: "maxEntries", detail: "expected an integer >= 1" })
    }
    if (!Number.isInteger(maxBytes) || maxBytes < 1) {
      return yield* new BackendConfigError({ provider: "cache", setting: "maxBytes", detail: "expected an integer number of bytes >= 1" })
    }
    const valid = yield* RedisState.settings(options)
    const connection = yield* Connection.make({ ...valid, role: "cache" })
    const base = `${valid.prefix}:cache:`
    const keys = [`${base}v:`, `${base}lru`, `${base}size`]
    const run = <A>(operation: string, effect: (redis: Redis.Redis["Service"]) => Effect.Effect<A, unknown>) =>
      Effect.mapError(connection.run(effect), () => new CacheStoreError({ operation, detail: "Redis unavailable" }))
    // No TTL, or one too long to say in millis: the entry stays until evicted.
    const ttlMs = (ttl: Duration.Duration | undefined) => {
      const ms = ttl === undefined ? 0 : Duration.toMillis(ttl)
      return Number.isFinite(ms) && ms > 0 ? Math.max(1, Math.ceil(ms)) : 0
    }

    return {
      get: (key) =>
        Effect.map(run("get", (redis) => redis.eval(CacheScripts.get)(keys, [key])), Option.fromNullishOr),
      put: (key, value, ttl) =>
        Effect.map(
          run("put", (redis) =>
            redis.eval(CacheScripts.put)(keys, [
              key,
              value,
              encoder.encode(value).length,
              ttlMs(ttl),
              maxEntries,
              maxBytes
            ])),
          (flat) => {
            const evicted: Array<string> = []
            const expired: Array<string> = []
            for (let i = 0; i + 1 < flat.length; i += 2) (flat[i] === "e" ? evicted : expired).push(flat[i + 1]!)
            return { evicted, expired }
          }
        ),
      remove: (key) => Effect.asVoid(run("remove", (redis) => redis.eval(CacheScripts.remove)(keys, [key]))),
      size: Effect.map(run("size", (redis) => redis.eval(CacheScripts.size)(keys, [])), ([entries, bytes]) => ({
        entries,
        bytes
      }))
    } satisfies CacheStore
  })
