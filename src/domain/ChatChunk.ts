/**
 * Stream chunks. Content chunks (text, refusal, tool calls) are told apart
 * from metadata chunks (usage, finish, metadata), so the pipeline knows
 * whether anything was emitted before a failure.
 *
 * @since 0.1.0
 */
import { Effect, Schema, Stream } from "effect"
import { CacheHit } from "./CacheHit.ts"
import { ChatResponse, FinishReason } from "./Chat.ts"
import * as Content from "./Content.ts"
import { omitUndefined } from "../internal/omitUndefined.ts"
import { Usage } from "./Usage.ts"

/**
 * A piece of answer text.
 *
 * @since 0.1.0
 */
export class TextDelta extends Schema.TaggedClass<TextDelta>()("TextDelta", {
  text: Schema.String
}) {}

/**
 * A piece of a refusal message.
 *
 * @since 0.1.0
 */
export class RefusalDelta extends Schema.TaggedClass<RefusalDelta>()("RefusalDelta", {
  text: Schema.String
}) {}

/**
 * A piece of a tool call, as it arrives. `id` and `name` come with the first
 * piece of each call; `index` ties the pieces together.
 *
 * @since 0.1.0
 */
export class ToolCallDelta extends Schema.TaggedClass<ToolCallDelta>()("ToolCallDelta", {
  index: Schema.Int,
  id: Schema.optionalKey(Schema.String),
  name: Schema.optionalKey(Schema.String),
  argumentsDelta: Schema.String
}) {}

/**
 * A tool call, complete: emitted once all its pieces have arrived.
 *
 * @since 0.1.0
 */
export class ToolCall extends Schema.TaggedClass<ToolCall>()("ToolCall", {
  index: Schema.Int,
  id: Schema.String,
  name: Schema.String,
  arguments: Schema.String
}) {}

/**
 * Token usage (streams usually report it at the end).
 *
 * @since 0.1.0
 */
export class UsageChunk extends Schema.TaggedClass<UsageChunk>()("Usage", {
  usage: Usage
}) {}

/**
 * Why the answer ended.
 *
 * @since 0.1.0
 */
export class Finish extends Schema.TaggedClass<Finish>()("Finish", {
  reason: FinishReason,
  raw: Schema.optionalKey(Schema.String)
}) {}

/**
 * Response metadata: the provider's response id and the answering model;
 * `cache` when a response cache replays a stored answer.
 * `warnings` when the decoder had to leave something out at this point of
 * the stream (a skipped malformed event, an unknown part), so the answer may
 * have a gap. Later metadata chunks add to earlier ones.
 *
 * @since 0.1.0
 */
export class Metadata extends Schema.TaggedClass<Metadata>()("Metadata", {
  /** The backend that answered (a router names the target). */
  provider: Schema.optionalKey(Schema.String),
  id: Schema.optionalKey(Schema.String),
  model: Schema.optionalKey(Schema.String),
  requestId: Schema.optionalKey(Schema.String),
  providerRequestId: Schema.optionalKey(Schema.String),
  cache: Schema.optionalKey(CacheHit),
  warnings: Schema.optionalKey(Schema.Array(Schema.String))
}) {}

/**
 * Discard everything received so far: the answer starts again (a router
 * restarted the call on another target after a failure mid-stream). What
 * follows is one complete answer of its own.
 *
 * @since 0.1.0
 */
export class Reset extends Schema.TaggedClass<Reset>()("Reset", {
  /** Why: the reason that ended the abandoned answer, e.g. `StreamTruncated`. */
  reason: Schema.String,
  /** The target abandoned and the one the answer restarts on. */
  from: Schema.optionalKey(Schema.String),
  to: Schema.optionalKey(Schema.String)
}) {}

/**
 * A metadata chunk carrying only a warning.
 *
 * @since 0.1.0
 */
export const warning = (text: string): Metadata => new Metadata({ warnings: [text] })

/**
 * Any stream chunk.
 *
 * @since 0.1.0
 */
export const ChatChunk = Schema.Union([TextDelta, RefusalDelta, ToolCallDelta, ToolCall, UsageChunk, Finish, Metadata, Reset])

/**
 * @since 0.1.0
 */
export type ChatChunk = typeof ChatChunk.Type

/**
 * True for chunks that carry answer content; after one of these a stream can
 * no longer be retried from scratch without the caller seeing it twice.
 *
 * @since 0.1.0
 */
export const isContent = (chunk: ChatChunk): boolean =>
  chunk._tag === "TextDelta" || chunk._tag === "RefusalDelta" || chunk._tag === "ToolCallDelta" ||
  chunk._tag === "ToolCall"

/**
 * Folds a stream into the `ChatResponse` a non-streaming call would have
 * returned. Tool calls come from the complete `ToolCall` chunks. A `Reset`
 * discards everything before it, so the result is one complete answer.
 *
 * @since 0.1.0
 */
export const collect = <E, R>(
  stream: Stream.Stream<ChatChunk, E, R>,
  provider = "unknown"
): Effect.Effect<ChatResponse, E, R> =>
  Stream.runFold(stream, () => new Collector(provider), (acc, chunk) => acc.add(chunk)).pipe(
    Effect.map((acc) => acc.done())
  )

class Collector {
  text = ""
  refusal: string | undefined
  calls: Array<ToolCall> = []
  finish: Finish | undefined
  usage: Usage | undefined
  meta: { provider?: string; id?: string; model?: string; requestId?: string; providerRequestId?: string; cache?: CacheHit } = {}
  warnings: Array<string> = []
  constructor(readonly provider: string) {}

  add(chunk: ChatChunk): this {
    switch (chunk._tag) {
      case "Reset":
        this.text = ""
        this.refusal = undefined
        this.calls = []
        this.finish = undefined
        this.usage = undefined
        this.meta = {}
        this.warnings = []
        break
      case "TextDelta":
        this.text += chunk.text
        break
      case "RefusalDelta":
        this.refusal = (this.refusal ?? "") + chunk.text
        break
      case "ToolCall":
        this.calls.push(chunk)
        break
      case "Usage":
        this.usage = chunk.usage
        break
      case "Finish":
        this.finish = chunk
        break
      case "Metadata": {
        const { _tag, warnings, ...fields } = chunk
        this.meta = { ...this.meta, ...omitUndefined(fields) }
        if (warnings !== undefined) this.warnings.push(...warnings)
        break
      }
    }
    return this
  }

  done(): ChatResponse {
    const content: Array<Content.AssistantPart> = []
    if (this.text.length > 0) content.push(Content.text(this.text))
    for (const call of this.calls) {
      content.push(new Content.ToolCallPart({ id: call.id, name: call.name, arguments: call.arguments }))
    }
    const { id, model, provider, requestId, providerRequestId, cache } = this.meta
    return new ChatResponse({
      provider: provider ?? this.provider,
      model: model ?? "unknown",
      content,
      finishReason: this.finish?.reason ?? "other",
      ...omitUndefined({
        id,
        requestId,
        providerRequestId,
        refusal: this.refusal,
        rawFinishReason: this.finish?.raw,
        usage: this.usage,
        cache,
        warnings: this.warnings.length > 0 ? this.warnings : undefined
      })
    })
  }
}
