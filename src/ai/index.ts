/**
 * effect/ai adapters: `import { EffectAi } from "effect-llm-backends/ai"`.
 * A subpath of its own, so the main entry never loads effect/ai (unstable in
 * effect 4.1.0) for users who do not want it.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as EffectAi from "./EffectAi.ts"
/** @since 0.1.0 */
export * as ToAiError from "./ToAiError.ts"
