/**
 * Client (virtual) keys: the config holds only their SHA-256 hashes; a
 * request's bearer key is hashed and looked up. Each client has a priority
 * (its calls' queue level), a requests-per-minute token bucket and a cap on
 * calls in flight. A request without a known key is refused before anything
 * is spent.
 *
 * @since 0.1.0
 */
import { Clock, Data, Effect } from "effect"
import { hash } from "node:crypto"
import type { Priority } from "../domain/CallOptions.ts"
import type * as GatewayConfig from "./GatewayConfig.ts"

/**
 * The hash the config stores for a key: `sha256:<hex>`.
 *
 * @since 0.1.0
 */
// The one-shot `hash` (a string is hashed as UTF-8): every API request hashes its key, and the
// streaming `createHash` object costs about twice as much for a value this short.
export const hashKey = (key: string): string => `sha256:${hash("sha256", key, "hex")}`

/**
 * A request the gateway refuses itself, before any backend is asked: its
 * HTTP status and OpenAI error fields.
 *
 * @since 0.1.0
 */
export class Rejection extends Data.TaggedError("Rejection")<{
  readonly status: number
  readonly type: string
  readonly code: string
  readonly message: string
  readonly param?: string | undefined
  readonly retryAfterSeconds?: number | undefined
}> {}

/**
 * A client the request was authenticated as.
 *
 * @since 0.1.0
 */
export interface Client {
  readonly name: string
  readonly priority: Priority
}

interface State {
  readonly client: Client
  readonly perMinute: number | undefined
  readonly maxConcurrent: number | undefined
  tokens: number
  refilledAt: number
  inFlight: number
  requests: number
  rejected: number
}

/**
 * What the dashboard and `/stats` show of one client.
 *
 * @since 0.1.0
 */
export interface ClientStats {
  readonly name: string
  readonly priority: Priority
  readonly inFlight: number
  readonly requests: number
  readonly rejected: number
}

const ANONYMOUS: Client = { name: "anonymous", priority: "normal" }

/**
 * The client registry.
 *
 * @since 0.1.0
 */
export interface Clients {
  /** The client a bearer key belongs to (401 otherwise). */
  readonly authenticate: (authorization: string | undefined) => Effect.Effect<Client, Rejection>
  /**
   * Admits one request of the client after checking its rate and concurrency
   * (429 otherwise); the returned effect ends it (a stream ends it when its
   * body is done, so it is called by whoever finishes the response).
   */
  readonly enter: (client: Client) => Effect.Effect<Effect.Effect<void>, Rejection>
  readonly stats: () => ReadonlyArray<ClientStats>
}

const unauthorized = new Rejection({
  status: 401,
  type: "invalid_request_error",
  code: "invalid_api_key",
  message: "Missing or unknown gateway key: send Authorization: Bearer <key>"
})

/**
 * The bearer token of an `Authorization` header.
 *
 * @since 0.1.0
 */
export const bearer = (authorization: string | undefined): string | undefined => {
  const match = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization)
  return match === null ? undefined : match[1]
}

/**
 * Builds the registry from the config's clients.
 *
 * @since 0.1.0
 */
export const make = (clients: ReadonlyArray<GatewayConfig.Client>, allowAnonymous: boolean): Clients => {
  const byHash = new Map<string, State>()
  const states: Array<State> = []
  const stateOf = (client: Client, perMinute: number | undefined, maxConcurrent: number | undefined): State => ({
    client,
    perMinute,
    maxConcurrent,
    tokens: perMinute ?? 0,
    refilledAt: 0,
    inFlight: 0,
    requests: 0,
    rejected: 0
  })
  for (const c of clients) {
    const state = stateOf({ name: c.name, priority: c.priority ?? "normal" }, c.requestsPerMinute, c.maxConcurrent)
    byHash.set(c.keyHash, state)
    states.push(state)
  }
  const anonymous = allowAnonymous ? stateOf(ANONYMOUS, undefined, undefined) : undefined
  if (anonymous !== undefined) states.push(anonymous)
  const byName = new Map(states.map((s) => [s.client.name, s]))

  // Keys already accepted, so a client's every request does not hash its key
  // anew (a SHA-256 per request was about 1 % of the gateway's CPU). Only
  // accepted keys go in (a stream of wrong keys cannot grow it, and each is
  // still hashed), bounded; they live in memory only, as the requests that
  // carry them do, and the config keeps holding hashes.
  const accepted = new Map<string, State>()
  const authenticate: Clients["authenticate"] = (authorization) =>
    Effect.suspend(() => {
      const key = bearer(authorization)
      if (key !== undefined) {
        const known = accepted.get(key)
        if (known !== undefined) return Effect.succeed(known.client)
        const state = byHash.get(hashKey(key))
        if (state === undefined) return Effect.fail(unauthorized)
        if (accepted.size >= 1024) accepted.clear()
        accepted.set(key, state)
        return Effect.succeed(state.client)
      }
      return anonymous === undefined ? Effect.fail(unauthorized) : Effect.succeed(anonymous.client)
    })

  const enter: Clients["enter"] = (client) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const state = byName.get(client.name)!
      if (state.perMinute !== undefined) {
        if (state.refilledAt === 0) state.refilledAt = now
        const perMs = state.perMinute / 60_000
        state.tokens = Math.min(state.perMinute, state.tokens + (now - state.refilledAt) * perMs)
        state.refilledAt = now
        if (state.tokens < 1) {
          state.rejected++
          return Effect.fail(
            new Rejection({
              status: 429,
              type: "requests",
              code: "client_rate_limit_exceeded",
              message: `Client ${client.name} is over its limit of ${state.perMinute} requests per minute`,
              retryAfterSeconds: Math.max(1, Math.ceil((1 - state.tokens) / perMs / 1000))
            })
          )
        }
      }
      if (state.maxConcurrent !== undefined && state.inFlight >= state.maxConcurrent) {
        state.rejected++
        return Effect.fail(
          new Rejection({
            status: 429,
            type: "requests",
            code: "client_concurrency_exceeded",
            message: `Client ${client.name} already has ${state.maxConcurrent} requests in flight`,
            retryAfterSeconds: 1
          })
        )
      }
      if (state.perMinute !== undefined) state.tokens -= 1
      state.requests++
      state.inFlight++
      let left = false
      return Effect.succeed(Effect.sync(() => {
        if (left) return
        left = true
        state.inFlight--
      }))
    })

  const stats = () =>
    states.map((s) => ({ name: s.client.name, priority: s.client.priority, inFlight: s.inFlight, requests: s.requests, rejected: s.rejected }))

  return { authenticate, enter, stats }
}
