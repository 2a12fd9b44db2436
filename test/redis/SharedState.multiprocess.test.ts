/**
 * Shared state across real processes: four workers (child processes) share
 * one Redis started here, against one fake server that records arrivals.
 * Everything runs in this one file (one vitest worker), sequentially, with
 * bounded timeouts: the machine has two cores.
 */
import { createClient } from "redis"
import { afterAll, afterEach, assert, beforeAll, describe, it } from "vitest"
import * as Harness from "./support/Harness.ts"
import * as RedisServer from "./support/RedisServer.ts"

const N = 4
let redis: RedisServer.RedisServer
let server: Harness.Server
let suite = 0
const spawned: Array<Harness.Worker> = []

const setup = (keys: ReadonlyArray<string>, policy: Record<string, unknown>, extra: Record<string, unknown> = {}, offsets?: ReadonlyArray<number>) => {
  // Four processes starting on two shared cores: the 50 ms default would time out spuriously here.
  server.arrivals.length = 0
  server.answer = () => ({})
  return Harness.workers(N, { serverUrl: server.url, redisUrl: redis.url, prefix: `t${suite++}`, keys, policy, timeoutMs: 1_000, ...extra }, offsets)
    .then((ws) => {
      spawned.push(...ws)
      return ws
    })
}
const all = <A>(ws: ReadonlyArray<Harness.Worker>, f: (w: Harness.Worker) => Promise<A>) => Promise.all(ws.map(f))
const done = (ws: ReadonlyArray<Harness.Worker>) => Promise.all(ws.map((w) => w.exit().catch(() => undefined)))
const oks = (results: ReadonlyArray<ReadonlyArray<{ readonly ok: boolean }>>) => results.flat().filter((r) => r.ok).length

