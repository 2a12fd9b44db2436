/**
 * The exact cache's strategy: one store entry per canonical request (see
 * `CacheKey`), read and written through the store interface.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, Option } from "effect"
import { CacheHit } from "../domain/CacheHit.ts"
import type { ChatResponse } from "../domain/Chat.ts"
import * as CacheKey from "./CacheKey.ts"
import type * as CacheStats from "./CacheStats.ts"
import type * as CacheStore from "./CacheStore.ts"
import type { Lookup, Strategy } from "./CachedService.ts"
import * as Replay from "./Replay.ts"

/**
 * Store reads and writes shared by both caches: failures are counted and
 * logged, then read as a miss or a skipped write.
 *
 * @since 0.1.0
 */
export const storeAccess = (store: CacheStore.CacheStore, recorder: CacheStats.Recorder) => {
  const failed = (error: CacheStore.CacheStoreError) =>
    Effect.andThen(
      recorder.add("storeErrors"),
      Effect.logWarning(`response cache: store ${error.operation} failed (${error.detail}); served without the cache`)
    )
  const read = (key: string): Effect.Effect<Option.Option<Replay.StoredAnswer>> =>
    store.get(key).pipe(
      Effect.flatMap((text): Effect.Effect<Option.Option<Replay.StoredAnswer>, CacheStore.CacheStoreError> => {
        if (Option.isNone(text)) return Effect.succeedNone
        const answer = Replay.decode(text.value)
        // An entry that no longer decodes is dropped and read as a miss.
        return Option.isSome(answer) ? Effect.succeed(answer) : Effect.as(store.remove(key), Option.none())
      }),
      Effect.catch((error) => Effect.as(failed(error), Option.none()))
    )
  const write = (
    key: string,
    response: ChatResponse,
    ttl: Duration.Duration | undefined,
    prompt?: string
  ): Effect.Effect<CacheStore.Dropped | undefined> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => store.put(key, Replay.encode(response, now, prompt), ttl)).pipe(
      Effect.tap((dropped) =>
        Effect.all([
          recorder.add("stored"),
          recorder.add("evictions", dropped.evicted.length),
          recorder.add("expired", dropped.expired.length)
        ])
      ),
      Effect.catch((error) => Effect.as(failed(error), undefined))
    )
  const size = Effect.catch(store.size, (error) => Effect.as(failed(error), { entries: 0, bytes: 0 }))
  return { read, write, size, remove: (key: string) => Effect.catch(store.remove(key), failed) }
}

/**
 * The exact strategy over `store`, keys under `namespace`.
 *
 * @since 0.1.0
 */
export const strategy = (
  store: CacheStore.CacheStore,
  recorder: CacheStats.Recorder,
  namespace: string,
  ttl: Duration.Duration | undefined
): Strategy => {
  const access = storeAccess(store, recorder)
  return {
    prepare: (request) => {
      const key = `llm-cache:exact:${namespace}:${CacheKey.exact(request)}`
      const lookup: Lookup = {
        read: Effect.map(
          access.read(key),
          Option.map((answer) => ({
            response: answer.response,
            hit: new CacheHit({ kind: "exact", storedAt: answer.storedAt })
          }))
        ),
        write: (response) => Effect.asVoid(access.write(key, response, ttl))
      }
      return Effect.succeed(lookup)
    },
    size: access.size
  }
}
