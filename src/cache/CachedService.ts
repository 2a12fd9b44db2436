/**
 * The part every response cache shares: an `LlmBackend` service around
 * another, deciding per call whether to look up (the `cache` call option,
 * deterministic sampling), serving hits for `chat` and as replayed streams,
 * and storing only complete answers. Where answers are kept and how a request
 * finds one is a `Strategy` (exact key, or embedding plus guard).
 *
 * @since 0.1.0
 */
import { Effect, Option, Stream } from "effect"
import type { CacheHit } from "../domain/CacheHit.ts"
import type { ChatRequest, ChatResponse } from "../domain/Chat.ts"
import type { Service } from "../LlmBackend.ts"
import * as Validate from "../pipeline/Validate.ts"
import type * as CacheStats from "./CacheStats.ts"
import * as Replay from "./Replay.ts"

/**
 * How one request is looked up and its answer stored. Neither effect fails:
 * a broken store reads as a miss and skips the write.
 *
 * @since 0.1.0
 */
export interface Lookup {
  readonly read: Effect.Effect<Option.Option<{ readonly response: ChatResponse; readonly hit: CacheHit }>>
  readonly write: (response: ChatResponse) => Effect.Effect<void>
}

/**
 * A cache's way of finding answers. `prepare` returns `undefined` for a
 * request it cannot cache, having counted why.
 *
 * @since 0.1.0
 */
export interface Strategy {
  readonly prepare: (request: ChatRequest) => Effect.Effect<Lookup | undefined>
  readonly size: Effect.Effect<{ readonly entries: number; readonly bytes: number }>
}

/**
 * When a request's answer is reproducible enough to cache.
 *
 * @since 0.1.0
 */
export interface Sampling {
  /**
   * The temperature the backend uses when a request sets none. Requests
   * without a temperature are cached only when this is 0: most providers
   * default above 0, so by default they are not.
   */
  readonly defaultTemperature?: number | undefined
  /** Cache answers to sampled requests too (temperature above 0 or unknown). */
  readonly cacheNonDeterministic?: boolean | undefined
}

/**
 * True when the request's sampling is deterministic (temperature 0, given or
 * the backend's known default), or the cache was told to cache anyway.
 *
 * @since 0.1.0
 */
export const cacheable = (request: ChatRequest, sampling: Sampling): boolean => {
  if (sampling.cacheNonDeterministic === true) return true
  const temperature = request.temperature ?? sampling.defaultTemperature
  return temperature === 0
}

/**
 * The cache's own controls, next to the service's operations.
 *
 * @since 0.1.0
 */
export interface Control {
  /** Counts since build or the last `reset`, with the store's size. */
  readonly stats: Effect.Effect<CacheStats.Stats>
  /** Clears the counts (metrics stay cumulative; entries stay). */
  readonly reset: Effect.Effect<void>
}

/**
 * A backend with a response cache in front: an `LlmBackend` service (same
 * provider, capabilities and monitor, which sees only calls that reached the
 * backend) plus `cache`.
 *
 * @since 0.1.0
 */
export interface Cached extends Service {
  readonly cache: Control
}

type Decision = { readonly _tag: "Pass" } | { readonly _tag: "Use"; readonly lookup: Lookup; readonly read: boolean }

/**
 * Wraps `backend` with a strategy.
 *
 * @since 0.1.0
 */
export const make = (backend: Service, strategy: Strategy, sampling: Sampling, recorder: CacheStats.Recorder): Cached => {
  const provider = backend.provider

  const decide = (request: ChatRequest, mode: string | undefined): Effect.Effect<Decision> => {
    if (mode === "bypass") return Effect.as(recorder.add("bypassed"), { _tag: "Pass" })
    if (!cacheable(request, sampling)) return Effect.as(recorder.add("skipped"), { _tag: "Pass" })
    return Effect.map(strategy.prepare(request), (lookup): Decision =>
      lookup === undefined ? { _tag: "Pass" } : { _tag: "Use", lookup, read: mode !== "refresh" })
  }

  // Validates as the backend would, so a hit never hides invalid input.
  const prepare = (input: Parameters<Service["chat"]>[0], options: Parameters<Service["chat"]>[1]) =>
    Effect.gen(function*() {
      const request = yield* Validate.chatRequest(provider, input)
      yield* Validate.callOptions(provider, options)
      const decision = yield* decide(request, options?.cache)
      if (decision._tag === "Pass" || !decision.read) {
        if (decision._tag === "Use") yield* recorder.add("refreshed")
        return { request, decision, found: Option.none() }
      }
      const found = yield* decision.lookup.read
      yield* recorder.add(Option.isSome(found) ? "hits" : "misses")
      return {
        request,
        decision,
        found: Option.map(found, ({ response, hit }) => Replay.served(response, hit, options?.requestId))
      }
    })

  const chat: Service["chat"] = (input, options) => {
    if (!backend.capabilities.chat) return backend.chat(input, options)
    return Effect.flatMap(prepare(input, options), ({ request, decision, found }) => {
      if (Option.isSome(found)) return Effect.succeed(found.value)
      const live = backend.chat(request, options)
      return decision._tag === "Pass" ? live : Effect.tap(live, decision.lookup.write)
    })
  }

  const stream: Service["stream"] = (input, options) => {
    if (!backend.capabilities.stream) return backend.stream(input, options)
    return Stream.unwrap(Effect.map(prepare(input, options), ({ request, decision, found }) => {
      if (Option.isSome(found)) return Stream.fromIterable(Replay.toChunks(found.value))
      const live = backend.stream(request, options)
      return decision._tag === "Pass" ? live : Replay.capture(live, provider, decision.lookup.write)
    }))
  }

  return {
    provider,
    capabilities: backend.capabilities,
    chat,
    stream,
    embed: backend.embed,
    models: backend.models,
    monitor: backend.monitor,
    cache: {
      stats: Effect.map(strategy.size, (size) => recorder.snapshot(size)),
      reset: Effect.sync(() => recorder.reset())
    }
  }
}
