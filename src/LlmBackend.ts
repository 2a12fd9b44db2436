/**
 * The service every backend provides: chat, stream, embed and models, with
 * the capabilities it declares. Callers depend on this, never on a provider.
 *
 * @since 0.1.0
 */
import { Context, Effect, Stream } from "effect"
import type { CallOptions } from "./domain/CallOptions.ts"
import type { ChatRequestInput, ChatResponse } from "./domain/Chat.ts"
import type { ChatChunk } from "./domain/ChatChunk.ts"
import type { EmbedRequestInput, EmbedResponse } from "./domain/Embedding.ts"
import type { ModelInfo } from "./domain/Model.ts"
import type { LlmError } from "./LlmError.ts"
import type { Snapshot } from "./pipeline/Stats.ts"
import type { RecentCall } from "./pipeline/Tracking.ts"

/**
 * What a backend can do. A call to a capability it lacks fails with the
 * `Unsupported` reason.
 *
 * @since 0.1.0
 */
export interface Capabilities {
  readonly chat: boolean
  readonly stream: boolean
  readonly embed: boolean
  readonly models: boolean
}

/**
 * What the pipeline knows about a backend's calls.
 *
 * @since 0.1.0
 */
export interface Monitor {
  /** The stats snapshot (predecessor field names; times in ms). */
  readonly stats: Effect.Effect<Snapshot>
  /** Clears the snapshot's counters and the recent-calls ring (Metrics stay cumulative). */
  readonly reset: Effect.Effect<void>
  /** The snapshot as a text table or JSON. */
  readonly report: (format?: "text" | "json") => Effect.Effect<string>
  /** The most recent calls, oldest first (no payloads, no secrets). */
  readonly recent: Effect.Effect<ReadonlyArray<RecentCall>>
  /** The circuit breaker's state. */
  readonly breaker: Effect.Effect<"closed" | "open" | "half_open">
}

/**
 * The backend's operations.
 *
 * @since 0.1.0
 */
export interface Service {
  /** Which provider this is, e.g. `"openai"`. */
  readonly provider: string
  readonly capabilities: Capabilities
  /** One complete answer. */
  readonly chat: (request: ChatRequestInput, options?: CallOptions) => Effect.Effect<ChatResponse, LlmError>
  /** The answer as it is generated. */
  readonly stream: (request: ChatRequestInput, options?: CallOptions) => Stream.Stream<ChatChunk, LlmError>
  /** Vectors for one or more texts. */
  readonly embed: (request: EmbedRequestInput, options?: CallOptions) => Effect.Effect<EmbedResponse, LlmError>
  /** The models the service lists right now. */
  readonly models: (options?: CallOptions) => Effect.Effect<ReadonlyArray<ModelInfo>, LlmError>
  /** Stats, recent calls and breaker state. */
  readonly monitor: Monitor
}

/**
 * The backend in context.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LlmBackend, Message } from "effect-llm-backends"
 *
 * const program = Effect.gen(function*() {
 *   const llm = yield* LlmBackend.LlmBackend
 *   const reply = yield* llm.chat({ messages: [Message.user("Hello")] })
 *   return reply.text
 * })
 * ```
 *
 * @since 0.1.0
 */
export class LlmBackend extends Context.Service<LlmBackend, Service>()("effect-llm-backends/LlmBackend") {}

/**
 * `chat` on the backend in context.
 *
 * @since 0.1.0
 */
export const chat = (request: ChatRequestInput, options?: CallOptions) =>
  LlmBackend.use((backend) => backend.chat(request, options))

/**
 * `stream` on the backend in context.
 *
 * @since 0.1.0
 */
export const stream = (request: ChatRequestInput, options?: CallOptions) =>
  Stream.unwrap(LlmBackend.useSync((backend) => backend.stream(request, options)))

/**
 * `embed` on the backend in context.
 *
 * @since 0.1.0
 */
export const embed = (request: EmbedRequestInput, options?: CallOptions) =>
  LlmBackend.use((backend) => backend.embed(request, options))

/**
 * `models` on the backend in context.
 *
 * @since 0.1.0
 */
export const models = (options?: CallOptions) => LlmBackend.use((backend) => backend.models(options))
