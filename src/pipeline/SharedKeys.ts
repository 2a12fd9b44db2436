/**
 * The key pool's cooldowns and ejections in a shared store. Before each
 * decision the pool copies the shared state of its keys (for the model asked
 * for) into its entries, so the pool's own rules decide on what every process
 * has seen; after each attempt the reaction the pool applied to its entry is
 * also applied, atomically, in the store: a 429 seen by one process cools the
 * key for that model in all, a 401 ejects it in all. While the store is
 * unavailable the entries keep what this process saw.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect } from "effect"
import type * as LlmError from "../LlmError.ts"
import type * as KeyEntry from "./KeyEntry.ts"
import type { Lease } from "./KeyPool.ts"
import type * as SharedState from "./SharedState.ts"

const cooling = (hold: SharedState.Hold | undefined, now: number): KeyEntry.Cooling | undefined =>
  hold === undefined ? undefined : { until: now + hold.ms, reason: hold.reason, setBy: hold.setBy }

/**
 * Copies the store's cooldowns and ejections (for `model`) into the entries;
 * leaves them as they are when the store is unavailable.
 *
 * @since 0.1.0
 */
export const mirror = (
  store: SharedState.Store,
  names: ReadonlyArray<string>,
  entries: ReadonlyArray<KeyEntry.Entry>,
  model: string | undefined
): Effect.Effect<void> =>
  Effect.catch(
    Effect.flatMap(store.keyStates(names, model ?? ""), (states) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        for (let i = 0; i < entries.length; i++) {
          const entry = entries[i]!
          const state = states[i]
          if (state === undefined) continue
          const forModel = cooling(state.model, now)
          const limits = entry.models.get(model ?? "")
          if (limits !== undefined) limits.cooling = forModel
          else if (forModel !== undefined) {
            entry.models.set(model ?? "", { cooling: forModel, consecutive: 0, lastLimitedBy: undefined })
          }
          entry.cooling = cooling(state.key, now)
          entry.ejected = state.ejected?.reason
          entry.ejectedUntil = state.ejected === undefined ? 0 : now + state.ejected.ms
        }
      })),
    () => Effect.void
  )

/**
 * The reaction to an attempt's outcome, as the store applies it (none for
 * failures that say nothing about the key).
 *
 * @since 0.1.0
 */
export const reaction = (
  lease: Lease,
  failure: LlmError.Reason | undefined,
  requestId: string | undefined,
  reactions: KeyEntry.Reactions
): SharedState.KeyReaction | undefined => {
  if (failure === undefined) return { _tag: "Success" }
  const model = lease.model ?? ""
  switch (failure._tag) {
    case "RateLimited":
      return {
        _tag: "RateLimited",
        model,
        requestId,
        retryAfterMs: failure.retryAfter === undefined ? undefined : Duration.toMillis(failure.retryAfter),
        baseMs: reactions.rateLimitCooldownMs,
        maxMs: reactions.maxCooldownMs,
        reason: model === "" ? "rate limited" : `rate limited for ${model}`
      }
    case "QuotaExhausted":
      return {
        _tag: "Quota",
        ms: failure.retryAfter === undefined ? reactions.quotaCooldownMs : Duration.toMillis(failure.retryAfter),
        requestId
      }
    case "Unauthorized":
      return {
        _tag: "Ejected",
        ms: reactions.ejectMs,
        reason: `Unauthorized${failure.detail === undefined ? "" : `: ${failure.detail}`}`
      }
    default:
      return undefined
  }
}

/**
 * Applies the reaction in the store; when it is unavailable, the entry's own
 * reaction (already applied) is what this process goes on.
 *
 * @since 0.1.0
 */
export const react = (
  store: SharedState.Store,
  lease: Lease,
  failure: LlmError.Reason | undefined,
  requestId: string | undefined,
  reactions: KeyEntry.Reactions
): Effect.Effect<void> => {
  const change = reaction(lease, failure, requestId, reactions)
  return change === undefined ? Effect.void : Effect.ignore(store.keyReact(lease.name, change))
}
