/**
 * How one member of the OpenAI-compatible family differs from OpenAI.
 *
 * @since 0.1.0
 */
import type { ChatRequest } from "../../domain/Chat.ts"

/**
 * @since 0.1.0
 */
export interface Dialect {
  /** `max_completion_tokens` (OpenAI now) or `max_tokens` (most compatible servers). */
  readonly maxTokensField: "max_completion_tokens" | "max_tokens"
  /** Role for the system prompt. */
  readonly systemRole: "system" | "developer"
  /** Whether `stream_options.include_usage` is understood. */
  readonly streamUsage: boolean
  /** Whether `top_k` is accepted (OpenAI rejects it; vLLM, Groq-style servers vary). */
  readonly topK: boolean
  /** Whether to send `encoding_format: "float"` for embeddings. */
  readonly embeddingEncodingFormat: boolean
  /**
   * What this member's chat route cannot say beyond the family's own rules
   * (refused with `Unsupported`, never dropped).
   */
  readonly refuse?: ((request: ChatRequest) => { readonly capability: string; readonly detail: string } | undefined) | undefined
  /** The member's changes to the family's chat body (e.g. TGI's grammar and tool fields). */
  readonly adaptBody?: ((body: Record<string, unknown>, request: ChatRequest) => Record<string, unknown>) | undefined
  /** Route paths below the base URL; a missing route is an unsupported capability. */
  readonly paths: {
    readonly chat: string
    readonly embeddings: string | undefined
    readonly models: string
  }
}

/**
 * OpenAI itself.
 *
 * @since 0.1.0
 */
export const openai: Dialect = {
  maxTokensField: "max_completion_tokens",
  systemRole: "system",
  streamUsage: true,
  topK: false,
  embeddingEncodingFormat: true,
  paths: { chat: "/chat/completions", embeddings: "/embeddings", models: "/models" }
}

/**
 * Groq: OpenAI-compatible, no embeddings; streamed usage may also come under
 * `x_groq.usage` (read for every dialect).
 *
 * @since 0.1.0
 */
export const groq: Dialect = {
  maxTokensField: "max_completion_tokens",
  systemRole: "system",
  streamUsage: true,
  topK: false,
  embeddingEncodingFormat: false,
  paths: { chat: "/chat/completions", embeddings: undefined, models: "/models" }
}

/**
 * OPEA's microservices (GenAIComps `api_protocol.py`): `max_tokens`,
 * `top_k` and `stream_options.include_usage` are accepted; routes sit under
 * each microservice's root at `/v1/...`. OPEA defines no model listing, so
 * the OPEA backend does not offer `models` (the path here is unused).
 *
 * @since 0.1.0
 */
export const opea: Dialect = {
  maxTokensField: "max_tokens",
  systemRole: "system",
  streamUsage: true,
  topK: true,
  embeddingEncodingFormat: true,
  paths: { chat: "/v1/chat/completions", embeddings: "/v1/embeddings", models: "/v1/models" }
}

/**
 * OpenVINO Model Server's OpenAI-compatible routes under `/v3` (the base URL
 * is the server root, shared with its KServe `/v2` routes). It documents
 * `max_tokens` and `top_k`, and streamed usage (continuous-batching
 * servables). It has no OpenAI-style model list: `paths.models` names its
 * config-status route, which the OVMS backend reads with its own decoder.
 *
 * @since 0.1.0
 */
export const ovms: Dialect = {
  maxTokensField: "max_tokens",
  systemRole: "system",
  streamUsage: true,
  topK: true,
  embeddingEncodingFormat: true,
  paths: { chat: "/v3/chat/completions", embeddings: "/v3/embeddings", models: "/v1/config" }
}

/**
 * A self-hosted Hugging Face text-generation-inference server's Messages API
 * (`/v1/chat/completions`, `/v1/models` below the server's root). The server
 * applies the model's own chat template; `top_k` is not part of this route.
 *
 * @since 0.1.0
 */
export const tgi: Dialect = {
  maxTokensField: "max_tokens",
  systemRole: "system",
  streamUsage: true,
  topK: false,
  embeddingEncodingFormat: false,
  paths: { chat: "/v1/chat/completions", embeddings: undefined, models: "/v1/models" }
}

/**
 * Hugging Face's hosted router, `https://router.huggingface.co/v1`: OpenAI's
 * chat-completions shape in front of many inference providers.
 *
 * @since 0.1.0
 */
export const hfRouter: Dialect = {
  maxTokensField: "max_tokens",
  systemRole: "system",
  streamUsage: true,
  topK: false,
  embeddingEncodingFormat: false,
  paths: { chat: "/chat/completions", embeddings: undefined, models: "/models" }
}
