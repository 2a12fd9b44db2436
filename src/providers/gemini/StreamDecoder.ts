/**
 * A `:streamGenerateContent?alt=sse` body as our chunks. Every event is a
 * whole `GenerateContentResponse`; there is no `[DONE]`: the answer is
 * complete when a candidate carried a `finishReason` and the body then ended.
 * `usageMetadata` rides on every event (growing), so one `Usage` chunk with
 * the last values is emitted at the end. Function calls arrive whole, each in
 * one part, or (with streamed arguments) in pieces assembled here. A part of
 * a kind we do not translate is skipped with a warning, never silently.
 *
 * @since 0.1.0
 */
import { Effect, Schema, type Stream } from "effect"
import * as Chunk from "../../domain/ChatChunk.ts"
import type { Usage } from "../../domain/Usage.ts"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import * as Trusted from "../../internal/Trusted.ts"
import * as LlmError from "../../LlmError.ts"
import * as ChunkStream from "../ChunkStream.ts"
import type { SseEvent } from "../../transport/EventStream.ts"
import type { CallContext, ProviderHttp } from "../../transport/ProviderHttp.ts"
import * as FromWire from "./fromWire.ts"
import * as PartialArgs from "./PartialArgs.ts"
import type * as Wire from "./Wire.ts"
import { GenerateContentResponse, isTextFrame } from "./Wire.ts"

const decodeFrame = Schema.decodeUnknownResult(GenerateContentResponse)

/**
 * One event's parsed JSON as a response, or why it is not one: the common
 * text event by the hand check (`Wire.isTextFrame`), anything else by the Schema.
 *
 * @since 0.1.0
 */
export const readFrame = (json: unknown): GenerateContentResponse | string => {
  if (isTextFrame(json)) return json
  const decoded = decodeFrame(json)
  return decoded._tag === "Failure" ? decoded.failure.message : decoded.success
}

const isErrorObject = (json: unknown): boolean => {
  const value = Array.isArray(json) ? json[0] : json
  return typeof value === "object" && value !== null && "error" in value && value.error !== null
}

interface Pending {
  readonly index: number
  readonly id: string
  readonly name: string
  readonly args: PartialArgs.Assembly
  broken: string | undefined
}

class Assembler implements ChunkStream.Assembler<SseEvent> {
  private metadataSent = false
  private contentSent = false
  private finished = false
  private usage: Usage | undefined
  private readonly calls: Array<Chunk.ToolCall> = []
  private pending: Pending | undefined
  private nextIndex = 0

  constructor(
    private readonly http: ProviderHttp,
    private readonly call: CallContext,
    private readonly providerRequestId: string | undefined
  ) {}

  private fail(reason: LlmError.Reason): Effect.Effect<never, LlmError.LlmError> {
    return Effect.fail(this.http.fail(this.call, reason, { providerRequestId: this.providerRequestId }))
  }

  onEvent(event: SseEvent): ChunkStream.Emitted<Chunk.ChatChunk> {
    const data = event.data.trim()
    if (data.length === 0) return []
    let json: unknown
    try {
      json = JSON.parse(data)
    } catch {
      return ChunkStream.malformed(this.http, this.call, this.providerRequestId, "stream event is not JSON", data)
    }
    if (isErrorObject(json)) return Effect.flatMap(this.http.inStreamError(this.call, json), Effect.fail)
    const frame = readFrame(json)
    if (typeof frame === "string") return ChunkStream.malformed(this.http, this.call, this.providerRequestId, frame, data)
    return this.onFrame(frame)
  }

  private onFrame(frame: GenerateContentResponse): ChunkStream.Emitted<Chunk.ChatChunk> {
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
      return out
    }
    for (const part of candidate.content?.parts ?? []) {
      const text = FromWire.text(part)
      // A string the frame's check (the Schema's or the hand check) found.
      if (text !== undefined) out.push(Trusted.tagged(Chunk.TextDelta, "TextDelta", { text }))
      if (part.functionCall !== null && part.functionCall !== undefined) out.push(...this.onCall(part.functionCall))
      const skipped = FromWire.skippedKinds(part)
      if (skipped !== undefined) out.push(Chunk.warning(FromWire.skippedWarning(skipped)))
    }
    if (out.some(Chunk.isContent)) this.contentSent = true
    const raw = candidate.finishReason ?? undefined
    if (raw !== undefined && !this.finished) {
      if (FromWire.isFiltered(raw)) return this.fail(FromWire.filtered("answer filtered", raw, candidate.finishMessage))
      this.finished = true
      if (this.pending !== undefined) {
        out.push(...this.close(this.pending), Chunk.warning("a streamed function call ended without its last piece; its arguments may be incomplete"))
      }
      out.push(...this.calls)
      out.push(new Chunk.Finish({ reason: FromWire.finishReason(raw, this.calls.length > 0), raw }))
    }
    return out
  }

  // A whole call (name and args, nothing to follow) is one delta and one call;
  // a streamed one (willContinue, later pieces without a name) is assembled
  // from its partialArgs and completes with its last piece.
  private onCall(wire: Wire.FunctionCall): Array<Chunk.ChatChunk> {
    const out: Array<Chunk.ChatChunk> = []
    const name = wire.name ?? undefined
    if (name !== undefined && name.length > 0) {
      if (this.pending !== undefined) out.push(...this.close(this.pending))
      const index = this.nextIndex++
      const id = wire.id ?? `call_${index}`
      this.pending = { index, id, name, args: new PartialArgs.Assembly(), broken: undefined }
      if (wire.willContinue !== true && (wire.partialArgs ?? []).length === 0) {
        const pending = this.pending
        pending.args.merge(wire.args ?? {})
        this.pending = undefined
        const args = pending.args.json()
        this.calls.push(new Chunk.ToolCall({ index, id, name, arguments: args }))
        out.push(new Chunk.ToolCallDelta({ index, id, name, argumentsDelta: args }))
        return out
      }
      out.push(new Chunk.ToolCallDelta({ index, id, name, argumentsDelta: "" }))
    }
    const pending = this.pending
    if (pending === undefined) {
      out.push(Chunk.warning("a functionCall piece without a name, outside any call, was skipped; the answer may be incomplete"))
      return out
    }
    if (wire.args !== null && wire.args !== undefined) pending.args.merge(wire.args)
    for (const piece of wire.partialArgs ?? []) {
      const problem = pending.args.apply(piece)
      if (problem !== undefined && pending.broken === undefined) pending.broken = problem
    }
    if (wire.willContinue !== true) out.push(...this.close(pending))
    return out
  }

  private close(pending: Pending): Array<Chunk.ChatChunk> {
    this.pending = undefined
    if (pending.broken !== undefined) {
      return [Chunk.warning(`the streamed call to ${pending.name} was dropped: ${pending.broken}`)]
    }
    const args = pending.args.json()
    this.calls.push(new Chunk.ToolCall({ index: pending.index, id: pending.id, name: pending.name, arguments: args }))
    return [new Chunk.ToolCallDelta({ index: pending.index, argumentsDelta: args })]
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
