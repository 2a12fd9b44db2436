/**
 * A router's targets and routes: which backends a call may go to, in which
 * order. Routes map a request's model name (an alias or a `*` pattern) to
 * their own list of targets, each optionally with the model to ask for there.
 *
 * @since 0.1.0
 */
import { Duration, Effect } from "effect"
import { BackendConfigError } from "../BackendConfigError.ts"
import type { Service } from "../LlmBackend.ts"

/**
 * One backend a router may send calls to.
 *
 * @since 0.1.0
 */
export interface Target {
  /** Any backend, including another router. */
  readonly backend: Service
  /** Its name in routes, stats and metrics (default: the backend's provider, numbered when repeated). */
  readonly name?: string | undefined
  /** The model to ask this target for (default: the request's own, else the backend's default). */
  readonly model?: string | undefined
  /** Share of first choices under the `weighted` strategy (default 1). */
  readonly weight?: number | undefined
  /** Declared context window in tokens: a `ContextLengthExceeded` moves only to larger ones. */
  readonly contextWindow?: number | undefined
  /**
   * Whether it continues an assistant-last message (prefill) instead of
   * starting a new answer: true by default for Anthropic, false otherwise.
   */
  readonly prefill?: boolean | undefined
}

/**
 * A target as a route lists it: its name, or `{ target, model }`; the string
 * `"name:model"` is short for the latter when `name` is a target.
 *
 * @since 0.1.0
 */
export type RouteTarget = string | { readonly target: string; readonly model?: string | undefined }

/**
 * Calls whose model is `match` (exact, or a pattern with `*`) go to
 * `targets`, in order (each its own fallback list).
 *
 * @since 0.1.0
 */
export interface Route {
  readonly match: string
  readonly targets: ReadonlyArray<RouteTarget>
}

/**
 * A target resolved: its backend, name, and the model to ask it for.
 *
 * @since 0.1.0
 */
export interface Resolved {
  readonly name: string
  readonly backend: Service
  readonly model: string | undefined
  readonly weight: number
  readonly contextWindow: number | undefined
  readonly prefill: boolean
}

/**
 * The validated targets and routes.
 *
 * @since 0.1.0
 */
export interface Table {
  readonly targets: ReadonlyArray<Resolved>
  /**
   * The candidates for a request's model, in configured order; `alias` when
   * an exact route matched (its name is not a model to pass on).
   */
  readonly forModel: (model: string | undefined) => { readonly targets: ReadonlyArray<Resolved>; readonly alias: boolean }
}

const patternOf = (match: string): RegExp =>
  new RegExp(`^${match.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`)

/**
 * Validates targets and routes (a route naming an unknown target fails,
 * naming the setting).
 *
 * @since 0.1.0
 */
