/**
 * The test backend: `import { TestBackend } from "effect-llm-backends/testing"`.
 *
 * @since 0.1.0
 */
export * as TestBackend from "./TestBackend.ts"
