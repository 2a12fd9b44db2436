/**
 * Where a response cache keeps its answers: a small key-value interface with
 * a time to live, and its in-memory default, bounded by entries and bytes and
 * evicting the least recently used entry first.
 *
 * Values are strings (the encoded answer), so a store over a shared service
 * (Redis) implements the same four operations.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, Option, Schema } from "effect"
import { BackendConfigError } from "../BackendConfigError.ts"

/**
 * A store operation failed (a remote store being down, for instance). A cache
 * treats it as a miss or a skipped write, never as the call's failure.
 *
 * @since 0.1.0
 */
export class CacheStoreError extends Schema.TaggedError<CacheStoreError>()("CacheStoreError", {
  operation: Schema.String,
  detail: Schema.String
}) {}

/**
 * The storage interface.
 *
 * @since 0.1.0
 */
export interface CacheStore {
  /** The value, unless absent or expired. Counts as a use for LRU. */
  readonly get: (key: string) => Effect.Effect<Option.Option<string>, CacheStoreError>
  /**
   * Stores a value for `ttl` (forever when undefined). Returns the keys the
   * store dropped to make room, so a cache can count them and drop what it
   * keeps beside them (a semantic cache's vectors).
   */
  readonly put: (key: string, value: string, ttl: Duration.Duration | undefined) => Effect.Effect<Dropped, CacheStoreError>
  readonly remove: (key: string) => Effect.Effect<void, CacheStoreError>
  /** Entries and bytes held now (expired entries not yet dropped included). */
  readonly size: Effect.Effect<{ readonly entries: number; readonly bytes: number }, CacheStoreError>
}

/**
 * Keys a `put` dropped: `evicted` to respect the bounds, `expired` because
 * their time to live had passed. A store that evicts on its own schedule
 * (Redis) returns none.
 *
 * @since 0.1.0
 */
export interface Dropped {
  readonly evicted: ReadonlyArray<string>
  readonly expired: ReadonlyArray<string>
}

const nothing: Dropped = { evicted: [], expired: [] }

/**
 * Bounds of the in-memory store.
 *
 * @since 0.1.0
 */
export interface MemoryOptions {
  /** Most entries held (default 1,000). */
  readonly maxEntries?: number | undefined
  /** Most bytes of values held, counted as UTF-8 (default 64 MiB). */
  readonly maxBytes?: number | undefined
}

interface Slot {
  readonly value: string
  readonly bytes: number
  readonly expiresAt: number
}

const encoder = new TextEncoder()
const utf8Length = (text: string): number => {
  // Pure ASCII is the common case; counting it needs no encoding.
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(text) ? text.length : encoder.encode(text).length
}

/**
 * The in-memory store. A JS `Map` keeps insertion order, so re-inserting on
 * each read makes its first key the least recently used. Expired entries are
 * dropped when read and are the first to go when room is needed.
 *
 * @since 0.1.0
 */
export const memory = (options: MemoryOptions = {}): Effect.Effect<CacheStore, BackendConfigError> => {
  const maxEntries = options.maxEntries ?? 1_000
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024
  const bad = (setting: string, detail: string) =>
    Effect.fail(new BackendConfigError({ provider: "cache", setting, detail }))
  if (!Number.isInteger(maxEntries) || maxEntries < 1) return bad("maxEntries", "expected an integer >= 1")
  if (!Number.isFinite(maxBytes) || maxBytes < 1) return bad("maxBytes", "expected a number of bytes >= 1")
  return Effect.succeed(memoryUnsafe(maxEntries, maxBytes))
}

const memoryUnsafe = (maxEntries: number, maxBytes: number): CacheStore => {
  const slots = new Map<string, Slot>()
  let bytes = 0

  const drop = (key: string, slot: Slot) => {
    slots.delete(key)
    bytes -= slot.bytes
  }

  const makeRoom = (now: number, incoming: number): Dropped => {
    const over = () => slots.size + 1 > maxEntries || bytes + incoming > maxBytes
    if (!over()) return nothing
    const expired: Array<string> = []
    const evicted: Array<string> = []
    for (const [key, slot] of slots) {
      if (slot.expiresAt > now) continue
      drop(key, slot)
      expired.push(key)
    }
    for (const [key, slot] of slots) {
      if (!over()) break
      drop(key, slot)
      evicted.push(key)
    }
    return { evicted, expired }
  }

  return {
    get: (key) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const slot = slots.get(key)
        if (slot === undefined) return Option.none()
        drop(key, slot)
        if (slot.expiresAt <= now) return Option.none()
        slots.set(key, slot)
        bytes += slot.bytes
        return Option.some(slot.value)
      }),
    put: (key, value, ttl) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const size = utf8Length(value)
        const existing = slots.get(key)
        if (existing !== undefined) drop(key, existing)
        // A value larger than the whole budget is not stored (and evicts nothing).
        if (size > maxBytes) return nothing
        const evicted = makeRoom(now, size)
        slots.set(key, { value, bytes: size, expiresAt: ttl === undefined ? Infinity : now + Duration.toMillis(ttl) })
        bytes += size
        return evicted
      }),
    remove: (key) =>
      Effect.sync(() => {
        const slot = slots.get(key)
        if (slot !== undefined) drop(key, slot)
      }),
    size: Effect.sync(() => ({ entries: slots.size, bytes }))
  }
}
