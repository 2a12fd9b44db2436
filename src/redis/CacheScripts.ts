/**
 * The Lua scripts of the Redis response-cache store. Under `<prefix>:cache:`
 * live `v:<key>` (the value, with the entry's TTL as a Redis `PX`), `lru` (a
 * sorted set of keys scored by last use, in Redis millis) and `size` (a hash
 * of each key's UTF-8 bytes, and the total under the field `*`). Every
 * operation is one script, so caches sharing the store keep the index and the
 * byte count exact between them.
 *
 * @since 0.1.0
 */
import * as Redis from "effect/persistence/Redis"

type Keys = ReadonlyArray<string>
type Args = ReadonlyArray<string | number>

const make = <R>(lua: string) =>
  Redis.script((keys: Keys, args: Args) => [...keys, ...args], { lua, numberOfKeys: (keys) => keys.length })
    .withReturnType<R>()

// KEYS[1] value prefix, KEYS[2] lru, KEYS[3] size. Dropping keeps the three in step.
const common = `
local vp, lru, size = KEYS[1], KEYS[2], KEYS[3]
local function use() return redis.call('HINCRBY', size, '#', 1) end
local function forget(key)
  local bytes = tonumber(redis.call('HGET', size, key) or '0')
  redis.call('ZREM', lru, key)
  redis.call('HDEL', size, key)
  if bytes > 0 then redis.call('HINCRBY', size, '*', -bytes) end
end
`

/**
 * ARGV: key. The value (touching the key's last use), or nil when absent or
 * expired (an expired key leaves the index).
 *
 * @since 0.1.0
 */
export const get = make<string | null>(`${common}
local value = redis.call('GET', vp .. ARGV[1])
if not value then
  if redis.call('ZSCORE', lru, ARGV[1]) then forget(ARGV[1]) end
  return false
end
redis.call('ZADD', lru, use(), ARGV[1])
return value
`)

/**
 * ARGV: key, value, its UTF-8 bytes, TTL millis (0: none), max entries, max
 * bytes. Stores the value, then drops least recently used keys until both
 * bounds hold; returns them as `['e' | 'x', key, ...]` (evicted, or had
 * expired). A value larger than max bytes is not stored.
 *
 * @since 0.1.0
 */
export const put = make<ReadonlyArray<string>>(`${common}
local key, value, bytes, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local maxEntries, maxBytes = tonumber(ARGV[5]), tonumber(ARGV[6])
forget(key)
if bytes > maxBytes then
  redis.call('DEL', vp .. key)
  return {}
end
if ttl > 0 then redis.call('SET', vp .. key, value, 'PX', ttl) else redis.call('SET', vp .. key, value) end
redis.call('ZADD', lru, use(), key)
redis.call('HSET', size, key, bytes)
redis.call('HINCRBY', size, '*', bytes)
local out = {}
while redis.call('ZCARD', lru) > maxEntries or tonumber(redis.call('HGET', size, '*') or '0') > maxBytes do
  local oldest = redis.call('ZRANGE', lru, 0, 0)[1]
  if oldest == nil or oldest == key then break end
  if redis.call('DEL', vp .. oldest) == 1 then out[#out + 1] = 'e' else out[#out + 1] = 'x' end
  out[#out + 1] = oldest
  forget(oldest)
end
return out
`)

/**
 * ARGV: key.
 *
 * @since 0.1.0
 */
export const remove = make<null>(`${common}
redis.call('DEL', vp .. ARGV[1])
forget(ARGV[1])
return false
`)

/**
 * `[entries, bytes]` in the index (expired keys not yet dropped included).
 *
 * @since 0.1.0
 */
export const size = make<[number, number]>(`${common}
return { redis.call('ZCARD', lru), tonumber(redis.call('HGET', size, '*') or '0') }
`)
