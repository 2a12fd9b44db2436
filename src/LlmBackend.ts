/**
 * The service every backend provides: chat, stream, embed and models, with
 * the capabilities it declares. Callers depend on this, never on a provider.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, type Scope, Stream } from "effect"
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
  /**
   * Calls holding a permit plus calls waiting for one, read at once: what
   * `least-busy` routing compares on every call (`stats` builds the whole
   * snapshot, percentiles included).
   */
  readonly load: Effect.Effect<number>
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
 * A tag for a backend of your own, so several backends live in one program:
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { LlmBackend, Message, Ollama, OpenAi } from "effect-llm-backends"
 *
 * class Writer extends LlmBackend.Tag<Writer>()("app/Writer") {}
 * class Embedder extends LlmBackend.Tag<Embedder>()("app/Embedder") {}
 *
 * const Backends = Layer.mergeAll(
 *   LlmBackend.layerAs(Writer, OpenAi.makeConfig()),
 *   LlmBackend.layerAs(Embedder, Ollama.makeConfig())
 * )
 * const program = Effect.gen(function*() {
 *   const draft = yield* LlmBackend.chat({ messages: [Message.user("Hi")] }, undefined, Writer)
 *   const vectors = yield* LlmBackend.embed(draft.text, undefined, Embedder)
 *   return vectors.embeddings.length
 * })
 * ```
 *
 * @since 0.1.0
 */
export const Tag = <Self>() => <const Key extends string>(key: Key) => Context.Service<Self, Service>()(key)

/**
 * Any tag whose service is a backend: `LlmBackend` itself or one made with {@link Tag}.
 *
 * @since 0.1.0
 */
export type AnyTag<I> = Context.Key<I, Service>

/**
 * Provides the backend that `make` builds under `tag`, e.g.
 * `LlmBackend.layerAs(Writer, OpenAi.makeConfig())`. The default
 * `OpenAi.layer` and friends are `layerAs(LlmBackend, ...)`.
 *
 * @since 0.1.0
 */
export const layerAs = <I, E, R>(
  tag: Context.Key<I, Service>,
  make: Effect.Effect<Service, E, R>
): Layer.Layer<I, E, Exclude<R, Scope.Scope>> => Layer.effect(tag, make)

const resolve = <I = LlmBackend>(tag?: AnyTag<I>): Effect.Effect<Service, never, I> =>
  (tag ?? LlmBackend) as unknown as Effect.Effect<Service, never, I>

/**
 * `chat` on the backend in context (`LlmBackend`, or the one under `tag`).
 *
 * @since 0.1.0
 */
export const chat = <I = LlmBackend>(request: ChatRequestInput, options?: CallOptions, tag?: AnyTag<I>) =>
  Effect.flatMap(resolve(tag), (backend) => backend.chat(request, options))

/**
 * `stream` on the backend in context (`LlmBackend`, or the one under `tag`).
 *
 * @since 0.1.0
 */
export const stream = <I = LlmBackend>(request: ChatRequestInput, options?: CallOptions, tag?: AnyTag<I>) =>
  Stream.unwrap(Effect.map(resolve(tag), (backend) => backend.stream(request, options)))

/**
 * `embed` on the backend in context (`LlmBackend`, or the one under `tag`).
 *
 * @since 0.1.0
 */
export const embed = <I = LlmBackend>(request: EmbedRequestInput, options?: CallOptions, tag?: AnyTag<I>) =>
  Effect.flatMap(resolve(tag), (backend) => backend.embed(request, options))

/**
 * `models` on the backend in context (`LlmBackend`, or the one under `tag`).
 *
 * @since 0.1.0
 */
export const models = <I = LlmBackend>(options?: CallOptions, tag?: AnyTag<I>) =>
  Effect.flatMap(resolve(tag), (backend) => backend.models(options))
