/**
 * `effect-llm-backends/s3`: object storage (S3 and S3-compatible stores)
 * through the same pipeline as the LLM backends. A subpath of its own, so
 * users of the LLM backends alone do not load the signer or the file helpers.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as ObjectStore from "./ObjectStore.ts"
/** @since 0.1.0 */
export * as S3 from "./S3.ts"
/** @since 0.1.0 */
export * as S3Config from "./S3Config.ts"
/** @since 0.1.0 */
export * as Files from "./Files.ts"
/** @since 0.1.0 */
export * as TestObjectStore from "./TestObjectStore.ts"
