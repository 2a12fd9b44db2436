/**
 * How a key is chosen among the ready ones: true round-robin, least-loaded
 * (in flight), smooth weighted round-robin, and sticky per session
 * (rendezvous hashing, so a session keeps its key while that key is usable
 * and moves as little as possible when it is not).
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export type Strategy = "round-robin" | "least-loaded" | "weighted" | "sticky"

/**
 * What a strategy reads (and, for `weighted`, updates) of a key.
 *
 * @since 0.1.0
 */
export interface Candidate {
  readonly index: number
  readonly inFlight: number
  /** Smooth weighted round-robin's running weight. */
  current: number
  readonly config: { readonly name: string; readonly weight?: number | undefined }
}

// FNV-1a: a small, stable hash for rendezvous choice.
const hash = (text: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0
  return h
}

/**
 * A picker over `size` keys (indexed 0..size-1): from a non-empty list of
 * ready keys, the one to use.
 *
 * @since 0.1.0
 */
export const make = (strategy: Strategy, size: number) => {
  let cursor = 0
  const roundRobin = <C extends Candidate>(ready: Array<C>): C => {
    for (let step = 0; step < size; step++) {
      const index = (cursor + step) % size
      const candidate = ready.find((c) => c.index === index)
      if (candidate !== undefined) {
        cursor = (index + 1) % size
        return candidate
      }
    }
    return ready[0]!
  }
  return <C extends Candidate>(ready: Array<C>, sessionId: string | undefined): C => {
    switch (strategy) {
      case "least-loaded":
        return ready.reduce((best, c) => c.inFlight < best.inFlight ? c : best)
      case "weighted": {
        let total = 0
        let best = ready[0]!
        for (const c of ready) {
          const weight = c.config.weight ?? 1
          c.current += weight
          total += weight
          if (c.current > best.current) best = c
        }
        best.current -= total
        return best
      }
      case "sticky":
        // Without a session there is nothing to stick to: round-robin.
        return sessionId === undefined ? roundRobin(ready) : ready.reduce((best, c) =>
          hash(`${sessionId}/${c.config.name}`) > hash(`${sessionId}/${best.config.name}`) ? c : best
        )
      case "round-robin":
        return roundRobin(ready)
    }
  }
}
