/**
 * Node-only pieces: the lean undici `HttpClient` the benchmarks recommend.
 * Needs `@effect/platform-node` (an optional peer dependency).
 *
 * @since 0.1.0
 */

/**
 * A lean `HttpClient` on an undici `Dispatcher`.
 *
 * @since 0.1.0
 */
export * as UndiciHttpClient from "./UndiciHttpClient.ts"
