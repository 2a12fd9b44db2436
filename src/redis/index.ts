/**
 * `effect-llm-backends/redis`: one rate limit, one key pool and one circuit
 * breaker per backend for many processes, on Redis; and a response-cache
 * store (`RedisCache`) whose entries every cache on the prefix shares. A subpath of its own, so
 * the `redis` client (an optional peer dependency) and `@effect/platform-node`
 * load only for those who use it.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as RedisState from "./RedisState.ts"
/** @since 0.1.0 */
export * as RedisCache from "./RedisCache.ts"
/** @since 0.1.0 */
export * as Connection from "./Connection.ts"
/** @since 0.1.0 */
export * as SharedState from "../pipeline/SharedState.ts"