describe.skipIf(RedisServer.skipReason !== undefined)(`shared state on Redis${RedisServer.skipReason === undefined ? "" : ` (skipped: ${RedisServer.skipReason})`}`, () => {
  beforeAll(async () => {
    redis = await RedisServer.start()
    server = await Harness.server()
  }, 20_000)
  // A failed test leaves no process behind.
  afterEach(() => {
    for (const w of spawned.splice(0)) w.kill()
  })
  afterAll(async () => {
    await server?.close()
    await redis?.stop()
  })

  it("four processes share one requestsPerMinute limit (one with its clock an hour ahead, one behind)", async () => {
    const ws = await setup(["k1"], { requestsPerMinute: 30, retryAfterCap: "3 seconds", deadline: "4 seconds", maxRetries: 0, circuitBreaker: false }, {}, [0, 3_600_000, 0, -5_000])
    const start = Date.now()
    const results = await all(ws, (w) => w.chat({ count: 20, concurrency: 4 }))
    const elapsed = Date.now() - start
    const times = server.arrivals.map((a) => a.at)
    // A bucket of 30 refilling 0.5 a second: never more than 30 + what refilled in any window.
    assert.isAtMost(Harness.maxInWindow(times, 60_000), 30 + Math.ceil(elapsed / 2_000) + 1)
    assert.isAtMost(Harness.maxInWindow(times, 1_000), 30)
    assert.isAtLeast(times.length, 30)
    assert.strictEqual(oks(results), times.length)
    assert.isTrue(results.flat().filter((r) => !r.ok).every((r) => r.reason === "RateLimited" || r.reason === "Timeout"))
    await done(ws)
  }, 60_000)

  it("four processes share one tokensPerMinute limit", async () => {
    const ws = await setup(["k1"], { tokensPerMinute: 2_000, retryAfterCap: "2 seconds", maxRetries: 0, circuitBreaker: false })
    server.answer = () => ({ totalTokens: 200 })
    const start = Date.now()
    const results = await all(ws, (w) => w.chat({ count: 10, concurrency: 2, maxTokens: 190 }))
    const elapsed = Date.now() - start
    // Each call costs at least 190 tokens before it is sent and 200 once corrected.
    const bound = Math.floor((2_000 + elapsed * 2_000 / 60_000) / 190) + 1
    assert.isAtMost(server.arrivals.length, bound)
    assert.isAtLeast(server.arrivals.length, 5)
    assert.strictEqual(oks(results), server.arrivals.length)
    await done(ws)
  }, 60_000)

  it("a 429 with Retry-After seen by one process cools the key for that model in all", async () => {
    const ws = await setup(["k1"], { maxRetries: 0, retryAfterCap: "2 seconds", circuitBreaker: false })
    server.answer = (arrival) =>
      arrival.model === "limited" && server.arrivals.filter((a) => a.model === "limited").length === 1
        ? { status: 429, headers: { "retry-after": "5" } }
        : {}
    const first = await ws[0]!.chat({ model: "limited" })
    assert.strictEqual(first[0]!.reason, "RateLimited")
    const results = await all(ws, async (w) => [...await w.chat({ model: "limited", count: 3 }), ...await w.chat({ model: "other", count: 3 })])
    assert.strictEqual(server.arrivals.filter((a) => a.model === "limited").length, 1)
    assert.strictEqual(server.arrivals.filter((a) => a.model === "other").length, 3 * N)
    const limited = results.flatMap((r) => r.slice(0, 3))
    assert.isTrue(limited.every((r) => r.reason === "RateLimited" && r.retryAfterMs! > 3_000), JSON.stringify(limited))
    await done(ws)
  }, 60_000)

  it("a 401 seen by one process ejects the key in all", async () => {
    const ws = await setup(["bad", "good"], { maxRetries: 2, initialRetryDelay: "10 millis", circuitBreaker: false })
    server.answer = (arrival) => arrival.key === "bad" ? { status: 401 } : {}
    await ws[0]!.chat({ count: 2 })
    assert.strictEqual(server.arrivals.filter((a) => a.key === "bad").length, 1)
    const results = await all(ws, (w) => w.chat({ count: 4 }))
    assert.strictEqual(oks(results), 4 * N)
    assert.strictEqual(server.arrivals.filter((a) => a.key === "bad").length, 1)
    const stats = await ws[2]!.stats()
    assert.strictEqual(stats.keys.find((k: { name: string }) => k.name === "bad").state, "ejected")
    await done(ws)
  }, 60_000)

  it("breaker: failures from different processes add up to one trip; at half open exactly one probe goes out", async () => {
    const ws = await setup(["k1"], { maxRetries: 0, failureThreshold: N, resetTimeout: "1 second", maxResetTimeout: "1 second" })
    server.answer = () => ({ status: 500 })
    await all(ws, (w) => w.chat({}))
    assert.strictEqual(server.arrivals.length, N)
    const rejected = await all(ws, (w) => w.chat({ count: 2 }))
    assert.strictEqual(server.arrivals.length, N)
    assert.isTrue(rejected.flat().every((r) => r.reason === "CircuitOpen"))
    assert.strictEqual((await ws[1]!.stats()).circuit_breaker_state, "open")
    await Harness.sleep(1_200)
    server.answer = () => ({ delayMs: 500 })
    const probing = await all(ws, (w) => w.chat({ count: 3, concurrency: 3 }))
    assert.strictEqual(server.arrivals.length, N + 1)
    assert.strictEqual(oks(probing), 1)
    server.answer = () => ({})
    assert.strictEqual(oks(await all(ws, (w) => w.chat({ count: 2 }))), 2 * N)
    await done(ws)
  }, 60_000)

  it("a prober killed mid-probe frees the lease after its TTL (1 s attempt timeout, 2 s lease)", async () => {
    const ws = await setup(["k1"], {
      maxRetries: 0,
      failureThreshold: 1,
      resetTimeout: "500 millis",
      maxResetTimeout: "500 millis",
      attemptTimeout: "1 second",
      probeLease: "2 seconds"
    })
    server.answer = () => ({ status: 500 })
    await ws[0]!.chat({})
    await Harness.sleep(700)
    server.answer = () => ({ hang: true })
    void ws[1]!.chat({}).catch(() => undefined)
    while (server.arrivals.length < 2) await Harness.sleep(10)
    const probeAt = Date.now()
    ws[1]!.kill()
    server.answer = () => ({})
    const busy = await ws[0]!.chat({})
    assert.strictEqual(busy[0]!.reason, "CircuitOpen")
    let freedAt: number | undefined
    while (freedAt === undefined && Date.now() - probeAt < 5_000) {
      const [r] = await ws[2]!.chat({})
      if (r!.ok) freedAt = Date.now()
      else await Harness.sleep(100)
    }
    assert.isDefined(freedAt)
    assert.isAtLeast(freedAt! - probeAt, 1_700)
    assert.isAtMost(freedAt! - probeAt, 3_500)
    assert.strictEqual(server.arrivals.length, 3)
    await done(ws.filter((_, i) => i !== 1))
  }, 60_000)

  it("Redis killed mid-run: calls go on with local state, the snapshot says so, sharing resumes after a restart", async () => {
    const ws = await setup(["k1"], { maxRetries: 0, requestsPerMinute: 100_000 }, { retryIntervalMs: 300 })
    assert.strictEqual(oks(await all(ws, (w) => w.chat({ count: 5 }))), 5 * N)
    assert.deepStrictEqual((await all(ws, (w) => w.stats())).map((s) => s.shared_state), Array(N).fill("shared"))
    await redis.kill()
    assert.strictEqual(oks(await all(ws, (w) => w.chat({ count: 5 }))), 5 * N)
    assert.deepStrictEqual((await all(ws, (w) => w.stats())).map((s) => s.shared_state), Array(N).fill("fallback"))
    await redis.start()
    const deadline = Date.now() + 10_000
    let modes: Array<string> = []
    while (Date.now() < deadline) {
      modes = (await all(ws, (w) => w.stats())).map((s) => s.shared_state)
      if (modes.every((m) => m === "shared")) break
      await Harness.sleep(200)
    }
    assert.deepStrictEqual(modes, Array(N).fill("shared"))
    assert.strictEqual(oks(await all(ws, (w) => w.chat({ count: 2 }))), 2 * N)
    const client = createClient({ url: redis.url })
    await client.connect()
    const at = await client.hGet(`t${suite - 1}:openai:rl:backend:req`, "at")
    await client.close()
    // The restarted Redis started empty: the bucket in it now was written by calls after the restart.
    assert.isString(at)
    await done(ws)
  }, 60_000)

  // `npm run soak:redis` runs the larger soak (SOAK_CALLS per process).
  const calls = Number(process.env["SOAK_CALLS"] ?? 500)
  it(`soak: 4 processes x ${calls} calls with faults, exact accounting per process and in total`, async () => {
    const ws = await setup(["k1"], {
      maxRetries: 2,
      initialRetryDelay: "5 millis",
      maxRetryDelay: "10 millis",
      failureThreshold: 1_000,
      requestsPerMinute: 1_000_000,
      maxConcurrentRequests: 8
    })
    let seed = 7
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31
    server.answer = () => {
      const roll = random()
      return roll < 0.1 ? { status: 500 } : roll < 0.15 ? { status: 503, delayMs: 5 } : {}
    }
    const results = await all(ws, (w) => w.chat({ count: calls, concurrency: 8 }))
    const stats = await all(ws, (w) => w.stats())
    for (let i = 0; i < N; i++) {
      const s = stats[i]!
      assert.strictEqual(results[i]!.length, calls)
      assert.strictEqual(s.total_requests, calls)
      assert.strictEqual(s.successful_requests + s.failed_requests + s.interrupted_requests, calls)
      assert.strictEqual(s.successful_requests, results[i]!.filter((r) => r.ok).length)
      assert.strictEqual(s.shared_state, "shared")
    }
    const started = stats.reduce((n, s) => n + s.attempts_started, 0)
    assert.strictEqual(server.arrivals.length, started)
    assert.strictEqual(oks(results), stats.reduce((n, s) => n + s.successful_requests, 0))
    await done(ws)
  }, Math.max(120_000, calls * 200))
})
