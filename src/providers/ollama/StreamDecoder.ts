/**
 * An Ollama NDJSON stream (`/api/chat` or `/api/generate`) as our chunks.
 * Lines carry text (and, for chat, whole tool calls) with `done:false`; a
 * last `done:true` line carries `done_reason` and the token counts. An
 * `{"error": ...}` line may arrive mid-stream while the status stays 200.
 * A body that ends without the `done:true` line is never a success:
 * `StreamTruncated` after content, `Network` before.
 *
 * @since 0.1.0
 */
import { Effect, Result, Schema, Stream } from "effect"
import * as Chunk from "../../domain/ChatChunk.ts"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import * as Trusted from "../../internal/Trusted.ts"
import * as LlmError from "../../LlmError.ts"
import * as ChunkStream from "../ChunkStream.ts"
import type { CallContext, ProviderHttp } from "../../transport/ProviderHttp.ts"
import * as FromWire from "./fromWire.ts"
import * as Wire from "./Wire.ts"

/**
 * One line, read: what the chat and generate formats have in common.
 *
 * @since 0.1.0
 */
export interface Line {
  readonly model: string | undefined
  readonly text: string
  readonly toolCalls: ReadonlyArray<Wire.ToolCall>
  readonly done: boolean
  readonly doneReason: string | undefined
  readonly counts: { readonly prompt_eval_count?: number | null; readonly eval_count?: number | null }
}

/**
 * Reads a parsed line, or says why it is not one.
 *
 * @since 0.1.0
 */
export type Reader = (json: unknown) => Result.Result<Line, string>

const decodeChat = Schema.decodeUnknownResult(Wire.ChatLine)
const decodeGenerate = Schema.decodeUnknownResult(Wire.GenerateLine)

/**
 * Reads `/api/chat` lines (`message.content`, `message.tool_calls`).
 *
 * @since 0.1.0
 */
export const chatLine: Reader = (json) =>
  Wire.isTextChatLine(json)
    ? Result.succeed(fromChat(json))
    : Result.mapBoth(decodeChat(json), { onFailure: (error) => error.message, onSuccess: fromChat })

const fromChat = (line: Wire.ChatLine): Line => ({
  model: line.model ?? undefined,
  text: line.message?.content ?? "",
  toolCalls: line.message?.tool_calls ?? [],
  done: line.done === true,
  doneReason: line.done_reason ?? undefined,
  counts: line
})

/**
 * Reads `/api/generate` lines (`response`).
 *
 * @since 0.1.0
 */
export const generateLine: Reader = (json) =>
  Wire.isTextGenerateLine(json)
    ? Result.succeed(fromGenerate(json))
    : Result.mapBoth(decodeGenerate(json), { onFailure: (error) => error.message, onSuccess: fromGenerate })

const fromGenerate = (line: Wire.GenerateLine): Line => ({
  model: line.model ?? undefined,
  text: line.response ?? "",
  toolCalls: [],
  done: line.done === true,
  doneReason: line.done_reason ?? undefined,
  counts: line
})

/**
 * True for an `{"error": ...}` object (Ollama's in-stream failure).
 *
 * @since 0.1.0
 */
export const isError = (json: unknown): boolean =>
  typeof json === "object" && json !== null && "error" in json && json.error !== null && json.error !== undefined

class Assembler {
  private metadataSent = false
  private done = false
  private contentSent = false
  private readonly calls: Array<Chunk.ToolCall> = []

  constructor(
    private readonly read: Reader,
    private readonly http: ProviderHttp,
    private readonly call: CallContext,
    private readonly providerRequestId: string | undefined
  ) {}


  onLine(raw: string): ChunkStream.Emitted<Chunk.ChatChunk> {
    // Anything after the final line is not part of this answer.
    if (this.done) return Effect.succeed([])
    let json: unknown
    try {
      json = JSON.parse(raw)
    } catch {
      return ChunkStream.malformed(this.http, this.call, this.providerRequestId, "stream line is not JSON", raw)
    }
    if (isError(json)) return Effect.flatMap(this.http.inStreamError(this.call, json), Effect.fail)
    const read = this.read(json)
    if (Result.isFailure(read)) return ChunkStream.malformed(this.http, this.call, this.providerRequestId, read.failure, raw)
    return this.onRead(read.success)
  }

  private onRead(line: Line): Array<Chunk.ChatChunk> {
    const out: Array<Chunk.ChatChunk> = []
    if (!this.metadataSent) {
      this.metadataSent = true
      out.push(new Chunk.Metadata(omitUndefined({
        model: line.model ?? this.call.model,
        requestId: this.call.requestId,
        providerRequestId: this.providerRequestId
      })))
    }
    if (line.text.length > 0) {
      this.contentSent = true
      // Text the line's check (the Schema's or the hand check) found a string.
      out.push(Trusted.tagged(Chunk.TextDelta, "TextDelta", { text: line.text }))
    }
    // Ollama sends each tool call whole, in one line: its one delta is all of it.
    for (const wire of line.toolCalls) {
      this.contentSent = true
      const index = this.calls.length
      const call = new Chunk.ToolCall({
        index,
        id: FromWire.toolCallId(wire, index),
        name: wire.function.name,
        arguments: FromWire.argumentsText(wire.function.arguments)
      })
      this.calls.push(call)
      out.push(new Chunk.ToolCallDelta({ index, id: call.id, name: call.name, argumentsDelta: call.arguments }))
    }
    if (line.done) {
      this.done = true
      out.push(...this.calls)
      out.push(new Chunk.Finish(omitUndefined({
        reason: FromWire.finishReason(line.doneReason, this.calls.length > 0),
        raw: line.doneReason
      })))
      const usage = FromWire.usage(line.counts)
      if (usage !== undefined) out.push(new Chunk.UsageChunk({ usage }))
    }
    return out
  }

  onEnd(): Effect.Effect<ReadonlyArray<Chunk.ChatChunk>, LlmError.LlmError> {
    if (this.done) return Effect.succeed([])
    return Effect.fail(this.http.fail(
      this.call,
      ChunkStream.unfinished(this.contentSent, "its done:true line"),
      { providerRequestId: this.providerRequestId }
    ))
  }
}

/**
 * Decodes NDJSON lines into chunks with `read` for the line format.
 *
 * @since 0.1.0
 */
export const decode = <R>(
  lines: Stream.Stream<string, LlmError.LlmError, R>,
  read: Reader,
  http: ProviderHttp,
  call: CallContext,
  providerRequestId: string | undefined
): Stream.Stream<Chunk.ChatChunk, LlmError.LlmError, R> =>
  ChunkStream.assemble(lines, () => {
    const assembler = new Assembler(read, http, call, providerRequestId)
    return { onEvent: (line: string) => assembler.onLine(line), onEnd: () => assembler.onEnd() }
  })
