/**
 * A tracer that keeps every span it makes, for asserting names, attributes,
 * parents and end status. Effect's own `NativeSpan` does the span work.
 */
import { Effect, Exit, Option, Tracer } from "effect"

export interface Recording {
  readonly spans: Array<Tracer.NativeSpan>
  readonly tracer: Tracer.Tracer
  /** Spans with this name, in start order. */
  readonly named: (name: string) => ReadonlyArray<Tracer.NativeSpan>
}

export const make = (): Recording => {
  const spans: Array<Tracer.NativeSpan> = []
  const tracer = Tracer.make({
    span: (options) => {
      const span = new Tracer.NativeSpan(options)
      spans.push(span)
      return span
    }
  })
  return { spans, tracer, named: (name) => spans.filter((span) => span.name === name) }
}

/** Runs `effect` with the recording tracer installed. */
export const traced = (recording: Recording) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, Tracer.Tracer, recording.tracer)

export const parentOf = (span: Tracer.NativeSpan): Tracer.AnySpan | undefined => Option.getOrUndefined(span.parent)

export const ended = (span: Tracer.NativeSpan): Exit.Exit<unknown, unknown> | undefined =>
  span.status._tag === "Ended" ? span.status.exit : undefined

/** Every attribute value of every span, as text. */
export const allValues = (recording: Recording): ReadonlyArray<string> =>
  recording.spans.flatMap((span) => [...span.attributes.values()].map((value) => JSON.stringify(value) ?? String(value)))
