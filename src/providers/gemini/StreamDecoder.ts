/**
 * A `:streamGenerateContent?alt=sse` body as our chunks. Every event is a
 * whole `GenerateContentResponse`; there is no `[DONE]`: the answer is
 * complete when a candidate carried a `finishReason` and the body then ended.
 * `usageMetadata` rides on every event (growing), so one `Usage` chunk with
 * the last values is emitted at the end. Function calls arrive whole, each in
 * one part.
 *
 * @since 0.1.0
 */
import { Effect, Schema, type Stream } from "effect"
import * as Chunk from "../../domain/ChatChunk.ts"
import type { Usage } from "../../domain/Usage.ts"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import * as LlmError from "../../LlmError.ts"
import * as ChunkStream from "../ChunkStream.ts"
import type { SseEvent } from "../../transport/EventStream.ts"
import type { CallContext, ProviderHttp } from "../../transport/ProviderHttp.ts"
import * as FromWire from "./fromWire.ts"
import { GenerateContentResponse } from "./Wire.ts"

const decodeFrame = Schema.decodeUnknownResult(GenerateContentResponse)

const isErrorObject = (json: unknown): boolean => {
  const value = Array.isArray(json) ? json[0] : json
  return typeof value === "object" && value !== null && "error" in value && value.error !== null
}

class Assembler implements ChunkStream.Assembler<SseEvent> {
  private metadataSent = false
  private contentSent = false
  private finished = false
  private usage: Usage | undefined
  private readonly calls: Array<Chunk.ToolCall> = []

  constructor(
    private readonly http: ProviderHttp,
    private readonly call: CallContext,
    private readonly providerRequestId: string | undefined
  ) {}

  private fail(reason: LlmError.Reason): Effect.Effect<never, LlmError.LlmError> {
    return Effect.fail(this.http.fail(this.call, reason, { providerRequestId: this.providerRequestId }))
  }

  onEvent(event: SseEvent): Effect.Effect<ReadonlyArray<Chunk.ChatChunk>, LlmError.LlmError> {
    const data = event.data.trim()
    if (data.length === 0) return Effect.succeed([])
    let json: unknown
    try {
      json = JSON.parse(data)
    } catch {
      return ChunkStream.malformed(this.http, this.call, this.providerRequestId, "stream event is not JSON", data)
    }
    if (isErrorObject(json)) return Effect.flatMap(this.http.inStreamError(this.call, json), Effect.fail)
    const decoded = decodeFrame(json)
    if (decoded._tag === "Failure") {
      return ChunkStream.malformed(this.http, this.call, this.providerRequestId, decoded.failure.message, data)
    }
    return this.onFrame(decoded.success)
  }

  private onFrame(frame: GenerateContentResponse): Effect.Effect<ReadonlyArray<Chunk.ChatChunk>, LlmError.LlmError> {
    const out: Array<Chunk.ChatChunk> = []
    if (!this.metadataSent) {
      this.metadataSent = true
      out.push(new Chunk.Metadata(omitUndefined({
        id: frame.responseId ?? undefined,
        model: frame.modelVersion ?? this.call.model,
        requestId: this.call.requestId,
        providerRequestId: this.providerRequestId
      })))
    }
    this.usage = FromWire.usage(frame.usageMetadata) ?? this.usage
    const candidate = frame.candidates?.[0]
    const blocked = frame.promptFeedback?.blockReason
    if (candidate === undefined) {
      if (blocked !== null && blocked !== undefined) {
        return this.fail(FromWire.filtered("prompt blocked", blocked, frame.promptFeedback?.blockReasonMessage))
      }
      return Effect.succeed(out)
    }
    for (const part of candidate.content?.parts ?? []) {
      const text = FromWire.text(part)
      if (text !== undefined) out.push(new Chunk.TextDelta({ text }))
      if (part.functionCall !== null && part.functionCall !== undefined) {
        const index = this.calls.length
        const call = FromWire.toolCall(part.functionCall, index)
        this.calls.push(new Chunk.ToolCall({ index, id: call.id, name: call.name, arguments: call.arguments }))
        out.push(new Chunk.ToolCallDelta({ index, id: call.id, name: call.name, argumentsDelta: call.arguments }))
      }
    }
    if (out.some(Chunk.isContent)) this.contentSent = true
    const raw = candidate.finishReason ?? undefined
    if (raw !== undefined && !this.finished) {
      if (FromWire.isFiltered(raw)) return this.fail(FromWire.filtered("answer filtered", raw, candidate.finishMessage))
      this.finished = true
      out.push(...this.calls)
      out.push(new Chunk.Finish({ reason: FromWire.finishReason(raw, this.calls.length > 0), raw }))
    }
    return Effect.succeed(out)
  }

  onEnd(): Effect.Effect<ReadonlyArray<Chunk.ChatChunk>, LlmError.LlmError> {
    if (this.finished) return Effect.succeed(this.usage === undefined ? [] : [new Chunk.UsageChunk({ usage: this.usage })])
    return this.fail(ChunkStream.unfinished(this.contentSent, "a finishReason"))
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
