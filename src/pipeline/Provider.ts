/**
 * What a provider module implements: pure translation between our domain
 * types and one service's wire format, for a single attempt. Everything
 * around an attempt (validation, queueing, retry, breaker, key choice, stats)
 * is the pipeline's.
 *
 * @since 0.1.0
 */
import type { Effect, Stream } from "effect"
import type { ChatRequest, ChatResponse } from "../domain/Chat.ts"
import type { ChatChunk } from "../domain/ChatChunk.ts"
import type { EmbedRequest, EmbedResponse } from "../domain/Embedding.ts"
import type { ModelInfo } from "../domain/Model.ts"
import type { LlmError } from "../LlmError.ts"
import type { CallContext } from "../transport/ProviderHttp.ts"

/**
 * A provider's raw operations. A missing operation is an unsupported
 * capability.
 *
 * @since 0.1.0
 */
export interface Provider {
  readonly provider: string
  readonly chat?: ((request: ChatRequest, call: CallContext) => Effect.Effect<ChatResponse, LlmError>) | undefined
  readonly stream?: ((request: ChatRequest, call: CallContext) => Stream.Stream<ChatChunk, LlmError>) | undefined
  readonly embed?: ((request: EmbedRequest, call: CallContext) => Effect.Effect<EmbedResponse, LlmError>) | undefined
  readonly models?: ((call: CallContext) => Effect.Effect<ReadonlyArray<ModelInfo>, LlmError>) | undefined
}
