/**
 * Observability: `import { Prometheus, Spans } from "effect-llm-backends/observability"`.
 * The `/metrics` server needs `@effect/platform-node` and has its own entry,
 * `effect-llm-backends/observability/server`.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Prometheus from "./Prometheus.ts"
/** @since 0.1.0 */
export * as Spans from "./Spans.ts"
