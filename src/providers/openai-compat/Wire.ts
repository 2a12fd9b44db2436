/**
 * The OpenAI chat-completions family's response bodies, read leniently:
 * compatible servers (Groq, TGI, vLLM, OVMS, OPEA, ...) send `null` where
 * OpenAI omits, and omit what OpenAI always sends.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { WireCount } from "../../internal/WireCount.ts"

const opt = <S extends Schema.Top>(schema: S) => Schema.optionalKey(Schema.NullOr(schema))

/** @since 0.1.0 */
export const WireUsage = Schema.Struct({
  // Counts go straight into `Usage`: checked here, so a bad body is an InvalidResponse, not a defect.
  prompt_tokens: opt(WireCount),
  completion_tokens: opt(WireCount),
  total_tokens: opt(WireCount),
  prompt_tokens_details: opt(Schema.Struct({ cached_tokens: opt(WireCount) })),
  completion_tokens_details: opt(Schema.Struct({ reasoning_tokens: opt(WireCount) }))
})
/** @since 0.1.0 */
export type WireUsage = typeof WireUsage.Type

const WireToolCall = Schema.Struct({
  id: opt(Schema.String),
  type: opt(Schema.String),
  function: Schema.Struct({
    name: Schema.String,
    arguments: opt(Schema.String)
  })
})

/** @since 0.1.0 */
export const ChatCompletion = Schema.Struct({
  id: opt(Schema.String),
  model: opt(Schema.String),
  choices: Schema.Array(Schema.Struct({
    index: opt(Schema.Number),
    message: Schema.Struct({
      role: opt(Schema.String),
      content: opt(Schema.String),
      refusal: opt(Schema.String),
      tool_calls: opt(Schema.Array(WireToolCall))
    }),
    finish_reason: opt(Schema.String)
  })),
  usage: opt(WireUsage)
})
/** @since 0.1.0 */
export type ChatCompletion = typeof ChatCompletion.Type

/** @since 0.1.0 */
export const ChatCompletionChunk = Schema.Struct({
  id: opt(Schema.String),
  model: opt(Schema.String),
  choices: opt(Schema.Array(Schema.Struct({
    index: opt(Schema.Number),
    delta: opt(Schema.Struct({
      role: opt(Schema.String),
      content: opt(Schema.String),
      refusal: opt(Schema.String),
      tool_calls: opt(Schema.Array(Schema.Struct({
        // Goes straight into `ToolCallDelta.index` (an integer): checked here, so a bad chunk is an InvalidResponse, not a defect.
        index: Schema.Int,
        id: opt(Schema.String),
        type: opt(Schema.String),
        function: opt(Schema.Struct({
          name: opt(Schema.String),
          arguments: opt(Schema.String)
        }))
      })))
    })),
    finish_reason: opt(Schema.String)
  }))),
  usage: opt(WireUsage),
  // Groq reports streamed usage here instead of in `usage`.
  x_groq: opt(Schema.Struct({ usage: opt(WireUsage) }))
})
/** @since 0.1.0 */
export type ChatCompletionChunk = typeof ChatCompletionChunk.Type

/** @since 0.1.0 */
export const EmbeddingList = Schema.Struct({
  model: opt(Schema.String),
  data: Schema.Array(Schema.Struct({
    index: Schema.Number,
    embedding: Schema.Array(Schema.Number)
  })),
  usage: opt(WireUsage)
})
/** @since 0.1.0 */
export type EmbeddingList = typeof EmbeddingList.Type

/** @since 0.1.0 */
export const ModelList = Schema.Struct({
  data: Schema.Array(Schema.Struct({
    id: Schema.String,
    owned_by: opt(Schema.String),
    created: opt(Schema.Number)
  }))
})
/** @since 0.1.0 */
export type ModelList = typeof ModelList.Type
