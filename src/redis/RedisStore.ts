/**
 * One backend's shared state in Redis, under `<prefix>:<provider>:`:
 * `rl:<bucket>:req|tok|hold` (rate-limit buckets and provider holds),
 * `key:<name>:cool:<model>`, `key:<name>:quota`, `key:<name>:eject`,
 * `key:<name>:limits` (consecutive rate limits per model), and `breaker`,
 * `breaker:open`, `breaker:probe` (the breaker's state, open-until and the
 * probe lease). Key names appear in Redis; key values never do.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type * as SharedState from "../pipeline/SharedState.ts"
import type { Connection } from "./Connection.ts"
import * as Scripts from "./Scripts.ts"

// A probe lease's name: unique enough that one process never ends another's lease.
const leaseName = () => `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`

const hold = (ms: number | string | undefined, value: number | string | undefined): SharedState.Hold | undefined => {
  const left = Number(ms ?? 0)
  if (!(left > 0)) return undefined
  const text = String(value ?? "")
  const cut = text.indexOf("\n")
  const setBy = cut < 0 ? "" : text.slice(0, cut)
  return { ms: left, reason: cut < 0 ? text : text.slice(cut + 1), setBy: setBy === "" ? undefined : setBy }
}

/**
 * @since 0.1.0
 */
export const make = (connection: Connection, prefix: string, provider: string): SharedState.Store => {
  const base = `${prefix}:${provider}:`
  const bucketKeys = (bucket: SharedState.Bucket) => [`${base}rl:${bucket.id}:req`, `${base}rl:${bucket.id}:tok`, `${base}rl:${bucket.id}:hold`]
  const keyKey = (name: string, part: string) => `${base}key:${name}:${part}`
  const breakerKeys = [`${base}breaker`, `${base}breaker:open`, `${base}breaker:probe`]

  return {
    mode: () => connection.available() ? "shared" : "fallback",
    onRestore: connection.onRestore,
    take: (buckets, tokens) =>
      connection.run((redis) =>
        Effect.map(
          redis.eval(Scripts.take)(
            buckets.flatMap(bucketKeys),
            [Math.ceil(tokens), ...buckets.flatMap((b) => [b.requestsPerMinute ?? 0, b.tokensPerMinute ?? 0])]
          ),
          ([waitMs, held]) => ({ waitMs, held: held === 1 })
        )
      ),
    correct: (buckets, tokens) =>
      connection.run((redis) =>
        redis.eval(Scripts.correct)(
          buckets.map((b) => bucketKeys(b)[1]!),
          [Math.round(tokens), ...buckets.map((b) => b.tokensPerMinute ?? 0)]
        )
      ),
    observe: (bucket, remaining, holdMs) =>
      connection.run((redis) =>
        redis.eval(Scripts.observe)(bucketKeys(bucket), [
          bucket.requestsPerMinute ?? 0,
          bucket.tokensPerMinute ?? 0,
          remaining.requests ?? -1,
          remaining.tokens ?? -1,
          Math.ceil(holdMs)
        ])
      ),
    keyStates: (names, model) =>
      connection.run((redis) =>
        Effect.map(
          redis.eval(Scripts.holds)(
            names.flatMap((name) => [keyKey(name, `cool:${model}`), keyKey(name, "quota"), keyKey(name, "eject")]),
            []
          ),
          (flat) =>
            names.map((_, i) => ({
              model: hold(flat[6 * i], flat[6 * i + 1]),
              key: hold(flat[6 * i + 2], flat[6 * i + 3]),
              ejected: hold(flat[6 * i + 4], flat[6 * i + 5])
            }))
        )
      ),
    keyReact: (name, reaction) =>
      connection.run((redis): Effect.Effect<unknown, unknown> => {
        switch (reaction._tag) {
          case "Success":
            return redis.send("DEL", keyKey(name, "limits"))
          case "RateLimited":
            return redis.eval(Scripts.rateLimited)([keyKey(name, "limits"), keyKey(name, `cool:${reaction.model}`)], [
              reaction.model,
              reaction.requestId ?? "",
              reaction.retryAfterMs === undefined ? -1 : Math.ceil(reaction.retryAfterMs),
              reaction.baseMs,
              reaction.maxMs,
              `${reaction.requestId ?? ""}\n${reaction.reason}`
            ])
          case "Quota":
            return redis.eval(Scripts.quota)([keyKey(name, "quota")], [
              Math.ceil(reaction.ms),
              `${reaction.requestId ?? ""}\nquota exhausted`
            ])
          case "Ejected":
            return redis.send("SET", keyKey(name, "eject"), `\n${reaction.reason}`, "PX", String(Math.ceil(reaction.ms)))
        }
      }).pipe(Effect.asVoid),
    restoreKeys: (names) =>
      names.length === 0
        ? Effect.void
        : Effect.asVoid(connection.run((redis) => redis.send("DEL", ...names.map((name) => keyKey(name, "eject"))))),
    admit: (rule) =>
      connection.run((redis) => {
        const token = leaseName()
        return Effect.map(redis.eval(Scripts.admit)(breakerKeys, [Math.ceil(rule.leaseMs), token]), (reply): SharedState.Admission => {
          switch (reply[0]) {
            case 1:
              return { _tag: "Open", retryMs: reply[1] ?? 0 }
            case 2:
              return { _tag: "Probing", retryMs: reply[1] ?? 0 }
            case 3:
              return { _tag: "Probe", token, wasOpen: reply[1] === 1 }
            default:
              return { _tag: "Closed" }
          }
        })
      }),
    record: (rule, lease, outcome) =>
      connection.run((redis) =>
        Effect.map(
          redis.eval(Scripts.record)(breakerKeys, [
            outcome,
            lease ?? "",
            rule.failureThreshold,
            Math.ceil(rule.resetMs),
            Math.ceil(rule.maxResetMs)
          ]),
          (reply): SharedState.Change =>
            reply.length === 2 ? [reply[0] as "closed" | "open" | "half_open", reply[1] as "closed" | "open" | "half_open"] : undefined
        )
      ),
    breaker: connection.run((redis) =>
      Effect.map(redis.eval(Scripts.breaker)(breakerKeys, []), ([tripped, failures, failedProbes, openMs, probeMs]): SharedState.BreakerView =>
        tripped !== 1
          ? { _tag: "Closed", failures: failures ?? 0 }
          : (openMs ?? 0) > 0
          ? { _tag: "Open", ms: openMs!, failedProbes: failedProbes ?? 0 }
          : { _tag: "HalfOpen", probing: (probeMs ?? 0) > 0, failedProbes: failedProbes ?? 0 })
    )
  }
}
