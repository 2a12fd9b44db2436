/**
 * Our `ChatChunk` stream as effect/ai stream parts. Text deltas open and
 * close text blocks; tool-call deltas become tool-params parts and each
 * complete tool call a `tool-call` part; usage and finish, which providers
 * report in either order, become one `finish` part at the end. A stream that
 * ends without our `Finish` chunk fails (`InvalidResponseError`): the
 * providers already fail such streams, so reaching that branch is a bug we
 * want to see, never a quiet success.
 *
 * A router's `Reset` chunk (discard what you got, the answer restarts)
 * fails the effect/ai stream with a retryable `InternalProviderError`:
 * effect/ai parts have no way to say "discard what you got", so the caller
 * retries the whole call.
 *
 * @since 0.1.0
 */
import { Effect, Stream } from "effect"
import { AiError, type Response } from "effect/ai"
import type { FinishReason } from "../domain/Chat.ts"
import type * as ChatChunk from "../domain/ChatChunk.ts"
import type { Usage } from "../domain/Usage.ts"
import * as ChatToResponse from "./ChatToResponse.ts"

type Part = Response.StreamPartEncoded

const METHOD = "streamText"

class Mapper {
  private text: string | undefined
  private blocks = 0
  private readonly params = new Map<number, string>()
  private finish: { reason: FinishReason; raw: string | undefined } | undefined
  private usage: Usage | undefined
  private refusal: string | undefined
  private requestId: string | undefined
  private providerRequestId: string | undefined
  constructor(readonly provider: string) {}

  private closeText(out: Array<Part>) {
    if (this.text === undefined) return
    out.push({ type: "text-end", id: this.text })
    this.text = undefined
  }

  push(chunk: ChatChunk.ChatChunk): Effect.Effect<ReadonlyArray<Part>, AiError.AiError> {
    const out: Array<Part> = []
    switch (chunk._tag) {
      case "TextDelta":
        if (this.text === undefined) {
          this.text = `text-${this.blocks++}`
          out.push({ type: "text-start", id: this.text })
        }
        out.push({ type: "text-delta", id: this.text, delta: chunk.text })
        break
      case "RefusalDelta":
        this.refusal = (this.refusal ?? "") + chunk.text
        break
      case "ToolCallDelta": {
        this.closeText(out)
        let id = this.params.get(chunk.index)
        if (id === undefined) {
          // The first piece of a call carries its id; the index ties the rest.
          id = chunk.id ?? `tool-${chunk.index}`
          this.params.set(chunk.index, id)
          out.push({ type: "tool-params-start", id, name: chunk.name ?? "", providerExecuted: false })
        }
        if (chunk.argumentsDelta.length > 0) out.push({ type: "tool-params-delta", id, delta: chunk.argumentsDelta })
        break
      }
      case "ToolCall": {
        this.closeText(out)
        const params = this.params.get(chunk.index)
        if (params !== undefined) {
          out.push({ type: "tool-params-end", id: params })
          this.params.delete(chunk.index)
        }
        return Effect.map(ChatToResponse.parseArguments(chunk.name, chunk.arguments, METHOD), (value) => {
          out.push({ type: "tool-call", id: chunk.id, name: chunk.name, params: value, providerExecuted: false })
          return out
        })
      }
      case "Usage":
        this.usage = chunk.usage
        break
      case "Finish":
        this.finish = { reason: chunk.reason, raw: chunk.raw }
        break
      case "Reset":
        return Effect.fail(AiError.make({
          module: "EffectAi",
          method: METHOD,
          reason: new AiError.InternalProviderError({
            description: `${this.provider}: the answer restarted on another target (${chunk.reason}); effect/ai streams cannot discard what was sent`,
            metadata: { "effect-llm-backends": { reason: "Reset", cause: chunk.reason } }
          })
        }))
      case "Metadata":
        if (chunk.requestId !== undefined) this.requestId = chunk.requestId
        if (chunk.providerRequestId !== undefined) this.providerRequestId = chunk.providerRequestId
        out.push(...ChatToResponse.metadataPart(chunk.id, chunk.model))
        break
    }
    return Effect.succeed(out)
  }

  end(): Effect.Effect<ReadonlyArray<Part>, AiError.AiError> {
    const finish = this.finish
    if (finish === undefined) {
      return Effect.fail(AiError.make({
        module: "EffectAi",
        method: METHOD,
        reason: new AiError.InvalidResponseError({ description: `${this.provider}: the stream ended without a finish` })
      }))
    }
    const out: Array<Part> = []
    this.closeText(out)
    out.push(ChatToResponse.finishPart(finish.reason, this.usage, {
      provider: this.provider,
      rawFinishReason: finish.raw,
      refusal: this.refusal,
      requestId: this.requestId,
      providerRequestId: this.providerRequestId
    }))
    return Effect.succeed(out)
  }
}

/**
 * Maps a chunk stream (whose errors are already `AiError`s) to effect/ai
 * stream parts.
 *
 * @since 0.1.0
 */
export const toStreamParts = <R>(
  chunks: Stream.Stream<ChatChunk.ChatChunk, AiError.AiError, R>,
  provider: string
): Stream.Stream<Part, AiError.AiError, R> =>
  Stream.suspend(() => {
    const mapper = new Mapper(provider)
    return chunks.pipe(
      Stream.mapEffect((chunk) => mapper.push(chunk)),
      Stream.concat(Stream.fromEffect(Effect.suspend(() => mapper.end()))),
      Stream.flattenIterable
    )
  })
