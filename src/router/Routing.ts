/**
 * What a router did: per target, the calls it was given, how they ended and
 * the time spent there; and every fail-over with its reason. Exported as the
 * `llm_fallbacks_total{from,to,reason}` metric too. Names only, no payloads.
 *
 * @since 0.1.0
 */
import { Effect, Metric } from "effect"

/**
 * One target's share of the router's work.
 *
 * @since 0.1.0
 */
export interface TargetStats {
  readonly name: string
  readonly provider: string
  readonly calls: number
  readonly succeeded: number
  readonly failed: number
  readonly failures: Readonly<Record<string, number>>
  readonly total_ms: number
  readonly breaker: "closed" | "open" | "half_open"
}

/**
 * One move from a failing target to the next.
 *
 * @since 0.1.0
 */
export interface Fallback {
  readonly from: string
  readonly to: string
  readonly reason: string
  /** `before-content`, or for streams `restart` / `continue` after content. */
  readonly kind: "before-content" | "restart" | "continue"
  readonly count: number
}

/**
 * @since 0.1.0
 */
export interface Snapshot {
  readonly targets: ReadonlyArray<TargetStats>
  readonly fallbacks: ReadonlyArray<Fallback>
}

const fallbacksMetric = (router: string, from: string, to: string, reason: string) =>
  Metric.counter("llm_fallbacks_total", {
    description: "Calls moved by a router from one target to another",
    attributes: { router, from, to, reason }
  })

/**
 * @since 0.1.0
 */
export class Recorder {
  private targets = new Map<string, { calls: number; succeeded: number; failed: number; failures: Record<string, number>; ms: number }>()
  private moves = new Map<string, { from: string; to: string; reason: string; kind: Fallback["kind"]; count: number }>()
  private readonly metrics = new Map<string, Metric.Metric<number, unknown>>()
  constructor(readonly router: string) {}

  private entry(name: string) {
    let entry = this.targets.get(name)
    if (entry === undefined) {
      entry = { calls: 0, succeeded: 0, failed: 0, failures: {}, ms: 0 }
      this.targets.set(name, entry)
    }
    return entry
  }

  attempted(name: string, ms: number, failure: string | undefined): void {
    const entry = this.entry(name)
    entry.calls++
    entry.ms += ms
    if (failure === undefined) entry.succeeded++
    else {
      entry.failed++
      entry.failures[failure] = (entry.failures[failure] ?? 0) + 1
    }
  }

  fellBack(from: string, to: string, reason: string, kind: Fallback["kind"]): Effect.Effect<void> {
    const key = `${from}|${to}|${reason}|${kind}`
    const move = this.moves.get(key) ?? { from, to, reason, kind, count: 0 }
    move.count++
    this.moves.set(key, move)
    let metric = this.metrics.get(`${from}|${to}|${reason}`)
    if (metric === undefined) {
      metric = fallbacksMetric(this.router, from, to, reason) as Metric.Metric<number, unknown>
      this.metrics.set(`${from}|${to}|${reason}`, metric)
    }
    return Metric.update(metric, 1)
  }

  snapshot(targets: ReadonlyArray<{ readonly name: string; readonly provider: string; readonly breaker: TargetStats["breaker"] }>): Snapshot {
    return {
      targets: targets.map((t) => {
        const e = this.targets.get(t.name)
        return {
          name: t.name,
          provider: t.provider,
          calls: e?.calls ?? 0,
          succeeded: e?.succeeded ?? 0,
          failed: e?.failed ?? 0,
          failures: { ...e?.failures },
          total_ms: Math.round(e?.ms ?? 0),
          breaker: t.breaker
        }
      }),
      fallbacks: [...this.moves.values()].map((m) => ({ ...m }))
    }
  }

  reset(): void {
    this.targets.clear()
    this.moves.clear()
  }
}

/**
 * The routing snapshot as text lines (appended to the router's report).
 *
 * @since 0.1.0
 */
export const text = (snapshot: Snapshot): string => {
  const lines = ["targets (name provider breaker: calls ok/failed, time)"]
  for (const t of snapshot.targets) {
    const failures = Object.entries(t.failures).map(([r, n]) => `${r} ${n}`).join(", ")
    lines.push(`  ${t.name} ${t.provider} ${t.breaker}: ${t.calls} calls ${t.succeeded}/${t.failed}${failures === "" ? "" : ` (${failures})`}, ${t.total_ms} ms`)
  }
  lines.push("fallbacks (from -> to: reason, kind)")
  if (snapshot.fallbacks.length === 0) lines.push("  -")
  for (const f of snapshot.fallbacks) lines.push(`  ${f.from} -> ${f.to}: ${f.reason} (${f.kind}) x${f.count}`)
  return lines.join("\n")
}
