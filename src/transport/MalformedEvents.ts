/**
 * The count of stream events dropped under `malformedEvents: "skip"`: an
 * Effect `Metric` (`llm_malformed_events_total`, by provider), so a skipped
 * event is never silent even where nobody reads the answer's warnings.
 *
 * @since 0.1.0
 */
import { type Effect, Metric } from "effect"

/**
 * Stream events dropped by `malformedEvents: "skip"`, by provider.
 *
 * @since 0.1.0
 */
export const malformedEventsTotal = Metric.counter("llm_malformed_events_total", {
  description: "Unparseable stream events skipped under malformedEvents: skip",
  incremental: true
})

/**
 * One backend's count of skipped events, for its stats snapshot (the metric
 * is cumulative and shared by every backend of a provider; this is not).
 *
 * @since 0.1.0
 */
export class Counter {
  skipped = 0
  reset(): void {
    this.skipped = 0
  }
}

/**
 * Counts one skipped event for `provider`.
 *
 * @since 0.1.0
 */
export const countMalformed = (provider: string): Effect.Effect<void> =>
  Metric.update(Metric.withAttributes(malformedEventsTotal, { provider }), 1)
