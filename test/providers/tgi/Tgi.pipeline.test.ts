/**
 * TGI through the whole pipeline, for chat and for the native routes (which
 * are extras on the same pipeline): the fault kinds of TESTING.md, each
 * asserting the attempts the server saw, the reason, and the accounting
 * (every call counted once, nothing lost).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Stream } from "effect"
import * as Message from "../../../src/domain/Message.ts"
import * as Fixtures from "../../support/TgiFixtures.ts"
import { KEY, setup } from "./setup.ts"

const hi = { messages: [Message.user("Hi")] }
const policy = {
  maxRetries: 2,
  initialRetryDelay: 10,
  maxRetryDelay: 50,
  attemptTimeout: 1000,
  firstTokenTimeout: 1000,
  idleTimeout: 300
} as const
// A hang is a test failure, never an outcome to assert on.
const within = <A, E>(effect: Effect.Effect<A, E>) =>
  effect.pipe(Effect.timeoutOrElse({ duration: "10 seconds", orElse: () => Effect.die("the call hung") }))

describe("TGI through the pipeline", () => {
  it.live("a full queue (429 overloaded) is retried as Overloaded, then succeeds; one call counted", () =>
    Effect.gen(function*() {
      const { api, backend, server } = yield* setup(
        (request, i) => i === 0 ? { kind: "json", status: 429, body: Fixtures.error("Model is overloaded", "overloaded") } : Fixtures.route(request, i),
        { policy }
      )
      const reply = yield* within(api.generate({ inputs: "x", details: true }))
      assert.strictEqual(reply.text, "Hello world!")
      assert.strictEqual(server.requests.length, 2)
      const stats = yield* backend.monitor.stats
      assert.deepStrictEqual([stats.total_requests, stats.successful_requests, stats.retried_requests], [1, 1, 1])
      const [recent] = yield* backend.monitor.recent
      assert.deepStrictEqual([recent?.operation, recent?.attempts], ["generate", 2])
    }))

  it.live("persistent 424 generation errors: every attempt made, then ServerError; the breaker counts them", () =>
    Effect.gen(function*() {
      const { api, backend, server } = yield* setup(
        () => ({ kind: "json", status: 424, body: Fixtures.error("Request failed during generation", "generation") }),
        { policy: { ...policy, circuitBreaker: true, failureThreshold: 2 } }
      )
      const error = yield* Effect.flip(within(api.generate({ inputs: "x" })))
      assert.strictEqual(error.reason._tag, "ServerError")
      assert.strictEqual(error.attempts, 3)
      assert.strictEqual(server.requests.length, 3)
      // The breaker hears one outcome per call (not per attempt): a second failed call opens it.
      yield* Effect.flip(within(api.generate({ inputs: "x" })))
      assert.strictEqual(yield* backend.monitor.breaker, "open")
      const rejected = yield* Effect.flip(backend.chat(hi))
      assert.strictEqual(rejected.reason._tag, "CircuitOpen")
      assert.strictEqual(server.requests.length, 6)
      const stats = yield* backend.monitor.stats
      assert.deepStrictEqual([stats.total_requests, stats.failed_requests], [3, 3])
    }))

  it.live("a validation error is not retried", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup(() => ({ kind: "json", status: 422, body: Fixtures.error("Input validation error: bad", "validation") }), { policy })
      assert.strictEqual((yield* Effect.flip(within(api.generate({ inputs: "x" })))).reason._tag, "InvalidRequest")
      assert.strictEqual(server.requests.length, 1)
    }))

  it.live("a connection reset before headers, and a 500 once, are retried and succeed", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(
        (request, i) =>
          i === 0 ? { kind: "reset" } : i === 1 ? { kind: "json", status: 500, body: Fixtures.error("boom", "incomplete_generation") } : Fixtures.route(request, i),
        { policy }
      )
      assert.strictEqual((yield* within(backend.chat(hi))).text, "Hello there.")
      assert.strictEqual(server.requests.length, 3)
    }))

  it.live("no answer at all: each attempt times out, and the call fails with Timeout(attempt) after every attempt", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup(() => ({ kind: "hang" }), { policy: { ...policy, maxRetries: 1, attemptTimeout: 200 } })
      const error = yield* Effect.flip(within(api.info()))
      assert.deepStrictEqual([error.reason._tag, error.reason._tag === "Timeout" ? error.reason.phase : ""], ["Timeout", "attempt"])
      assert.strictEqual(server.requests.length, 2)
    }))

  it.live("a stream that fails before its first token is retried; one cut after tokens is StreamTruncated and not retried", () =>
    Effect.gen(function*() {
      const retried = yield* setup(
        (request, i) => i === 0 ? { kind: "json", status: 503, body: Fixtures.error("unhealthy", "healthcheck") } : Fixtures.route(request, i),
        { policy }
      )
      const events = yield* within(Stream.runCollect(retried.api.generateStream({ inputs: "x" })))
      assert.strictEqual(events.length, 3)
      assert.strictEqual(retried.server.requests.length, 2)

      const cut = yield* setup(() => Fixtures.sse([Fixtures.tokenEvent(1, "Half")], { end: "destroy" }), { policy })
      const seen: Array<string> = []
      const error = yield* Effect.flip(within(Stream.runForEach(cut.api.generateStream({ inputs: "x" }), (e) => Effect.sync(() => seen.push(e.token.text)))))
      assert.include(["StreamTruncated", "Network"], error.reason._tag)
      assert.deepStrictEqual(seen, ["Half"])
      assert.strictEqual(cut.server.requests.length, 1, "a token was delivered: a retry would repeat it")
      const stats = yield* cut.backend.monitor.stats
      assert.deepStrictEqual([stats.total_requests, stats.failed_requests], [1, 1])
    }))

  it.live("a stalled stream after a token fails with Timeout(idle), not a hang", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup(() => Fixtures.sse([Fixtures.tokenEvent(1, "a")], { end: "hang" }), { policy })
      const error = yield* Effect.flip(within(Stream.runDrain(api.generateStream({ inputs: "x" }))))
      assert.deepStrictEqual([error.reason._tag, error.reason._tag === "Timeout" ? error.reason.phase : ""], ["Timeout", "idle"])
      assert.strictEqual(server.requests.length, 1)
    }))

  it.live("a slow first token past firstTokenTimeout is retried, then succeeds", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup(
        (request, i) => i === 0 ? Fixtures.sse([Fixtures.finalEvent(1, "a", "a")], { firstDelayMs: 2000 }) : Fixtures.route(request, i),
        { policy: { ...policy, firstTokenTimeout: 200 } }
      )
      const events = yield* within(Stream.runCollect(api.generateStream({ inputs: "x" })))
      assert.strictEqual(events.at(-1)?._tag, "Final")
      assert.strictEqual(server.requests.length, 2)
    }))

  it.live("on the router a 429 with Retry-After is RateLimited, waited out and retried", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(
        (request, i) =>
          i === 0 ? { kind: "json", status: 429, headers: { "retry-after": "1" }, body: { error: "Rate limit reached" } } : Fixtures.route(request, i),
        { target: "router", apiKey: Redacted.make(KEY), model: "m/x", policy }
      )
      const start = Date.now()
      assert.strictEqual((yield* within(backend.chat(hi))).text, "Hello there.")
      assert.strictEqual(server.requests.length, 2)
      assert.isAtLeast(Date.now() - start, 900, "the server's Retry-After was honoured")
      const stats = yield* backend.monitor.stats
      assert.deepStrictEqual(stats.errors_by_type, {})
    }))

  it.live("a flapping server (down, then up): the call rides it out", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(
        (request, i) => i < 2 ? { kind: "json", status: 503, body: Fixtures.error("unhealthy", "healthcheck") } : Fixtures.route(request, i),
        { policy }
      )
      assert.strictEqual((yield* within(backend.chat(hi))).text, "Hello there.")
      assert.strictEqual(server.requests.length, 3)
    }))

  it.live("a 401 on one key of several: that key is dropped and chat and generate go on with the other", () =>
    Effect.gen(function*() {
      const { api, backend, server } = yield* setup(
        (request, i) =>
          request.headers["authorization"] === "Bearer hf_tgiBadToken"
            ? { kind: "json", status: 401, body: Fixtures.error("Authorization header is invalid", "authentication") }
            : Fixtures.route(request, i),
        {
          policy,
          apiKeys: [{ name: "bad", value: Redacted.make("hf_tgiBadToken") }, { name: "good", value: Redacted.make("hf_tgiGoodToken") }]
        }
      )
      yield* within(api.generate({ inputs: "x" }))
      yield* within(backend.chat(hi))
      yield* within(api.generate({ inputs: "y" }))
      yield* within(backend.chat(hi))
      const keys = server.requests.map((r) => r.headers["authorization"])
      assert.strictEqual(keys.filter((k) => k === "Bearer hf_tgiBadToken").length, 1, "the rejected key is not tried again")
      assert.strictEqual(keys.filter((k) => k === "Bearer hf_tgiGoodToken").length, 4)
      const stats = yield* backend.monitor.stats
      assert.deepStrictEqual([stats.total_requests, stats.successful_requests, stats.failed_requests], [4, 4, 0])
    }))
})
