/**
 * An Anthropic Messages SSE stream as our chunks. Input usage arrives in
 * `message_start` and output usage in `message_delta` (both cumulative), so
 * they are kept and reported together at the end. Tool input arrives as
 * `input_json_delta` pieces per content block index and is assembled here.
 * Thinking and server-tool blocks are not part of the answer and are skipped.
 * `message_stop` is the only proper end: a body that ends without it fails,
 * and an `error` event fails with its classified reason. Real-world shapes:
 * a repeated `message_start` for the same message is ignored; tool input
 * given whole in `content_block_start` is kept; blocks and `stop_reason`
 * inside `message_start` are kept.
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
import * as FromWire from "./fromWire.ts"
import { isTextDelta, StreamEvent } from "./Wire.ts"

const decodeEvent = Schema.decodeUnknownResult(StreamEvent)

type Block =
  | { readonly kind: "text" }
  | { readonly kind: "skipped" }
  | {
    readonly kind: "tool"
    readonly ordinal: number
    readonly id: string
    readonly name: string
    readonly initial: string | undefined
    json: string
    done: boolean
  }

type Emitted = ReadonlyArray<Chunk.ChatChunk>
const none: Emitted = []

const hasInput = (input: unknown): boolean =>
  input !== null && input !== undefined && !(typeof input === "object" && !Array.isArray(input) && Object.keys(input).length === 0)

class Assembler {
  private started = false
  private messageId: string | undefined
  private stopped = false
  private contentSent = false
  private stopReason: string | undefined
  private readonly counts: FromWire.Counts = {}
  private readonly blocks = new Map<number, Block>()
  private tools = 0

  constructor(
    private readonly http: ProviderHttp,
    private readonly call: CallContext,
    private readonly providerRequestId: string | undefined
  ) {}

  private invalid(detail: string, data: string): LlmError.LlmError {
    return this.http.fail(
      this.call,
      new LlmError.InvalidResponse({ detail, snippet: this.http.snippet(data) }),
      { providerRequestId: this.providerRequestId }
    )
  }

  onEvent(event: SseEvent): Effect.Effect<Emitted, LlmError.LlmError> {
    if (this.stopped) return Effect.succeed(none)
    let json: unknown
    try {
      json = JSON.parse(event.data)
    } catch {
      return ChunkStream.malformed(this.http, this.call, this.providerRequestId, `${event.event} event data is not JSON`, event.data)
    }
    if (event.event === "error" || (typeof json === "object" && json !== null && "type" in json && json.type === "error")) {
      return Effect.flatMap(this.http.inStreamError(this.call, json), Effect.fail)
    }
    let decoded: StreamEvent
    if (isTextDelta(json)) decoded = json
    else {
      const result = decodeEvent(json)
      if (result._tag === "Failure") {
        return ChunkStream.malformed(this.http, this.call, this.providerRequestId, result.failure.message, event.data)
      }
      decoded = result.success
    }
    const out = this.apply(decoded)
    if (typeof out === "string") return Effect.fail(this.invalid(out, event.data))
    if (!this.contentSent && out.some(Chunk.isContent)) this.contentSent = true
    return Effect.succeed(out)
  }

  // The chunks for one event, or what is wrong with it.
  private apply(event: StreamEvent): Emitted | string {
    switch (event.type) {
      case "message_start":
        return this.start(event.message)
      case "content_block_start":
        return this.startBlock(event)
      case "content_block_delta":
        return this.delta(event)
      case "content_block_stop": {
        const block = this.blocks.get(event.index ?? -1)
        return block?.kind === "tool" ? this.complete(block) : none
      }
      case "message_delta":
        this.stopReason = event.delta?.stop_reason ?? this.stopReason
        FromWire.absorb(this.counts, event.usage)
        return none
      case "message_stop":
        return this.finish()
      default:
        // ping, and event types newer than this code.
        return none
    }
  }

  // A repeated message_start for the same message (some proxies resend it) is
  // ignored; one for another message means two answers were spliced together.
  private start(message: StreamEvent["message"]): Emitted | string {
    const id = message?.id ?? undefined
    if (this.started) {
      return id !== undefined && id === this.messageId ? none : "a second message_start for another message in one stream"
    }
    this.started = true
    this.messageId = id
    FromWire.absorb(this.counts, message?.usage)
    this.stopReason = message?.stop_reason ?? this.stopReason
    const out: Array<Chunk.ChatChunk> = [
      new Chunk.Metadata(omitUndefined({
        id,
        model: message?.model ?? this.call.model,
        requestId: this.call.requestId,
        providerRequestId: this.providerRequestId
      }))
    ]
    // Blocks that arrive whole inside message_start: kept under their own
    // keys, apart from the indices later content_block_* events use.
    for (const [i, block] of (message?.content ?? []).entries()) {
      const started = this.openBlock(-1 - i, block)
      if (typeof started === "string") return started
      out.push(...started)
      const opened = this.blocks.get(-1 - i)
      if (opened?.kind === "tool") out.push(...this.complete(opened))
    }
    return out
  }

  private startBlock(event: StreamEvent): Emitted | string {
    const index = event.index
    const block = event.content_block
    if (index == null || block == null) return "content_block_start without index or content_block"
    if (this.blocks.has(index)) return `content block ${index} started twice`
    return this.openBlock(index, block)
  }

  private openBlock(index: number, block: NonNullable<StreamEvent["content_block"]>): Emitted | string {
    switch (block.type) {
      case "text": {
        this.blocks.set(index, { kind: "text" })
        const text = block.text ?? ""
        // A decoded string: built without a second parse.
        return text.length > 0 ? [Trusted.tagged(Chunk.TextDelta, "TextDelta", { text })] : none
      }
      case "tool_use": {
        const id = block.id ?? ""
        const name = block.name ?? ""
        if (id.length === 0 || name.length === 0) return `tool_use block ${index} without id or name`
        // Input that arrives whole here (no input_json_delta follows) is kept;
        // the usual `{}` placeholder is not input.
        const initial = hasInput(block.input) ? JSON.stringify(block.input) : undefined
        const tool = { kind: "tool" as const, ordinal: this.tools++, id, name, initial, json: "", done: false }
        this.blocks.set(index, tool)
        return [new Chunk.ToolCallDelta({ index: tool.ordinal, id, name, argumentsDelta: initial ?? "" })]
      }
      default:
        // thinking, redacted_thinking, server_tool_use, web_search_tool_result, ...
        this.blocks.set(index, { kind: "skipped" })
        return FromWire.isNonAnswerBlock(block.type) ? none : [Chunk.warning(FromWire.skippedWarning(block.type))]
    }
  }

  private delta(event: StreamEvent): Emitted | string {
    const index = event.index ?? -1
    const block = this.blocks.get(index)
    if (block === undefined) return `content_block_delta for block ${index}, which never started`
    const delta = event.delta
    if (block.kind === "text" && delta?.type === "text_delta") {
      const text = delta.text ?? ""
      // A decoded string (by the Schema or the hand check): built without a second parse.
      return text.length > 0 ? [Trusted.tagged(Chunk.TextDelta, "TextDelta", { text })] : none
    }
    if (block.kind === "tool" && delta?.type === "input_json_delta") {
      const piece = delta.partial_json ?? ""
      block.json += piece
      return piece.length > 0 ? [new Chunk.ToolCallDelta({ index: block.ordinal, argumentsDelta: piece })] : none
    }
    // thinking_delta, signature_delta, citations_delta, and deltas of skipped blocks.
    return none
  }

  private complete(tool: Extract<Block, { kind: "tool" }>): Emitted {
    if (tool.done) return none
    tool.done = true
    // Streamed pieces win; else the input given whole at the start; a tool
    // called with no input streams nothing: its input is {}.
    const args = tool.json.trim().length > 0 ? tool.json : tool.initial ?? "{}"
    return [new Chunk.ToolCall({ index: tool.ordinal, id: tool.id, name: tool.name, arguments: args })]
  }

  // message_stop: calls whose block never stopped (cut by max_tokens) keep the
  // input received so far, then the finish marker and the usage.
  private finish(): Emitted {
    this.stopped = true
    const out: Array<Chunk.ChatChunk> = []
    for (const block of this.blocks.values()) if (block.kind === "tool") out.push(...this.complete(block))
    out.push(new Chunk.Finish(omitUndefined({ reason: FromWire.finishReason(this.stopReason), raw: this.stopReason })))
    const usage = FromWire.usage(this.counts)
    if (usage !== undefined) out.push(new Chunk.UsageChunk({ usage }))
    return out
  }

  onEnd(): Effect.Effect<Emitted, LlmError.LlmError> {
    if (this.stopped) return Effect.succeed(none)
    return Effect.fail(this.http.fail(
      this.call,
      ChunkStream.unfinished(this.contentSent, "message_stop"),
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
