/**
 * The gateway's own series, by client name (never a key): requests by
 * status and tokens by direction, rendered as Prometheus text after the
 * backends' metrics on `/metrics`.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export interface Metrics {
  readonly request: (client: string, status: number) => void
  readonly tokens: (client: string, input: number, output: number) => void
  /** Per client: requests by status, tokens in and out. */
  readonly byClient: () => ReadonlyArray<{
    readonly client: string
    readonly statuses: Readonly<Record<string, number>>
    readonly inputTokens: number
    readonly outputTokens: number
  }>
  readonly prometheus: () => string
}

const label = (value: string) => value.replace(/\\/g, "\\\\").replace(/"/g, "\\\"").replace(/\n/g, "\\n")

/**
 * A fresh set of counters.
 *
 * @since 0.1.0
 */
export const make = (): Metrics => {
  const clients = new Map<string, { statuses: Record<string, number>; input: number; output: number }>()
  const entry = (client: string) => {
    let e = clients.get(client)
    if (e === undefined) {
      e = { statuses: {}, input: 0, output: 0 }
      clients.set(client, e)
    }
    return e
  }
  return {
    request: (client, status) => {
      const e = entry(client)
      e.statuses[status] = (e.statuses[status] ?? 0) + 1
    },
    tokens: (client, input, output) => {
      const e = entry(client)
      e.input += input
      e.output += output
    },
    byClient: () => [...clients].map(([client, e]) => ({ client, statuses: { ...e.statuses }, inputTokens: e.input, outputTokens: e.output })),
    prometheus: () => {
      const lines = [
        "# HELP llm_gateway_requests_total Gateway requests by client and HTTP status",
        "# TYPE llm_gateway_requests_total counter"
      ]
      for (const [client, e] of clients) {
        for (const [status, n] of Object.entries(e.statuses)) lines.push(`llm_gateway_requests_total{client="${label(client)}",status="${status}"} ${n}`)
      }
      lines.push("# HELP llm_gateway_tokens_total Tokens by client and direction", "# TYPE llm_gateway_tokens_total counter")
      for (const [client, e] of clients) {
        lines.push(`llm_gateway_tokens_total{client="${label(client)}",direction="input"} ${e.input}`)
        lines.push(`llm_gateway_tokens_total{client="${label(client)}",direction="output"} ${e.output}`)
      }
      return `${lines.join("\n")}\n`
    }
  }
}
