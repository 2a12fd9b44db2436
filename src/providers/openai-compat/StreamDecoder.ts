/**
 * A chat-completions SSE stream as our chunks. Tool calls arrive in pieces
 * keyed by `index` and are assembled here; usage may come in a last chunk
 * with no choices (or under `x_groq`); errors may come as a `data:` object
 * inside a 200 stream; `[DONE]` may be missing, in which case a received
 * `finish_reason` and a clean end of body make a complete answer.
 *
 * @since 0.1.0
 */
import { Effect, Schema, Stream } from "effect"
import * as Chunk from "../../domain/ChatChunk.ts"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import * as Trusted from "../../internal/Trusted.ts"
import * as LlmError from "../../LlmError.ts"
import * as ChunkStream from "../ChunkStream.ts"
import type { SseEvent } from "../../transport/EventStream.ts"
import type { CallContext, ProviderHttp } from "../../transport/ProviderHttp.ts"
import * as WireShape from "./WireShape.ts"
import * as FromWire from "./fromWire.ts"
import { ChatCompletionChunk } from "./Wire.ts"

const decodeChunk = Schema.decodeUnknownResult(ChatCompletionChunk)

interface PendingCall {
  readonly index: number
  id: string | undefined
  name: string | undefined
  arguments: string
}

class Assembler {
  private metadataSent = false
  private idKnown = false
  private modelKnown = false
  private finished = false
  private done = false
  private contentSent = false
  private readonly calls = new Map<number, PendingCall>()

  constructor(
    private readonly http: ProviderHttp,
    private readonly call: CallContext,
    private readonly providerRequestId: string | undefined
  ) {}


  // The usual outcomes are plain arrays (no effect per chunk); an error or a malformed event is an effect.
  onEvent(event: SseEvent): ChunkStream.Emitted<Chunk.ChatChunk> {
    if (this.done) return []
    const data = event.data.trim()
    if (data === "[DONE]") {
      this.done = true
      return this.flush(undefined)
    }
    let json: unknown
    try {
      json = JSON.parse(data)
    } catch {
      return ChunkStream.malformed(this.http, this.call, this.providerRequestId, "stream chunk is not JSON", data)
    }
    if (typeof json === "object" && json !== null && "error" in json && json.error !== null) {
      return Effect.flatMap(this.http.inStreamError(this.call, json), Effect.fail)
    }
    if (WireShape.isChunk(json)) return this.onChunk(json)
    const decoded = decodeChunk(json)
    if (decoded._tag === "Failure") {
      return ChunkStream.malformed(this.http, this.call, this.providerRequestId, decoded.failure.message, data)
    }
    return this.onChunk(decoded.success)
  }

  private onChunk(chunk: typeof ChatCompletionChunk.Type): Array<Chunk.ChatChunk> {
    const out: Array<Chunk.ChatChunk> = []
    // Metadata comes from the first non-empty values: Azure's first chunk
    // (the prompt filter results) has `id: ""` and `model: ""`.
    const id = FromWire.present(chunk.id)
    const model = FromWire.present(chunk.model)
    if (!this.metadataSent) {
      this.metadataSent = true
      this.idKnown = id !== undefined
      this.modelKnown = model !== undefined
      out.push(
        new Chunk.Metadata(omitUndefined({
          id,
          model: model ?? this.call.model,
          requestId: this.call.requestId,
          providerRequestId: this.providerRequestId
        }))
      )
    } else if ((!this.idKnown && id !== undefined) || (!this.modelKnown && model !== undefined)) {
      out.push(new Chunk.Metadata(omitUndefined({
        id: this.idKnown ? undefined : id,
        model: this.modelKnown ? undefined : model
      })))
      this.idKnown ||= id !== undefined
      this.modelKnown ||= model !== undefined
    }
    for (const choice of chunk.choices ?? []) {
      const delta = choice.delta
      if (delta !== null && delta !== undefined) {
        if (delta.content !== null && delta.content !== undefined && delta.content.length > 0) {
          // Per chunk, without a second parse: `content` was decoded as a string just above.
          out.push(Trusted.tagged(Chunk.TextDelta, "TextDelta", { text: delta.content }))
        }
        if (delta.refusal !== null && delta.refusal !== undefined && delta.refusal.length > 0) {
          out.push(Trusted.tagged(Chunk.RefusalDelta, "RefusalDelta", { text: delta.refusal }))
        }
        for (const piece of delta.tool_calls ?? []) {
          let pending = this.calls.get(piece.index)
          if (pending === undefined) {
            pending = { index: piece.index, id: undefined, name: undefined, arguments: "" }
            this.calls.set(piece.index, pending)
          }
          const id = piece.id ?? undefined
          const name = piece.function?.name ?? undefined
          const args = piece.function?.arguments ?? ""
          if (id !== undefined) pending.id = id
          if (name !== undefined) pending.name = (pending.name ?? "") + name
          pending.arguments += args
          out.push(new Chunk.ToolCallDelta({ index: piece.index, argumentsDelta: args, ...omitUndefined({ id, name }) }))
        }
      }
      if (choice.finish_reason !== null && choice.finish_reason !== undefined) {
        out.push(...this.flush(choice.finish_reason))
      }
    }
    const usage = FromWire.usage(chunk.usage ?? chunk.x_groq?.usage)
    if (usage !== undefined) out.push(new Chunk.UsageChunk({ usage }))
    if (!this.contentSent && out.some(Chunk.isContent)) this.contentSent = true
    return out
  }

  // Emits the assembled tool calls, then the finish marker (once).
  private flush(raw: string | undefined): Array<Chunk.ChatChunk> {
    if (this.finished) return []
    const out: Array<Chunk.ChatChunk> = []
    const ordered = [...this.calls.values()].sort((a, b) => a.index - b.index)
    for (const call of ordered) {
      out.push(
        new Chunk.ToolCall({
          index: call.index,
          id: call.id ?? `call_${call.index}`,
          name: call.name ?? "",
          arguments: call.arguments
        })
      )
    }
    this.calls.clear()
    if (raw !== undefined || ordered.length > 0 || this.contentSent) {
      this.finished = true
      out.push(Trusted.tagged(Chunk.Finish, "Finish", omitUndefined({
        reason: raw === undefined ? (ordered.length > 0 ? "tool_calls" : "other") : FromWire.finishReason(raw),
        raw
      })))
    }
    return out
  }

  onEnd(): Effect.Effect<ReadonlyArray<Chunk.ChatChunk>, LlmError.LlmError> {
    if (this.finished || this.done) return Effect.succeed([])
    return Effect.fail(this.http.fail(
      this.call,
      ChunkStream.unfinished(this.contentSent, "a finish_reason or [DONE]"),
      { providerRequestId: this.providerRequestId }
    ))
  }
}

/**
 * Decodes SSE events into chunks.
 *
 * @since 0.1.0
 */
export const decode = <R>(
  events: Stream.Stream<SseEvent, LlmError.LlmError, R>,
  http: ProviderHttp,
  call: CallContext,
  providerRequestId: string | undefined
): Stream.Stream<Chunk.ChatChunk, LlmError.LlmError, R> =>
  ChunkStream.assemble(events, () => new Assembler(http, call, providerRequestId))
