/**
 * Downloading a model (`POST /api/pull`): an NDJSON stream of progress lines
 * (`pulling manifest`, then `pulling <digest>` with `total`/`completed` bytes
 * per layer, `verifying sha256 digest`, `writing manifest`, ...) ending with
 * `{"status":"success"}`. An `{"error": ...}` line fails the pull; a body that
 * ends without `success` is `StreamTruncated`, never a finished download.
 *
 * @since 0.1.0
 */
import { Effect, Schema, Stream } from "effect"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import * as LlmError from "../../LlmError.ts"
import type { CallContext, ProviderHttp } from "../../transport/ProviderHttp.ts"
import * as StreamDecoder from "./StreamDecoder.ts"
import * as Wire from "./Wire.ts"

/**
 * One progress event.
 *
 * @since 0.1.0
 */
export class PullProgress extends Schema.Class<PullProgress>("effect-llm-backends/OllamaPullProgress")({
  status: Schema.String,
  /** The layer being downloaded (`sha256:...`). */
  digest: Schema.optionalKey(Schema.String),
  /** Bytes in this layer. */
  total: Schema.optionalKey(Schema.Number),
  /** Bytes of this layer downloaded so far. */
  completed: Schema.optionalKey(Schema.Number)
}) {
  /** The pull finished. */
  get done(): boolean {
    return this.status === "success"
  }

  /** Share of this layer downloaded (0-1), when the line says. */
  get fraction(): number | undefined {
    return this.total === undefined || this.total <= 0 ? undefined : Math.min(1, (this.completed ?? 0) / this.total)
  }
}

const decodeLine = Schema.decodeUnknownResult(Wire.PullLine)

/**
 * Decodes progress lines into events.
 *
 * @since 0.1.0
 */
export const decode = <R>(
  lines: Stream.Stream<string, LlmError.LlmError, R>,
  http: ProviderHttp,
  call: CallContext,
  providerRequestId: string | undefined
): Stream.Stream<PullProgress, LlmError.LlmError, R> =>
  Stream.suspend(() => {
    let succeeded = false
    let events = 0
    const invalid = (detail: string, raw: string) =>
      http.fail(call, new LlmError.InvalidResponse({ detail, snippet: http.snippet(raw) }), { providerRequestId })
    const onLine = (raw: string): Effect.Effect<ReadonlyArray<PullProgress>, LlmError.LlmError> => {
      if (succeeded) return Effect.succeed([])
      let json: unknown
      try {
        json = JSON.parse(raw)
      } catch {
        return Effect.fail(invalid("progress line is not JSON", raw))
      }
      if (StreamDecoder.isError(json)) return Effect.flatMap(http.inStreamError(call, json), Effect.fail)
      const line = decodeLine(json)
      if (line._tag === "Failure") return Effect.fail(invalid(line.failure.message, raw))
      const { completed, digest, status, total } = line.success
      events++
      if (status === "success") succeeded = true
      return Effect.succeed([
        new PullProgress({
          status,
          ...omitUndefined({ digest: digest ?? undefined, total: total ?? undefined, completed: completed ?? undefined })
        })
      ])
    }
    const onEnd = Effect.suspend(() =>
      succeeded ? Effect.succeed([]) : Effect.fail(http.fail(
        call,
        new LlmError.StreamTruncated({
          detail: `pull ended without {"status":"success"} after ${events} progress line${events === 1 ? "" : "s"}`
        }),
        { providerRequestId }
      ))
    )
    return lines.pipe(
      Stream.mapEffect(onLine),
      Stream.concat(Stream.fromEffect(onEnd)),
      Stream.flattenIterable
    )
  })
