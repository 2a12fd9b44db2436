/**
 * What a response cache counts: Effect `Metric` counters (cumulative, for
 * exporters) and a snapshot with the same counts plus what the store holds.
 *
 * @since 0.1.0
 */
import { Effect, Metric } from "effect"

/**
 * Metric names. Attributes: `provider` (of the wrapped backend) and `kind`
 * (`exact` or `semantic`).
 *
 * @since 0.1.0
 */
export const metrics = {
  hits: "llm_cache_hits_total",
  misses: "llm_cache_misses_total",
  evictions: "llm_cache_evictions_total"
} as const

/**
 * A cache's counts since it was built (or last reset).
 *
 * @since 0.1.0
 */
export interface Stats {
  readonly kind: "exact" | "semantic"
  /** Answers served from the cache. */
  readonly hits: number
  /** Lookups that found nothing usable (the backend was called). */
  readonly misses: number
  /** Calls whose options said `bypass`. */
  readonly bypassed: number
  /** Calls not looked up because they cannot be cached (non-deterministic sampling, no user text, ...). */
  readonly skipped: number
  /** Calls whose options said `refresh`. */
  readonly refreshed: number
  /** Answers written to the store. */
  readonly stored: number
  /** Entries dropped to respect the size bounds. */
  readonly evictions: number
  /** Entries dropped because their time to live had passed. */
  readonly expired: number
  /** Semantic: candidates above the threshold that the prompt guard refused. */
  readonly guardRejections: number
  /** Semantic: embedding calls that failed (the backend was called uncached). */
  readonly embedFailures: number
  /** Store operations that failed (read as a miss, write skipped). */
  readonly storeErrors: number
  /** Entries and bytes in the store now. */
  readonly entries: number
  readonly bytes: number
  /** hits / (hits + misses), 0 before any lookup. */
  readonly hitRate: number
}

type Count = Exclude<keyof Stats, "kind" | "entries" | "bytes" | "hitRate">

/**
 * Counts of one cache; the three metric counters are built once with their
 * attributes fixed.
 *
 * @since 0.1.0
 */
export class Recorder {
  private counts: Record<Count, number> = Recorder.zero()
  private readonly counters: Partial<Record<Count, Metric.Counter<number>>>

  constructor(readonly provider: string, readonly kind: "exact" | "semantic") {
    const attributes = { provider, kind }
    const counter = (name: string, description: string) =>
      Metric.counter(name, { description, attributes, incremental: true })
    this.counters = {
      hits: counter(metrics.hits, "Answers served from a response cache"),
      misses: counter(metrics.misses, "Response cache lookups that found nothing usable"),
      evictions: counter(metrics.evictions, "Response cache entries dropped to respect size bounds")
    }
  }

  private static zero(): Record<Count, number> {
    return {
      hits: 0,
      misses: 0,
      bypassed: 0,
      skipped: 0,
      refreshed: 0,
      stored: 0,
      evictions: 0,
      expired: 0,
      guardRejections: 0,
      embedFailures: 0,
      storeErrors: 0
    }
  }

  /** Adds `n` to a count (and to its metric, if it has one). */
  add(count: Count, n = 1): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (n === 0) return Effect.void
      this.counts[count] += n
      const metric = this.counters[count]
      return metric === undefined ? Effect.void : Metric.update(metric, n)
    })
  }

  /** The snapshot, with the store's size. */
  snapshot(size: { readonly entries: number; readonly bytes: number }): Stats {
    const { hits, misses } = this.counts
    return { kind: this.kind, ...this.counts, ...size, hitRate: hits + misses === 0 ? 0 : hits / (hits + misses) }
  }

  /** Clears the snapshot's counts (metrics stay cumulative). */
  reset(): void {
    this.counts = Recorder.zero()
  }
}