export const table = (
  router: string,
  targets: ReadonlyArray<Target>,
  routes: ReadonlyArray<Route>
): Effect.Effect<Table, BackendConfigError> =>
  Effect.suspend(() => {
    const fail = (setting: string, detail: string) => Effect.fail(new BackendConfigError({ provider: router, setting, detail }))
    if (targets.length === 0) return fail("targets", "at least one target is required")
    const counts = new Map<string, number>()
    for (const t of targets) counts.set(t.backend.provider, (counts.get(t.backend.provider) ?? 0) + 1)
    const seen = new Map<string, number>()
    const resolved: Array<Resolved> = []
    for (const [i, t] of targets.entries()) {
      const provider = t.backend.provider
      const n = (seen.get(provider) ?? 0) + 1
      seen.set(provider, n)
      const name = t.name ?? ((counts.get(provider) ?? 0) > 1 ? `${provider}-${n}` : provider)
      if (resolved.some((r) => r.name === name)) return fail(`targets.${i}.name`, `duplicate target name ${JSON.stringify(name)}`)
      if (t.weight !== undefined && !(Number.isFinite(t.weight) && t.weight > 0)) return fail(`targets.${i}.weight`, "must be a positive number")
      if (t.contextWindow !== undefined && !(Number.isInteger(t.contextWindow) && t.contextWindow > 0)) {
        return fail(`targets.${i}.contextWindow`, "must be a positive integer")
      }
      resolved.push({
        name,
        backend: t.backend,
        model: t.model,
        weight: t.weight ?? 1,
        contextWindow: t.contextWindow,
        prefill: t.prefill ?? provider === "anthropic"
      })
    }
    const byName = new Map(resolved.map((r) => [r.name, r]))
    const compiled: Array<{ readonly exact: string | undefined; readonly pattern: RegExp; readonly targets: ReadonlyArray<Resolved> }> = []
    for (const [i, route] of routes.entries()) {
      const list: Array<Resolved> = []
      for (const [j, entry] of route.targets.entries()) {
        let name: string
        let model: string | undefined
        if (typeof entry === "string") {
          const colon = entry.indexOf(":")
          const prefix = colon < 0 ? entry : entry.slice(0, colon)
          if (colon >= 0 && byName.has(prefix)) {
            name = prefix
            model = entry.slice(colon + 1)
          } else {
            name = entry
          }
        } else {
          name = entry.target
          model = entry.model
        }
        const target = byName.get(name)
        if (target === undefined) {
          return fail(`routes.${i}.targets.${j}`, `no target named ${JSON.stringify(name)} (known: ${[...byName.keys()].join(", ")})`)
        }
        list.push(model === undefined ? target : { ...target, model })
      }
      if (list.length === 0) return fail(`routes.${i}.targets`, "at least one target is required")
      compiled.push({ exact: route.match.includes("*") ? undefined : route.match, pattern: patternOf(route.match), targets: list })
    }
    const forModel: Table["forModel"] = (model) => {
      if (model !== undefined) {
        const exact = compiled.find((r) => r.exact === model)
        if (exact !== undefined) return { targets: exact.targets, alias: true }
        const matched = compiled.find((r) => r.exact === undefined && r.pattern.test(model))
        if (matched !== undefined) return { targets: matched.targets, alias: false }
      }
      return { targets: resolved, alias: false }
    }
    return Effect.succeed({ targets: resolved, forModel })
  })

/**
 * How the first choice among candidates is made.
 *
 * @since 0.1.0
 */
export type Strategy = "fallback" | "weighted" | "least-busy"

/**
 * Orders candidates for one call: `fallback` keeps the configured order;
 * `weighted` draws the first by weight (the rest keep their order);
 * `least-busy` sorts by calls in flight plus waiting (stable, so ties keep
 * the configured order). Under the last two a target ready to probe (breaker
 * half open) goes first.
 *
 * @since 0.1.0
 */
export const order = (
  strategy: Strategy,
  candidates: ReadonlyArray<Resolved>,
  random: number
): Effect.Effect<ReadonlyArray<Resolved>> => {
  switch (strategy) {
    case "fallback":
      // The configured order: a recovering target probes in its own turn.
      return Effect.succeed(candidates)
    case "weighted": {
      const total = candidates.reduce((sum, c) => sum + c.weight, 0)
      let point = random * total
      const first = candidates.find((c) => (point -= c.weight) < 0) ?? candidates[candidates.length - 1]!
      return probesFirst([first, ...candidates.filter((c) => c !== first)])
    }
    case "least-busy":
      return Effect.flatMap(
        Effect.forEach(candidates, (c) => c.backend.monitor.load),
        (loads) => probesFirst(candidates.map((c, i) => [c, loads[i]!] as const).sort((a, b) => a[1] - b[1]).map(([c]) => c))
      )
  }
}

// Under a drawn or load-based order a target whose breaker would let a probe
// through goes first, so it gets its one real call and traffic can return to
// it (a draw or the load would otherwise keep it waiting for its turn).
const probesFirst = (ordered: ReadonlyArray<Resolved>): Effect.Effect<ReadonlyArray<Resolved>> =>
  Effect.map(Effect.forEach(ordered, (c) => c.backend.monitor.breaker), (states) => {
    const probing = ordered.filter((_, i) => states[i] === "half_open")
    return probing.length === 0 ? ordered : [...probing, ...ordered.filter((_, i) => states[i] !== "half_open")]
  })

/**
 * The time left of a deadline (none when there is no deadline).
 *
 * @since 0.1.0
 */
export const remaining = (deadlineAt: number | undefined, now: number): Duration.Duration | undefined =>
  deadlineAt === undefined ? undefined : Duration.millis(Math.max(0, deadlineAt - now))
