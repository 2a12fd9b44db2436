/**
 * The Lua scripts that change shared state in Redis. Each change is one
 * script, so it is atomic: no process reads a value another is about to
 * change. Times come from Redis (`TIME`) or are relative TTLs (`PX`), never
 * from a process's clock. The rules are the pipeline's (`RateLimiter`,
 * `KeyEntry`, `CircuitBreaker`), written once more where the state lives.
 *
 * @since 0.1.0
 */
import * as Redis from "effect/persistence/Redis"

type Keys = ReadonlyArray<string>
type Args = ReadonlyArray<string | number>

const make = <R>(lua: string) =>
  Redis.script((keys: Keys, args: Args) => [...keys, ...args], { lua, numberOfKeys: (keys) => keys.length })
    .withReturnType<R>()

// A bucket's level now, refilled continuously from its last change ('l' at 'at', Redis millis).
const level = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function level(key, cap)
  local v = redis.call('HMGET', key, 'l', 'at')
  local l, at = tonumber(v[1]), tonumber(v[2])
  if l == nil or at == nil then return cap end
  if now > at then l = math.min(cap, l + (now - at) * cap / 60000) end
  return l
end
local function store(key, l)
  redis.call('HSET', key, 'l', tostring(l), 'at', now)
  redis.call('PEXPIRE', key, 120000)
end
`

/**
 * KEYS: per bucket its requests, tokens and hold keys. ARGV: tokens, then per
 * bucket its requests and tokens per minute (0: no limit). Takes one request
 * and the tokens from every bucket, or nothing: `{ waitMs, held }`.
 *
 * @since 0.1.0
 */
export const take = make<[number, number]>(`${level}
local amount = tonumber(ARGV[1])
local n = #KEYS / 3
local wait, levels = 0, {}
for i = 0, n - 1 do
  local wants = { 1, amount }
  for j = 1, 2 do
    local cap = tonumber(ARGV[1 + 2 * i + j])
    if cap > 0 then
      local l = level(KEYS[3 * i + j], cap)
      levels[3 * i + j] = l
      local need = math.min(wants[j], cap) - l
      if need > 0 then wait = math.max(wait, math.ceil(need * 60000 / cap)) end
    end
  end
end
local hold = 0
for i = 0, n - 1 do hold = math.max(hold, redis.call('PTTL', KEYS[3 * i + 3])) end
if hold > wait then return { hold, 1 } end
if wait > 0 then return { wait, 0 } end
for i = 0, n - 1 do
  local wants = { 1, amount }
  for j = 1, 2 do
    local cap = tonumber(ARGV[1 + 2 * i + j])
    if cap > 0 then store(KEYS[3 * i + j], levels[3 * i + j] - math.min(wants[j], cap)) end
  end
end
return { 0, 0 }
`)

/**
 * KEYS: tokens buckets. ARGV: tokens to take (negative: give back), then each
 * bucket's tokens per minute.
 *
 * @since 0.1.0
 */
export const correct = make<null>(`${level}
local delta = tonumber(ARGV[1])
for i = 1, #KEYS do
  local cap = tonumber(ARGV[1 + i])
  if cap > 0 then
    local change = delta
    if change > cap then change = cap end
    store(KEYS[i], math.min(cap, level(KEYS[i], cap) - change))
  end
end
return nil
`)

/**
 * KEYS: requests, tokens, hold. ARGV: requests and tokens per minute, the
 * provider's remaining requests and tokens (-1: not said), hold millis.
 *
 * @since 0.1.0
 */
export const observe = make<null>(`${level}
for j = 1, 2 do
  local cap, left = tonumber(ARGV[j]), tonumber(ARGV[2 + j])
  if cap > 0 and left >= 0 then
    local l = level(KEYS[j], cap)
    if left < l then store(KEYS[j], math.max(0, left)) end
  end
