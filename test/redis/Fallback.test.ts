/**
 * In one process, against a real `redis-server`: Redis down at startup, killed
 * between calls, or frozen (operations time out) never fails a call; the
 * stats say `fallback`, the fallback metric counts the outage, and sharing
 * resumes when Redis is back. `monitor.reset` ends the shared ejections, so
 * another process (here another backend on the same prefix) uses the key again.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Metric, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { afterAll, beforeAll } from "vitest"
import * as Message from "../../src/domain/Message.ts"
import * as OpenAi from "../../src/providers/openai/OpenAi.ts"
import * as Connection from "../../src/redis/Connection.ts"
import * as RedisState from "../../src/redis/RedisState.ts"
import * as FakeServer from "../support/FakeServer.ts"
import * as Fixtures from "../support/OpenAiFixtures.ts"
import * as RedisServer from "./support/RedisServer.ts"
import * as Scoped from "./support/Scoped.ts"

const hi = { messages: [Message.user("hi")] }
const ok: FakeServer.Handler = () => ({ kind: "json", body: Fixtures.completion({}) })
const fallbacks = Effect.map(Metric.value(Connection.metrics.fallbacks), (state) => state.count)
const available = Effect.map(Metric.value(Connection.metrics.available), (state) => state.value)

// A backend sharing through Redis at `url`, the shared state built into the test's scope.
const backend = (
  server: FakeServer.FakeServer,
  url: string,
  prefix: string,
  extra: { readonly keys?: ReadonlyArray<string>; readonly timeoutMs?: number } = {}
) =>
  Effect.gen(function*() {
    const shared = yield* Layer.build(
      RedisState.layer({ redis: { url }, prefix, timeout: extra.timeoutMs ?? 1_000, retryInterval: 100 })
    )
    return yield* OpenAi.make({
      ...(extra.keys === undefined
        ? { apiKey: Redacted.make("sk-one") }
        : { apiKeys: extra.keys.map((name) => ({ name, value: Redacted.make(`sk-${name}`) })) }),
      baseUrl: `${server.url}/v1`,
      model: "m",
      policy: { maxRetries: 2, initialRetryDelay: "5 millis", jitter: false }
    }).pipe(Effect.provide(Layer.mergeAll(FetchHttpClient.layer, Layer.succeedContext(shared))))
  })

const mode = (b: { readonly monitor: { readonly stats: Effect.Effect<{ readonly shared_state: string }> } }) =>
  Effect.map(b.monitor.stats, (s) => s.shared_state)

const until = (check: Effect.Effect<boolean>, ms: number) =>
  Effect.gen(function*() {
    const deadline = Date.now() + ms
    while (!(yield* check) && Date.now() < deadline) yield* Scoped.sleep(50)
    return yield* check
  })

describe.skipIf(RedisServer.skipReason !== undefined)(`shared state falls back, in one process${RedisServer.skipReason === undefined ? "" : ` (skipped: ${RedisServer.skipReason})`}`, () => {
  let redis: RedisServer.RedisServer
  beforeAll(async () => {
    redis = await RedisServer.start()
  }, 20_000)
  afterAll(async () => {
    await redis?.stop()
  })

  it.live("Redis down at startup: the layer builds, calls succeed on in-memory state, the metric counts it", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(ok)
      const port = yield* Effect.promise(() => RedisServer.freePort())
      const before = yield* fallbacks
      const b = yield* backend(server, `redis://127.0.0.1:${port}`, "down")
      for (let i = 0; i < 3; i++) yield* b.chat(hi)
      assert.strictEqual(server.requests.length, 3)
      assert.strictEqual(yield* mode(b), "fallback")
      assert.strictEqual((yield* fallbacks) - before, 1)
      assert.strictEqual(yield* available, 0)
    }))

  it.live("Redis killed between calls: the next call succeeds on local state; back to shared after a restart", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(ok)
      const b = yield* backend(server, redis.url, "killed")
      yield* b.chat(hi)
      assert.strictEqual(yield* mode(b), "shared")
      const before = yield* fallbacks
      yield* Effect.promise(() => redis.kill())
      for (let i = 0; i < 3; i++) yield* b.chat(hi)
      assert.strictEqual(yield* mode(b), "fallback")
      assert.strictEqual((yield* fallbacks) - before, 1)
      yield* Effect.promise(() => redis.start())
      assert.isTrue(yield* until(Effect.map(mode(b), (m) => m === "shared"), 10_000))
      assert.strictEqual(yield* available, 1)
      yield* b.chat(hi)
      assert.strictEqual(server.requests.length, 5)
    }), 30_000)

  it.live("Redis frozen mid-call: the operation times out, the call succeeds, one fallback; shared again when it answers", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(ok)
      const b = yield* backend(server, redis.url, "frozen", { timeoutMs: 200 })
      yield* b.chat(hi)
      const before = yield* fallbacks
      redis.pause()
      const started = Date.now()
      const reply = yield* Effect.ensuring(b.chat(hi), Effect.sync(() => redis.resume()))
      assert.isString(reply.text)
      assert.strictEqual(server.requests.length, 2)
      // One timed-out operation, then no call waits on Redis while it is down.
      assert.isBelow(Date.now() - started, 2_000)
      assert.strictEqual((yield* fallbacks) - before, 1)
      assert.isTrue(yield* until(Effect.map(mode(b), (m) => m === "shared"), 10_000))
    }), 30_000)

  it.live("monitor.reset ends the shared ejection: another backend on the prefix uses the key again", () =>
    Effect.gen(function*() {
      let revoked = true
      const server = yield* FakeServer.make((request) =>
        revoked && request.headers["authorization"] === "Bearer sk-bad"
          ? { kind: "json", status: 401, body: Fixtures.errorBody("bad key", "invalid_request_error", "invalid_api_key") }
          : ok(request, 0)
      )
      const raw = yield* Scoped.client(redis.url)
      const keys = ["bad", "good"]
      const a = yield* backend(server, redis.url, "reset", { keys })
      const b = yield* backend(server, redis.url, "reset", { keys })
      for (let i = 0; i < 2; i++) yield* a.chat(hi)
      const bad = () => server.requests.filter((r) => r.headers["authorization"] === "Bearer sk-bad").length
      assert.strictEqual(bad(), 1)
      assert.strictEqual(yield* Effect.promise(() => raw.exists("reset:openai:key:bad:eject")), 1)
      for (let i = 0; i < 4; i++) yield* b.chat(hi)
      assert.strictEqual(bad(), 1)
      revoked = false
      yield* a.monitor.reset
      assert.strictEqual(yield* Effect.promise(() => raw.exists("reset:openai:key:bad:eject")), 0)
      for (let i = 0; i < 4; i++) yield* b.chat(hi)
      assert.isAtLeast(bad(), 2)
      const stats = yield* b.monitor.stats
      assert.strictEqual(stats.keys.find((k) => k.name === "bad")!.state, "active")
    }), 30_000)
})
