/**
 * The stats snapshot as a readable text table, or as JSON.
 *
 * @since 0.1.0
 */
import type { Snapshot, Summary } from "./Stats.ts"

const summary = (s: Summary) =>
  `count ${s.count}  avg ${s.average_ms}  max ${s.max_ms}  p50 ${s.p50}  p90 ${s.p90}  p99 ${s.p99}`

const pairs = (record: Readonly<Record<string, number>>) => {
  const entries = Object.entries(record).sort(([a], [b]) => a.localeCompare(b))
  return entries.length === 0 ? "-" : entries.map(([k, v]) => `${k} ${v}`).join(", ")
}

/**
 * Renders a snapshot as an aligned text table.
 *
 * @since 0.1.0
 */
export const text = (s: Snapshot): string => {
  const rows: Array<readonly [string, string]> = [
    ["total_requests", String(s.total_requests)],
    ["successful_requests", String(s.successful_requests)],
    ["failed_requests", String(s.failed_requests)],
    ["interrupted_requests", String(s.interrupted_requests)],
    ["cancelled_requests", String(s.cancelled_requests)],
    ["attempts_started", String(s.attempts_started)],
    ["attempts_answered", String(s.attempts_answered)],
    ["retried_requests", String(s.retried_requests)],
    ["total_retries", String(s.total_retries)],
    ["average_response_time (ms)", String(s.average_response_time)],
    ["latency (ms)", `p50 ${s.latency.p50}  p90 ${s.latency.p90}  p95 ${s.latency.p95}  p99 ${s.latency.p99}`],
    ["errors_by_type", pairs(s.errors_by_type)],
    ["circuit_breaker_state", s.circuit_breaker_state],
    ["circuit_breaker_trips", String(s.circuit_breaker_trips)],
    ["queue_wait (ms)", summary(s.queue_wait)],
    ["backoff (ms)", summary(s.backoff)],
    ["time_to_first_token (ms)", summary(s.time_to_first_token)],
    ["requests_by_priority", pairs(s.requests_by_priority)],
    [
      "tokens_by_model",
      Object.keys(s.tokens_by_model).length === 0
        ? "-"
        : Object.entries(s.tokens_by_model).map(([m, t]) => `${m}: in ${t.input} / out ${t.output}`).join(", ")
    ],
    ["in_flight", String(s.in_flight)],
    ["queue_depth", String(s.queue_depth)],
    ["malformed_events_skipped", String(s.malformed_events_skipped)],
    ["shared_state", s.shared_state]
  ]
  if (s.keys.length === 0) rows.push(["keys", "-"])
  for (const key of s.keys) {
    const state = key.state === "cooling" ? `cooling ${key.coolingForMs} ms (${key.reason})` : key.state === "ejected" ? `ejected (${key.reason})` : "active"
    rows.push([
      `keys.${key.name}`,
      `${state}; requests ${key.requests}; in flight ${key.inFlight}; failures ${pairs(key.failures)}; cooldowns ${key.cooldowns}; ejections ${key.ejections}`
    ])
  }
  const width = Math.max(...rows.map(([k]) => k.length))
  const line = "-".repeat(width + 40)
  return [`stats for ${s.provider}`, line, ...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`), line].join("\n")
}

/**
 * Renders a snapshot as pretty-printed JSON.
 *
 * @since 0.1.0
 */
export const json = (s: Snapshot): string => JSON.stringify(s, null, 2)
