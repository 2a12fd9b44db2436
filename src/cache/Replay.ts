/**
 * Stored answers and how they are served again: the answer's encoding in a
 * store, the response a hit returns, the stream a hit replays, and the
 * capture of a live stream into a storable answer.
 *
 * A stored answer is always a complete `ChatResponse` assembled by
 * `ChatChunk.collect`, never a list of raw chunks: whatever the chunk kinds of
 * a live stream (a router's discard-and-restart included), only the final
 * answer is kept and replayed.
 *
 * @since 0.1.0
 */
import { Effect, Option, Schema, Stream } from "effect"
import { CacheHit } from "../domain/CacheHit.ts"
import { ChatResponse } from "../domain/Chat.ts"
import * as ChatChunk from "../domain/ChatChunk.ts"
import { omitUndefined } from "../internal/omitUndefined.ts"
import type * as LlmError from "../LlmError.ts"

/**
 * What a store holds for one answer. `prompt` is the semantic cache's
 * normalized last user turn (for the guard).
 *
 * @since 0.1.0
 */
export class StoredAnswer extends Schema.Class<StoredAnswer>("effect-llm-backends/cache/StoredAnswer")({
  storedAt: Schema.Number,
  response: ChatResponse,
  prompt: Schema.optionalKey(Schema.String)
}) {}

const codec = Schema.fromJsonString(StoredAnswer)
const encodeJson = Schema.encodeSync(codec)
const decodeJson = Schema.decodeUnknownOption(codec)

/**
 * The store's text for an answer. The request id of the call that produced
 * it is dropped: it names that call, not the answer.
 *
 * @since 0.1.0
 */
export const encode = (response: ChatResponse, storedAt: number, prompt?: string): string => {
  const { requestId: _requestId, cache: _cache, ...rest } = response
  return encodeJson(new StoredAnswer({ storedAt, response: new ChatResponse(rest), ...omitUndefined({ prompt }) }))
}

/**
 * The answer back from the store's text; `None` when it does not decode (a
 * store written by another version, or damaged).
 *
 * @since 0.1.0
 */
export const decode = (text: string): Option.Option<StoredAnswer> => decodeJson(text)

/**
 * The response a hit returns: the stored answer marked with `hit`, carrying
 * this call's request id when the caller gave one.
 *
 * @since 0.1.0
 */
export const served = (stored: ChatResponse, hit: CacheHit, requestId: string | undefined): ChatResponse =>
  new ChatResponse({ ...stored, cache: hit, ...omitUndefined({ requestId }) })

/**
 * A served answer as the chunks a live stream of it would have had: metadata
 * (with the cache hit) first, then text, refusal, each tool call as one delta
 * and its complete call, usage, and the finish.
 *
 * @since 0.1.0
 */
export const toChunks = (response: ChatResponse): ReadonlyArray<ChatChunk.ChatChunk> => {
  const out: Array<ChatChunk.ChatChunk> = [
    new ChatChunk.Metadata(omitUndefined({
      id: response.id,
      model: response.model,
      requestId: response.requestId,
      providerRequestId: response.providerRequestId,
      cache: response.cache
    }))
  ]
  if (response.text.length > 0) out.push(new ChatChunk.TextDelta({ text: response.text }))
  if (response.refusal !== undefined) out.push(new ChatChunk.RefusalDelta({ text: response.refusal }))
  response.toolCalls.forEach((call, index) => {
    out.push(new ChatChunk.ToolCallDelta({ index, id: call.id, name: call.name, argumentsDelta: call.arguments }))
    out.push(new ChatChunk.ToolCall({ index, id: call.id, name: call.name, arguments: call.arguments }))
  })
  if (response.usage !== undefined) out.push(new ChatChunk.UsageChunk({ usage: response.usage }))
  out.push(new ChatChunk.Finish(omitUndefined({ reason: response.finishReason, raw: response.rawFinishReason })))
  return out
}

/**
 * Passes a live stream through and, when it has run to its end with a
 * `Finish` chunk after any `Reset`, hands the assembled answer to `store`.
 * A failed stream, an interrupted one, or one the consumer stopped reading
 * never reaches `store`.
 *
 * @since 0.1.0
 */
export const capture = (
  live: Stream.Stream<ChatChunk.ChatChunk, LlmError.LlmError>,
  provider: string,
  store: (response: ChatResponse) => Effect.Effect<void>
): Stream.Stream<ChatChunk.ChatChunk, LlmError.LlmError> =>
  Stream.suspend(() => {
    const seen: Array<ChatChunk.ChatChunk> = []
    // Complete means a Finish after the last Reset: a router that restarted
    // the answer sends one complete answer after its Reset.
    const complete = Effect.suspend(() =>
      seen.findLastIndex((chunk) => chunk._tag === "Finish") > seen.findLastIndex((chunk) => chunk._tag === "Reset")
        ? Effect.flatMap(ChatChunk.collect(Stream.fromIterable(seen), provider), store)
        : Effect.void
    )
    // The store step is pulled only after the live stream ended cleanly.
    return Stream.concat(
      Stream.mapArray(live, (chunks) => {
        for (const chunk of chunks) seen.push(chunk)
        return chunks
      }),
      Stream.fromEffectDrain(complete)
    )
  })
