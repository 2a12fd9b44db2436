/**
 * effect/ai over any of our backends: `languageModel(backend)` is a
 * `LanguageModel` whose `generateText`, `streamText` and `generateObject`
 * go through the backend and its whole pipeline (queue, retry, breaker,
 * keys, limits, stats); `embeddingModel(backend)` is an `EmbeddingModel`
 * likewise. Tools come from the caller's `Toolkit` and effect/ai runs their
 * handlers; our `LlmError` reaches effect/ai code as an `AiError` with the
 * matching reason (see `ToAiError`).
 *
 * effect/ai's `LanguageModel.make` and `EmbeddingModel` are marked unstable
 * in effect 4.1.0; the exact `effect` pin of this package keeps them fixed.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { LanguageModel } from "effect/ai"
 * import { EffectAi } from "effect-llm-backends/ai"
 * import { TestBackend } from "effect-llm-backends/testing"
 *
 * const program = Effect.gen(function*() {
 *   const script = yield* TestBackend.TestBackend
 *   yield* script.push(TestBackend.reply("Hello!"))
 *   const response = yield* LanguageModel.generateText({ prompt: "Hi" })
 *   return response.text
 * }).pipe(Effect.provide(EffectAi.layer().pipe(Layer.provideMerge(TestBackend.layer()))))
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Exit, Layer, Stream } from "effect"
import { EmbeddingModel, LanguageModel, Telemetry } from "effect/ai"
import type { CallOptions } from "../domain/CallOptions.ts"
import type { ChatResponse } from "../domain/Chat.ts"
import type * as ChatChunk from "../domain/ChatChunk.ts"
import type { Usage } from "../domain/Usage.ts"
import { omitUndefined } from "../internal/omitUndefined.ts"
import { LlmBackend, type Service } from "../LlmBackend.ts"
import * as ChatToResponse from "./ChatToResponse.ts"
import * as ChunksToParts from "./ChunksToParts.ts"
import * as PromptToChat from "./PromptToChat.ts"
import { toAiError } from "./ToAiError.ts"

/**
 * Generation settings and per-call pipeline options for every request of
 * the model (effect/ai's requests carry neither).
 *
 * @since 0.1.0
 */
export interface Options extends PromptToChat.Settings {
  /** Priority, timeout, key pin and session of each call (the request id is generated per call). */
  readonly callOptions?: Omit<CallOptions, "requestId"> | undefined
}

/**
 * Settings for part of a program, over the model's own (see {@link withOptions}).
 *
 * @since 0.1.0
 */
export const CurrentOptions = Context.Reference<Options>("effect-llm-backends/EffectAi/CurrentOptions", {
  defaultValue: () => ({})
})

/**
 * Runs `effect` with these settings over the model's own (e.g. a higher
 * priority or another temperature for one call).
 *
 * @since 0.1.0
 */
export const withOptions = (options: Options) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(Effect.service(CurrentOptions), (current) =>
    Effect.provideService(effect, CurrentOptions, {
      ...current,
      ...options,
      callOptions: { ...current.callOptions, ...options.callOptions }
    }))

const merged = (base: Options) =>
  Effect.map(Effect.service(CurrentOptions), (current): Options => ({
    ...base,
    ...current,
    callOptions: { ...base.callOptions, ...current.callOptions }
  }))

const settingsOf = (options: Options): PromptToChat.Settings => {
  const { callOptions: _, ...settings } = options
  return settings
}

interface Facts {
  model?: string | undefined
  id?: string | undefined
  usage?: Usage | undefined
  finish?: string | undefined
}

// effect/ai opened a span for the call; give it the GenAI attributes its own
// providers set (names and counts only, never content).
const annotate = (span: LanguageModel.ProviderOptions["span"], provider: string, model: string | undefined, facts: Facts) =>
  Telemetry.addGenAIAnnotations(span, {
    provider: { name: provider },
    operation: { name: "chat" },
    request: { model },
    response: omitUndefined({
      id: facts.id,
      model: facts.model,
      finishReasons: facts.finish === undefined ? undefined : [facts.finish]
    }),
    usage: facts.usage === undefined
      ? undefined
      : { inputTokens: facts.usage.inputTokens, outputTokens: facts.usage.outputTokens }
  })

