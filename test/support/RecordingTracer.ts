/**
 * A `Tracer` that keeps every span it was asked for (attributes, events,
 * links, and the exit it ended with) and renders them later, outside any
 * fiber, the way an exporter batching spans would: whatever a span carries
 * for its whole life is in `render()`.
 */
import { Cause, Effect, Exit, Layer, Tracer } from "effect"

export interface Recorder {
  readonly tracer: Tracer.Tracer
  readonly spans: ReadonlyArray<Tracer.NativeSpan>
  /** Every span, serialized: names, attributes, events, status and exit (JSON, String and Cause.pretty). */
  readonly render: () => string
}

const serialize = (value: unknown): string => {
  const seen = new WeakSet<object>()
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "bigint") return v.toString()
    if (typeof v === "object" && v !== null) {
      if (seen.has(v)) return "[circular]"
      seen.add(v)
    }
    return v
  }) ?? ""
}

export const make = (): Recorder => {
  const spans: Array<Tracer.NativeSpan> = []
  const events: Array<unknown> = []
  const tracer = Tracer.make({
    span: (options) => {
      const span = new Tracer.NativeSpan(options)
      const event = span.event.bind(span)
      span.event = (name, startTime, attributes) => {
        events.push({ span: span.name, name, attributes })
        event(name, startTime, attributes)
      }
      spans.push(span)
      return span
    }
  })
  const render = () =>
    spans.map((span) => {
      const exit = span.status._tag === "Ended" ? span.status.exit : undefined
      return [
        span.name,
        serialize([...span.attributes.entries()]),
        serialize(span.links.map((link) => link.attributes)),
        serialize(span.status),
        exit === undefined ? "" : String(exit),
        exit === undefined || Exit.isSuccess(exit) ? "" : Cause.pretty(exit.cause)
      ].join("\n")
    }).join("\n---\n") + "\n" + serialize(events)
  return { tracer, spans, render }
}

/** Runs `effect` with `recorder`'s tracer. */
export const provide = (recorder: Recorder) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, Tracer.Tracer, recorder.tracer)

/** The recorder's tracer as a layer. */
export const layer = (recorder: Recorder): Layer.Layer<never> => Layer.succeed(Tracer.Tracer)(recorder.tracer)
