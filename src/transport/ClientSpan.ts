/**
 * The span of one provider request, owned by our transport. effect/http's own
 * client span keeps the request (headers and key included) in its status for
 * as long as the span lives, and redacts header names only by the list in
 * force when something renders it: a tracer exporting later sees a Gemini
 * `x-goog-api-key` in clear. So that span is turned off for our requests and
 * this one carries only what we put in it: method, URL (never holding a
 * secret), status, our ids, headers only where the user's
 * `HttpClient.TracerHeaderFilter` asks for them (secrets as `<redacted>`),
 * and our scrubbed `LlmError` as its failure.
 *
 * With no tracer installed (Effect's default `nativeTracer` exports nothing)
 * no span is made: it would reach nobody. The request still carries the
 * caller's trace context when there is a current span; without one there is
 * no trace to continue and no `traceparent` is sent.
 *
 * @since 0.1.0
 */
import { Context, Effect, Tracer } from "effect"
import { constFalse } from "effect/Function"
import { Headers, HttpClient, HttpClientRequest, type HttpClientResponse, HttpTraceContext } from "effect/http"
import type * as LlmError from "../LlmError.ts"

const constTrue = () => true

// The trace context a request carries for `span`: effect/http's encoding for
// our own spans, the same two headers for a span that came from outside
// (which knows no parent of its own).
const contextHeaders = (span: Tracer.AnySpan): Headers.Headers => {
  if (span._tag === "Span") return HttpTraceContext.toHeaders(span)
  const sampled = span.sampled
  return Headers.fromRecordUnsafe({
    b3: `${span.traceId}-${span.spanId}-${sampled ? "1" : "0"}`,
    traceparent: `00-${span.traceId.padStart(32, "0")}-${span.spanId}-${sampled ? "01" : "00"}`
  })
}

/**
 * What the span needs to keep secrets out.
 *
 * @since 0.1.0
 */
export interface Redaction {
  /** Header names that carry a secret, besides effect/http's `Headers.CurrentRedactedNames`. */
  readonly secretHeaders: ReadonlyArray<string>
  /** Replaces every secret in a text we did not write. */
  readonly scrub: (text: string) => string
}

/**
 * A response and its headers, read once.
 *
 * @since 0.1.0
 */
export interface Answer {
  readonly response: HttpClientResponse.HttpClientResponse
  readonly headers: Readonly<Record<string, string>>
}

/**
 * Runs `send` (which executes `request` and checks the answer) inside a client
 * span. `attributes` (read only when a span is made) must be free of secrets.
 * The span ends when the response headers are in (or `send` fails); it never
 * holds the response. `selfContained`: the client makes no span of its own
 * (`Outbound.markSelfContained`), so there is none to turn off.
 *
 * @since 0.1.0
 */
export const around = (
  request: HttpClientRequest.HttpClientRequest,
  attributes: () => Readonly<Record<string, unknown>>,
  redaction: Redaction,
  send: (request: HttpClientRequest.HttpClientRequest) => Effect.Effect<Answer, LlmError.LlmError>,
  selfContained = false
): Effect.Effect<Answer, LlmError.LlmError> =>
  Effect.withFiber((fiber) => {
    const propagate = fiber.getRef(HttpClient.TracerPropagationEnabled)
    const untraced = <A>(effect: Effect.Effect<A, LlmError.LlmError>) =>
      selfContained ? effect : Effect.provideService(effect, HttpClient.TracerDisabledWhen, constTrue)
    if (fiber.getRef(Tracer.Tracer) === Tracer.nativeTracer) {
      const parent = Context.getOrUndefined(fiber.context, Tracer.ParentSpan)
      return untraced(send(propagate && parent !== undefined ? HttpClientRequest.setHeaders(request, contextHeaders(parent)) : request))
    }
    const name = fiber.getRef(HttpClient.SpanNameGenerator)(request)
    const filter = fiber.getRef(HttpClient.TracerHeaderFilter)
    // The default filter takes no header: nothing to look at.
    const anyHeader = filter !== constFalse
    const headerAttributes = (phase: "request" | "response", headers: Readonly<Record<string, string>>) => {
      const out: Record<string, string> = {}
      if (!anyHeader) return out
      const names = [...fiber.getRef(Headers.CurrentRedactedNames), ...redaction.secretHeaders]
      for (const [header, value] of Object.entries(headers)) {
        if (!filter(header, phase)) continue
        const scrubbed = redaction.scrub(value)
        out[`http.${phase}.header.${header}`] = Headers.isRedactedName(header, names) || scrubbed !== value ? "<redacted>" : scrubbed
      }
      return out
    }
    let response: Answer | undefined
    const options = { kind: "client" as const, attributes: anyHeader ? { ...attributes(), ...headerAttributes("request", request.headers) } : attributes() }
    const traced = Effect.useSpan(name, options, (span) => {
      const outgoing = propagate ? HttpClientRequest.setHeaders(request, HttpTraceContext.toHeaders(span)) : request
      return Effect.matchEffect(send(outgoing), {
        onSuccess: (answer) => {
          span.attribute("http.response.status_code", answer.response.status)
          if (anyHeader) for (const [key, value] of Object.entries(headerAttributes("response", answer.headers))) span.attribute(key, value)
          // The span's exit must not carry the response: it holds the request.
          response = answer
          return Effect.void
        },
        onFailure: (error) => {
          span.attribute("error.type", error.reason._tag)
          return Effect.fail(error)
        }
      })
    })
    return Effect.flatMap(
      untraced(traced),
      () => response === undefined ? Effect.die("the client span ended without a response") : Effect.succeed(response)
    )
  })