const responseFacts = (response: ChatResponse): Facts => ({
  model: response.model,
  id: response.id,
  usage: response.usage,
  finish: ChatToResponse.finishReason(response.finishReason)
})

const observeChunk = (facts: Facts, chunk: ChatChunk.ChatChunk) => {
  if (chunk._tag === "Metadata") {
    if (chunk.model !== undefined) facts.model = chunk.model
    if (chunk.id !== undefined) facts.id = chunk.id
  } else if (chunk._tag === "Usage") facts.usage = chunk.usage
  else if (chunk._tag === "Finish") facts.finish = ChatToResponse.finishReason(chunk.reason)
}

/**
 * A `LanguageModel` service value over `backend`.
 *
 * @since 0.1.0
 */
export const languageModel = (backend: Service, options: Options = {}): Effect.Effect<LanguageModel.LanguageModel> =>
  LanguageModel.make({
    // Our request has one system prompt outside the turns.
    supportsSystemMessagesInHistory: Effect.succeed(false),
    generateText: (provider) =>
      Effect.gen(function*() {
        const current = yield* merged(options)
        const request = yield* PromptToChat.toChatRequest(provider, settingsOf(current), "generateText")
        const response = yield* Effect.mapError(
          backend.chat(request, current.callOptions),
          (error) => toAiError(error, "generateText")
        )
        annotate(provider.span, backend.provider, request.model, responseFacts(response))
        return yield* ChatToResponse.toParts(response)
      }),
    streamText: (provider) =>
      Stream.unwrap(Effect.gen(function*() {
        const current = yield* merged(options)
        const request = yield* PromptToChat.toChatRequest(provider, settingsOf(current), "streamText")
        const facts: Facts = {}
        const chunks = backend.stream(request, current.callOptions).pipe(
          Stream.tap((chunk) => Effect.sync(() => observeChunk(facts, chunk))),
          Stream.mapError((error) => toAiError(error, "streamText")),
          Stream.onExit((exit) =>
            Effect.sync(() => {
              if (Exit.isSuccess(exit)) annotate(provider.span, backend.provider, request.model, facts)
            })
          )
        )
        return ChunksToParts.toStreamParts(chunks, backend.provider)
      }))
  })

/**
 * A layer of `LanguageModel` over the `LlmBackend` in context.
 *
 * @since 0.1.0
 */
export const layer = (options?: Options): Layer.Layer<LanguageModel.LanguageModel, never, LlmBackend> =>
  Layer.effect(LanguageModel.LanguageModel, Effect.flatMap(Effect.service(LlmBackend), (backend) => languageModel(backend, options)))

/**
 * Settings of an embedding model.
 *
 * @since 0.1.0
 */
export interface EmbeddingOptions {
  /** The embedding model (default: the backend's). */
  readonly model?: string | undefined
  /** Output dimensions, where the model supports choosing them. */
  readonly dimensions?: number | undefined
  readonly callOptions?: Omit<CallOptions, "requestId"> | undefined
}

/**
 * An `EmbeddingModel` service value over `backend`. effect/ai batches
 * concurrent `embed` calls into one `embedMany`, which is one call through
 * our pipeline.
 *
 * @since 0.1.0
 */
export const embeddingModel = (backend: Service, options: EmbeddingOptions = {}): Effect.Effect<EmbeddingModel.EmbeddingModel> =>
  EmbeddingModel.make({
    embedMany: ({ inputs }) =>
      backend.embed(omitUndefined({ input: [...inputs], model: options.model, dimensions: options.dimensions }), options.callOptions).pipe(
        Effect.map((response) => ({
          results: response.embeddings.map((vector) => [...vector]),
          usage: { inputTokens: response.usage?.inputTokens }
        })),
        Effect.mapError((error) => toAiError(error, "embedMany"))
      )
  })

/**
 * A layer of `EmbeddingModel` over the `LlmBackend` in context.
 *
 * @since 0.1.0
 */
export const embeddingLayer = (options?: EmbeddingOptions): Layer.Layer<EmbeddingModel.EmbeddingModel, never, LlmBackend> =>
  Layer.effect(
    EmbeddingModel.EmbeddingModel,
    Effect.flatMap(Effect.service(LlmBackend), (backend) => embeddingModel(backend, options))
  )
