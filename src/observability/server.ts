/**
 * The `/metrics` server (needs `@effect/platform-node`):
 * `import { MetricsServer } from "effect-llm-backends/observability/server"`.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as MetricsServer from "./MetricsServer.ts"
