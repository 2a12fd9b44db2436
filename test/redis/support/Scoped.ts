/**
 * Effect-side helpers for the single-process Redis tests: a throwaway
 * `redis-server` for the scope, a connection and a backend's store on it,
 * and a plain client to look at what the scripts wrote.
 */
import { Duration, Effect, Redacted, type Scope } from "effect"
import { createClient } from "redis"
import * as Connection from "../../../src/redis/Connection.ts"
import * as RedisStore from "../../../src/redis/RedisStore.ts"
import * as RedisServer from "./RedisServer.ts"

export const server: Effect.Effect<RedisServer.RedisServer, never, Scope.Scope> = Effect.acquireRelease(
  Effect.promise(() => RedisServer.start()),
  (redis) => Effect.promise(() => redis.stop())
)

let prefixes = 0
/** A prefix no other test of this run uses, so tests share one server without seeing each other's keys. */
export const freshPrefix = () => `t${process.pid}-${prefixes++}`

/** A generous timeout: these tests check behaviour, not latency, on a loaded 2-core machine. */
export const connection = (url: string, options: { readonly timeoutMs?: number; readonly retryMs?: number } = {}) =>
  Connection.make({
    url: Redacted.make(url),
    password: undefined,
    timeout: Duration.millis(options.timeoutMs ?? 2_000),
    retryInterval: Duration.millis(options.retryMs ?? 200)
  })

export const store = (url: string, prefix = freshPrefix(), provider = "p") =>
  Effect.map(connection(url), (c) => ({ store: RedisStore.make(c, prefix, provider), base: `${prefix}:${provider}:` }))

/** A plain node-redis client for the scope, to read what the scripts stored. */
export const client = (url: string) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const c = createClient({ url })
      await c.connect()
      return c
    }),
    (c) => Effect.promise(() => c.close())
  )

export const sleep = (ms: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, ms)))
