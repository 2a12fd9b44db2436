/**
 * The test backend: `import { TestBackend } from "effect-llm-backends/testing"`.
 *
 * @since 0.1.0
 */
export * as TestBackend from "./TestBackend.ts"
/**
 * The test reranker: `import { TestReranker } from "effect-llm-backends/testing"`.
 *
 * @since 0.1.0
 */
export * as TestReranker from "./TestReranker.ts"
