/**
 * effect-llm-backends: one typed, resilient Effect client for many AI backends.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as BackendConfigError from "./BackendConfigError.ts"
/** @since 0.1.0 */
export * as CacheHit from "./domain/CacheHit.ts"
/** @since 0.1.0 */
export * as CacheStore from "./cache/CacheStore.ts"
/** @since 0.1.0 */
export * as CallOptions from "./domain/CallOptions.ts"
/** @since 0.1.0 */
export * as Chat from "./domain/Chat.ts"
/** @since 0.1.0 */
export * as ChatChunk from "./domain/ChatChunk.ts"
/** @since 0.1.0 */
export * as Content from "./domain/Content.ts"
/** @since 0.1.0 */
export * as Embedding from "./domain/Embedding.ts"
/** @since 0.1.0 */
export * as Message from "./domain/Message.ts"
/** @since 0.1.0 */
export * as Model from "./domain/Model.ts"
/** @since 0.1.0 */
export * as Rerank from "./domain/Rerank.ts"
/** @since 0.1.0 */
export * as Reranker from "./Reranker.ts"
/** @since 0.1.0 */
export * as PromptGuard from "./cache/PromptGuard.ts"
/** @since 0.1.0 */
export * as ResponseCache from "./cache/ResponseCache.ts"
/** @since 0.1.0 */
export * as ResponseFormat from "./domain/ResponseFormat.ts"
/** @since 0.1.0 */
export * as Tool from "./domain/Tool.ts"
/** @since 0.1.0 */
export * as Usage from "./domain/Usage.ts"
/** @since 0.1.0 */
export * as LlmBackend from "./LlmBackend.ts"
/** @since 0.1.0 */
export * as LlmError from "./LlmError.ts"
/** @since 0.1.0 */
export * as Anthropic from "./providers/anthropic/Anthropic.ts"
/** @since 0.1.0 */
export * as Gemini from "./providers/gemini/Gemini.ts"
/** @since 0.1.0 */
export * as Groq from "./providers/groq/Groq.ts"
/** @since 0.1.0 */
export * as Ollama from "./providers/ollama/Ollama.ts"
/** @since 0.1.0 */
export * as OllamaApi from "./providers/ollama/OllamaApi.ts"
/** @since 0.1.0 */
export * as OllamaHost from "./providers/ollama/Host.ts"
/** @since 0.1.0 */
export * as OpenAi from "./providers/openai/OpenAi.ts"
/** @since 0.1.0 */
export * as Opea from "./providers/opea/Opea.ts"
/** @since 0.1.0 */
export * as OpeaApi from "./providers/opea/OpeaApi.ts"
/** @since 0.1.0 */
export * as Llvm from "./providers/llvm/Llvm.ts"
/** @since 0.1.0 */
export * as LlvmApi from "./providers/llvm/LlvmApi.ts"
/** @since 0.1.0 */
export * as Ovms from "./providers/ovms/Ovms.ts"
/** @since 0.1.0 */
export * as OvmsApi from "./providers/ovms/OvmsApi.ts"
/** @since 0.1.0 */
export * as OvmsTensor from "./providers/ovms/Tensor.ts"
/** @since 0.1.0 */
export * as Tei from "./providers/tei/Tei.ts"
/** @since 0.1.0 */
export * as TeiApi from "./providers/tei/TeiApi.ts"
/** @since 0.1.0 */
export * as Tgi from "./providers/tgi/Tgi.ts"
/** @since 0.1.0 */
export * as TgiApi from "./providers/tgi/TgiApi.ts"
/** @since 0.1.0 */
export * as Policy from "./pipeline/Policy.ts"
/** @since 0.1.0 */
export * as Router from "./router/Router.ts"
/**
 * The pipeline, for backends of your own: wrap a `Provider` (raw single
 * attempts) with `Pipeline.make` and it gets the queue, retry, breaker, keys,
 * limits and stats every backend has. See the README, "Writing your own backend".
 *
 * @since 0.1.0
 */
export * as Pipeline from "./pipeline/Pipeline.ts"
/** @since 0.1.0 */
export type { Provider } from "./pipeline/Provider.ts"
/** @since 0.1.0 */
export type { CallContext } from "./transport/ProviderHttp.ts"
/** @since 0.1.0 */
export type { KeyConfig, KeyStats, Strategy as KeyStrategy } from "./pipeline/KeyPool.ts"
/** @since 0.1.0 */
export type { Snapshot } from "./pipeline/Stats.ts"
/** @since 0.1.0 */
export type { RecentCall } from "./pipeline/Tracking.ts"