end
local hold = tonumber(ARGV[5])
if hold > 0 and redis.call('PTTL', KEYS[3]) < hold then redis.call('SET', KEYS[3], '1', 'PX', hold) end
return nil
`)

/**
 * KEYS: any. For each: millis left (0: none) and its value.
 *
 * @since 0.1.0
 */
export const holds = make<ReadonlyArray<number | string>>(`
local out = {}
for i = 1, #KEYS do
  local p = redis.call('PTTL', KEYS[i])
  if p > 0 then
    out[#out + 1] = p
    out[#out + 1] = redis.call('GET', KEYS[i])
  else
    out[#out + 1] = 0
    out[#out + 1] = ''
  end
end
return out
`)

// Cools a key until the later of its current end and now + ms; the newest reason and setter win.
const cool = `
local function cool(key, ms, value)
  ms = math.floor(ms)
  if ms <= 0 then return end
  if redis.call('PTTL', key) < ms then redis.call('SET', key, value, 'PX', ms)
  else redis.call('SET', key, value, 'KEEPTTL') end
end
`

/**
 * KEYS: the key's consecutive-limit hash, the (key, model) cooldown. ARGV:
 * model, request id ('' none), Retry-After millis (-1 none), base and max
 * millis, the stored value. One call retrying is one signal: only another
 * call doubles the cooldown.
 *
 * @since 0.1.0
 */
export const rateLimited = make<null>(`${cool}
local field, by = ARGV[1], ARGV[2]
local cons = tonumber(redis.call('HGET', KEYS[1], field) or '0')
if by == '' or redis.call('HGET', KEYS[1], field .. '\\n') ~= by then
  cons = cons + 1
  redis.call('HSET', KEYS[1], field, cons, field .. '\\n', by)
end
redis.call('PEXPIRE', KEYS[1], 3600000)
local ms = tonumber(ARGV[3])
if ms < 0 then ms = math.min(tonumber(ARGV[4]) * 2 ^ (math.max(cons, 1) - 1), tonumber(ARGV[5])) end
cool(KEYS[2], ms, ARGV[6])
return nil
`)

/**
 * KEYS: the key's quota cooldown. ARGV: millis, the stored value.
 *
 * @since 0.1.0
 */
export const quota = make<null>(`${cool}
cool(KEYS[1], tonumber(ARGV[1]), ARGV[2])
return nil
`)

/**
 * KEYS: breaker hash, open marker, probe lease. ARGV: lease millis, lease
 * name. `[0]` closed, `[1, ms]` open, `[2, ms]` another probe holds the
 * lease, `[3, announce]` this call is the probe.
 *
 * @since 0.1.0
 */
export const admit = make<ReadonlyArray<number>>(`
if redis.call('HGET', KEYS[1], 'mode') ~= 'tripped' then return { 0 } end
local open = redis.call('PTTL', KEYS[2])
if open > 0 then return { 1, open } end
local probe = redis.call('PTTL', KEYS[3])
if probe > 0 then return { 2, probe } end
redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[1])
local announced = redis.call('HGET', KEYS[1], 'half')
redis.call('HSET', KEYS[1], 'half', '1')
if announced == '1' then return { 3, 0 } end
return { 3, 1 }
`)

/**
 * KEYS: breaker hash, open marker, probe lease. ARGV: outcome, lease name
 * ('' for a normal call), failure threshold, reset and max reset millis.
 * Returns the change `[from, to]`, or `[]`. A probe whose lease has ended
 * (and may be another's now) changes nothing.
 *
 * @since 0.1.0
 */
export const record = make<ReadonlyArray<string>>(`
local outcome, lease = ARGV[1], ARGV[2]
local healthy = outcome == 'success' or outcome == 'answered'
if lease ~= '' then
  if redis.call('GET', KEYS[3]) ~= lease then return {} end
  redis.call('DEL', KEYS[3])
  if healthy then
    redis.call('HSET', KEYS[1], 'mode', 'closed', 'failures', 0, 'failedProbes', 0, 'half', '0')
    return { 'half_open', 'closed' }
  end
  if outcome == 'unhealthy' then
    local failed = tonumber(redis.call('HGET', KEYS[1], 'failedProbes') or '0') + 1
    local ms = math.min(tonumber(ARGV[4]) * 2 ^ failed, tonumber(ARGV[5]))
    redis.call('HSET', KEYS[1], 'failedProbes', failed, 'half', '0')
    redis.call('SET', KEYS[2], '1', 'PX', math.floor(ms))
    return { 'half_open', 'open' }
  end
  return {}
end
if redis.call('HGET', KEYS[1], 'mode') == 'tripped' then return {} end
if healthy then
  local failures = redis.call('HGET', KEYS[1], 'failures')
  if failures and failures ~= '0' then redis.call('HSET', KEYS[1], 'failures', 0) end
  return {}
end
if outcome == 'unhealthy' then
  if redis.call('HINCRBY', KEYS[1], 'failures', 1) >= tonumber(ARGV[3]) then
    redis.call('HSET', KEYS[1], 'mode', 'tripped', 'failures', 0, 'failedProbes', 0, 'half', '0')
    redis.call('SET', KEYS[2], '1', 'PX', ARGV[4])
    return { 'closed', 'open' }
  end
end
return {}
`)

/**
 * KEYS: breaker hash, open marker, probe lease. `[tripped, failures,
 * failedProbes, open ms, probe ms]`.
 *
 * @since 0.1.0
 */
export const breaker = make<ReadonlyArray<number>>(`
local v = redis.call('HMGET', KEYS[1], 'mode', 'failures', 'failedProbes')
local tripped = 0
if v[1] == 'tripped' then tripped = 1 end
return { tripped, tonumber(v[2] or '0'), tonumber(v[3] or '0'),
  math.max(0, redis.call('PTTL', KEYS[2])), math.max(0, redis.call('PTTL', KEYS[3])) }
`)
