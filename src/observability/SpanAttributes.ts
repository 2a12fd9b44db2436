/**
 * The names spans are given and the facts they carry: the OpenTelemetry
 * GenAI conventions' attribute names and ours (`llm.*`), the conventions'
 * operation and provider spellings, and the facts read from our results and
 * stream chunks (ids, models, counts; never content).
 *
 * @since 0.1.0
 */
import type { ChatResponse } from "../domain/Chat.ts"
import type * as ChatChunk from "../domain/ChatChunk.ts"
import type { EmbedResponse } from "../domain/Embedding.ts"

/**
 * Attribute names: the GenAI conventions' and ours (`llm.*`).
 *
 * @since 0.1.0
 */
export const Attribute = {
  operationName: "gen_ai.operation.name",
  providerName: "gen_ai.provider.name",
  requestModel: "gen_ai.request.model",
  responseModel: "gen_ai.response.model",
  responseId: "gen_ai.response.id",
  inputTokens: "gen_ai.usage.input_tokens",
  outputTokens: "gen_ai.usage.output_tokens",
  finishReasons: "gen_ai.response.finish_reasons",
  errorType: "error.type",
  /** Our backend name (`gen_ai.provider.name` uses the conventions' spelling, e.g. `gcp.gemini`). */
  backend: "llm.backend",
  /** Our operation: `chat`, `stream`, `embed`, `models`, or an extra's name. */
  operation: "llm.operation",
  requestId: "llm.request_id",
  priority: "llm.priority",
  attempts: "llm.attempts",
  /** On an attempt span: 1 for the first attempt, 2 for the first retry, ... */
  attempt: "llm.attempt",
  queueWaitMs: "llm.queue_wait_ms",
  keyName: "llm.key_name",
  /** Our `LlmError` reason tag, on failure. */
  reason: "llm.reason",
  retryable: "llm.retryable",
  outcome: "llm.outcome"
} as const

/**
 * The name of every attempt span.
 *
 * @since 0.1.0
 */
export const attemptSpanName = "llm.attempt"

// The conventions' names where they have one (well-known provider values,
// operation names); ours otherwise.
const providerNames: Readonly<Record<string, string>> = { gemini: "gcp.gemini" }
const operationNames: Readonly<Record<string, string>> = { chat: "chat", stream: "chat", embed: "embeddings" }

/**
 * `gen_ai.operation.name` for one of our operations.
 *
 * @since 0.1.0
 */
export const operationName = (operation: string): string => operationNames[operation] ?? operation

/**
 * `gen_ai.provider.name` for one of our backends.
 *
 * @since 0.1.0
 */
export const providerName = (provider: string): string => providerNames[provider] ?? provider

/**
 * Facts learned from a result (or from each stream element).
 *
 * @since 0.1.0
 */
export interface ResultFacts {
  readonly responseModel?: string | undefined
  readonly responseId?: string | undefined
  readonly inputTokens?: number | undefined
  readonly outputTokens?: number | undefined
  readonly finishReason?: string | undefined
}

/**
 * Facts of a chat answer.
 *
 * @since 0.1.0
 */
export const ofChatResponse = (response: ChatResponse): ResultFacts => ({
  responseModel: response.model,
  responseId: response.id,
  inputTokens: response.usage?.inputTokens,
  outputTokens: response.usage?.outputTokens,
  finishReason: response.finishReason
})

/**
 * Facts of an embedding answer.
 *
 * @since 0.1.0
 */
export const ofEmbedResponse = (response: EmbedResponse): ResultFacts => ({
  responseModel: response.model,
  inputTokens: response.usage?.inputTokens
})

/**
 * Facts carried by a stream chunk (metadata, usage, finish), if any.
 *
 * @since 0.1.0
 */
export const ofChatChunk = (chunk: ChatChunk.ChatChunk): ResultFacts | undefined => {
  switch (chunk._tag) {
    case "Metadata":
      return { responseModel: chunk.model, responseId: chunk.id }
    case "Usage":
      return { inputTokens: chunk.usage.inputTokens, outputTokens: chunk.usage.outputTokens }
    case "Finish":
      return { finishReason: chunk.reason }
    default:
      return undefined
  }
}
