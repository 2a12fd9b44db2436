/**
 * A `/generate_stream` body as our events. Frames are `data:{...}` (no space
 * after the colon, which the SSE decoder accepts); each carries a token; the
 * last one also carries `generated_text` (and `details` when asked for) and
 * ends the answer. An `{error, error_type}` frame may arrive inside the 200
 * stream. A body that ends before the last frame is never a success:
 * `StreamTruncated` after tokens, `Network` before any. A frame that does not
 * parse follows the policy's `malformedEvents`: the stream's
 * `InvalidResponse` (default), or dropped, counted and reported in the final
 * response's `warnings`.
 *
 * @since 0.1.0
 */
import { Effect, Schema, type Stream } from "effect"
import * as Trusted from "../../internal/Trusted.ts"
import * as LlmError from "../../LlmError.ts"
import type { SseEvent } from "../../transport/EventStream.ts"
import type { CallContext, ProviderHttp } from "../../transport/ProviderHttp.ts"
import * as ChunkStream from "../ChunkStream.ts"
import { FinalEvent, GenerateResponse, type StreamEvent, TokenEvent } from "./Generate.ts"
import * as FromWire from "./fromWire.ts"
import * as Wire from "./Wire.ts"

const decodeEvent = Schema.decodeUnknownResult(Wire.StreamEvent)

type Emitted = ReadonlyArray<StreamEvent>
const none: Emitted = []

class Assembler implements ChunkStream.Assembler<SseEvent, StreamEvent> {
  private done = false
  private tokens = false

  constructor(
    private readonly http: ProviderHttp,
    private readonly call: CallContext,
    private readonly providerRequestId: string | undefined
  ) {}

  private readonly warnings: Array<string> = []

  // A skipped frame is reported in the final response's warnings, not as a chunk.
  private malformed(detail: string, data: string): Effect.Effect<Emitted, LlmError.LlmError> {
    return Effect.map(this.http.malformed(this.call, detail, data, this.providerRequestId), (warning) => {
      this.warnings.push(warning)
      return none
    })
  }

  onEvent(event: SseEvent): Effect.Effect<Emitted, LlmError.LlmError> {
    // Anything after the last frame is not part of this answer.
    if (this.done) return Effect.succeed(none)
    const data = event.data.trim()
    if (data.length === 0) return Effect.succeed(none)
    let json: unknown
    try {
      json = JSON.parse(data)
    } catch {
      return this.malformed("stream event is not JSON", data)
    }
    if (typeof json === "object" && json !== null && "error" in json && json.error !== null) {
      return Effect.flatMap(this.http.inStreamError(this.call, json), Effect.fail)
    }
    let wire: Wire.StreamEvent
    if (Wire.isTokenEvent(json)) wire = json
    else {
      const decoded = decodeEvent(json)
      if (decoded._tag === "Failure") return this.malformed(decoded.failure.message, data)
      wire = decoded.success
    }
    this.tokens = true
    const token = FromWire.token(wire.token)
    const index = wire.index ?? undefined
    const at = index === undefined ? {} : { index }
    if (wire.generated_text === null || wire.generated_text === undefined) {
      // Decoded numbers and an instance of ours: built without a second parse.
      return Effect.succeed([Trusted.tagged(TokenEvent, "Token", { ...at, token })])
    }
    this.done = true
    const whole = FromWire.generateResponse(wire.generated_text, wire.details, {
      provider: this.http.provider,
      model: this.call.model,
      requestId: this.call.requestId,
      providerRequestId: this.providerRequestId
    })
    const response = this.warnings.length === 0 ? whole : new GenerateResponse({ ...whole, warnings: [...this.warnings] })
    return Effect.succeed([new FinalEvent({ ...at, token, response })])
  }

  onEnd(): Effect.Effect<Emitted, LlmError.LlmError> {
    if (this.done) return Effect.succeed(none)
    return Effect.fail(this.http.fail(
      this.call,
      ChunkStream.unfinished(this.tokens, "its last event (generated_text)"),
      { providerRequestId: this.providerRequestId }
    ))
  }
}

/**
 * Decodes SSE events into token events and the final event.
 *
 * @since 0.1.0
 */
export const decode = <R>(
  events: Stream.Stream<SseEvent, LlmError.LlmError, R>,
  http: ProviderHttp,
  call: CallContext,
  providerRequestId: string | undefined
): Stream.Stream<StreamEvent, LlmError.LlmError, R> =>
  ChunkStream.assemble(events, () => new Assembler(http, call, providerRequestId))
