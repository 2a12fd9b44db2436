/**
 * The OpenAI backend through the whole pipeline against a local server that
 * injects each fault kind of TESTING.md. Every test asserts the outcome, the
 * typed reason, how many attempts the server saw, that nothing hung, and the
 * accounting invariant (total = succeeded + failed + interrupted).
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Layer, Redacted, Stream } from "effect"
import { FetchHttpClient, type HttpClient } from "effect/http"
import { UndiciHttpClient } from "../../src/node/index.ts"
import { ChatChunk, Message, OpenAi } from "../../src/index.ts"
import type * as LlmError from "../../src/LlmError.ts"
import type { Service } from "../../src/LlmBackend.ts"
import * as FakeServer from "../support/FakeServer.ts"
import * as Fixtures from "../support/OpenAiFixtures.ts"

const hi = { messages: [Message.user("Hi")] }
const fast = {
  maxRetries: 2,
  initialRetryDelay: 20,
  maxRetryDelay: 100,
  attemptTimeout: 300,
  firstTokenTimeout: 200,
  idleTimeout: 200,
  failureThreshold: 3,
  resetTimeout: 300
} as const

// Every fault is run on effect's fetch client and on our lean undici one
// (built for the test's scope: its agent lives as long as the test).
const transports: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["fetch", FetchHttpClient.layer],
  ["lean undici", UndiciHttpClient.layer]
]

const setupOn = (client: Layer.Layer<HttpClient.HttpClient>) => (handler: FakeServer.Handler, policy: OpenAi.Options["policy"] = {}) =>
  Effect.gen(function*() {
    const server = yield* FakeServer.make(handler)
    const backend = yield* OpenAi.make({
      apiKey: Redacted.make("sk-faults-0000000000"),
      baseUrl: `${server.url}/v1`,
      model: "m",
      policy: { ...fast, ...policy }
    }).pipe(Effect.provideContext(yield* Layer.build(client)))
    return { server, backend }
  })

const ok: FakeServer.Action = { kind: "json", body: Fixtures.completion({ content: "fine" }) }
const streamOk: FakeServer.Action = {
  kind: "chunks",
  chunks: FakeServer.sse([Fixtures.chunk({ content: "fine" }), Fixtures.chunk({}, "stop")])
}
const error = (status: number, body: unknown, headers: Record<string, string> = {}): FakeServer.Action => ({
  kind: "json",
  status,
  body,
  headers
})

/** Runs a call, bounded so a hang fails the test instead of stalling it. */
const outcome = <A>(effect: Effect.Effect<A, LlmError.LlmError>) =>
  effect.pipe(
    Effect.timeout("5 seconds"),
    Effect.exit,
    Effect.map((exit) => {
      if (Exit.isSuccess(exit)) return { tag: "success" as const, error: undefined }
      const fail = exit.cause.reasons.find((r) => r._tag === "Fail")
      const e = fail?._tag === "Fail" ? fail.error as LlmError.LlmError : undefined
      return { tag: e?.reason?._tag ?? `hung or died: ${exit.cause}`, error: e }
    })
  )

const invariant = (backend: Service, calls: number) =>
  Effect.gen(function*() {
    const s = yield* backend.monitor.stats
    assert.strictEqual(s.total_requests, calls, "every call accounted once")
    assert.strictEqual(s.total_requests, s.successful_requests + s.failed_requests + s.interrupted_requests)
    assert.strictEqual(s.in_flight, 0)
    assert.strictEqual(s.queue_depth, 0)
    return s
  })

for (const [transport, client] of transports) describe(`fault injection through the pipeline (${transport})`, () => {
  const setup = setupOn(client)
  it.live("429 with Retry-After seconds waits that long, then succeeds", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup((_, i) =>
        i === 0 ? error(429, Fixtures.errorBody("slow", "requests", "rate_limit_exceeded"), { "retry-after": "1" }) : ok
      )
      const started = Date.now()
      assert.strictEqual((yield* outcome(backend.chat(hi))).tag, "success")
      assert.isAtLeast(Date.now() - started, 950, "waited for Retry-After, not the 20 ms backoff")
      assert.strictEqual(server.requests.length, 2)
      const s = yield* invariant(backend, 1)
      assert.strictEqual(s.retried_requests, 1)
    }))

  it.live("429 with Retry-After as an HTTP date is honoured", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup((_, i) =>
        i === 0
          ? error(429, Fixtures.errorBody("slow", "requests", "rate_limit_exceeded"), { "retry-after": new Date(Date.now() + 1500).toUTCString() })
          : ok
      )
      const started = Date.now()
      assert.strictEqual((yield* outcome(backend.chat(hi))).tag, "success")
      assert.isAtLeast(Date.now() - started, 400)
      assert.strictEqual(server.requests.length, 2)
      yield* invariant(backend, 1)
    }))

  it.live("429 without Retry-After backs off on the schedule and gives up with RateLimited", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(() => error(429, Fixtures.errorBody("slow", "requests", "rate_limit_exceeded")))
      const result = yield* outcome(backend.chat(hi))
      assert.strictEqual(result.tag, "RateLimited")
      assert.strictEqual(result.error?.attempts, 3)
      assert.strictEqual(server.requests.length, 3)
      yield* invariant(backend, 1)
    }))

  it.live("a long Retry-After fails fast instead of sleeping", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(() =>
        error(429, Fixtures.errorBody("slow", "requests", "rate_limit_exceeded"), { "retry-after": "3600" })
      )
      const result = yield* outcome(backend.chat(hi))
      assert.strictEqual(result.tag, "RateLimited")
      assert.deepStrictEqual(result.error?.retryAfter, Duration.seconds(3600))
      assert.strictEqual(server.requests.length, 1)
    }))

  it.live("500 once is retried and succeeds", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup((_, i) => i === 0 ? error(500, Fixtures.errorBody("oops", "server_error")) : ok)
      assert.strictEqual((yield* outcome(backend.chat(hi))).tag, "success")
      assert.strictEqual(server.requests.length, 2)
      yield* invariant(backend, 1)
    }))

  for (const status of [503, 529]) {
    it.live(`${status} persistent fails as Overloaded after every retry, and feeds the breaker`, () =>
      Effect.gen(function*() {
        const { backend, server } = yield* setup(() => error(status, { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }))
        for (let i = 0; i < 3; i++) assert.strictEqual((yield* outcome(backend.chat(hi))).tag, "Overloaded")
        assert.strictEqual(server.requests.length, 9)
        assert.strictEqual((yield* outcome(backend.chat(hi))).tag, "CircuitOpen")
        assert.strictEqual(server.requests.length, 9, "an open breaker sends nothing")
        const s = yield* invariant(backend, 4)
        assert.deepStrictEqual(s.errors_by_type, { Overloaded: 3, CircuitOpen: 1 })
      }))
  }

  it.live("a connection reset before headers is Network and is retried", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup((_, i) => i === 0 ? { kind: "reset" } : ok)
      assert.strictEqual((yield* outcome(backend.chat(hi))).tag, "success")
      assert.strictEqual(server.requests.length, 2)
      yield* invariant(backend, 1)
    }))

  it.live("no response at all times out each attempt, then fails as Timeout(attempt)", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(() => ({ kind: "hang" }))
      const result = yield* outcome(backend.chat(hi))
      assert.strictEqual(result.tag, "Timeout")
      assert.strictEqual(result.error?.reason._tag === "Timeout" ? result.error.reason.phase : "", "attempt")
      // maxRetries is 2, but timeouts have their own budget (maxTimeoutRetries, default 1).
      assert.strictEqual(server.requests.length, 2)
      yield* invariant(backend, 1)
    }))

  it.live("a slow first token times out and the stream is retried before any content", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup((_, i) => i === 0 ? { ...streamOk, kind: "chunks", firstDelayMs: 1000 } as FakeServer.Action : streamOk)
      const reply = yield* ChatChunk.collect(backend.stream(hi)).pipe(Effect.timeout("5 seconds"))
      assert.strictEqual(reply.text, "fine")
      assert.strictEqual(server.requests.length, 2)
      const s = yield* invariant(backend, 1)
      assert.strictEqual(s.retried_requests, 1)
    }))

  it.live("a stream cut mid-answer fails after the content it delivered and is not retried", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(() => ({
        kind: "chunks",
        chunks: FakeServer.sse([Fixtures.chunk({ content: "Half an" })], { done: false }),
        end: "destroy"
      }))
      const seen: Array<string> = []
      const result = yield* outcome(Stream.runForEach(backend.stream(hi), (c) => Effect.sync(() => c._tag === "TextDelta" && seen.push(c.text))))
      assert.strictEqual(result.tag, "Network")
      assert.deepStrictEqual(seen, ["Half an"])
      assert.strictEqual(server.requests.length, 1)
      yield* invariant(backend, 1)
    }))

  it.live("a stream that stalls after content fails with Timeout(idle), not retried", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(() => ({
        kind: "chunks",
        chunks: FakeServer.sse([Fixtures.chunk({ content: "Hal" })], { done: false }),
        end: "hang"
      }))
      const result = yield* outcome(Stream.runDrain(backend.stream(hi)))
      assert.strictEqual(result.tag, "Timeout")
      assert.strictEqual(result.error?.reason._tag === "Timeout" ? result.error.reason.phase : "", "idle")
      assert.strictEqual(server.requests.length, 1)
      yield* invariant(backend, 1)
    }))

  it.live("a malformed chunk is InvalidResponse and is not retried", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(() => ({ kind: "chunks", chunks: ["data: {\"choices\":[{\"delta\":\n\n"] }))
      assert.strictEqual((yield* outcome(Stream.runDrain(backend.stream(hi)))).tag, "InvalidResponse")
      assert.strictEqual(server.requests.length, 1)
      yield* invariant(backend, 1)
    }))

  it.live("a stream missing [DONE] after a finish_reason is a success", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(() => ({
        kind: "chunks",
        chunks: FakeServer.sse([Fixtures.chunk({ content: "fine" }), Fixtures.chunk({}, "stop")], { done: false })
      }))
      assert.strictEqual((yield* outcome(ChatChunk.collect(backend.stream(hi)))).tag, "success")
      assert.strictEqual(server.requests.length, 1)
      yield* invariant(backend, 1)
    }))

  for (
    const [name, action, reason] of [
      ["context length 400", error(400, Fixtures.errorBody("maximum context length is 8192 tokens", "invalid_request_error", "context_length_exceeded")), "ContextLengthExceeded"],
      ["content filter 400", error(400, Fixtures.errorBody("rejected by our safety system", "invalid_request_error", "content_policy_violation")), "ContentFiltered"]
    ] as const
  ) {
    it.live(`${name} fails at once as ${reason}, without retries or breaker trips`, () =>
      Effect.gen(function*() {
        const { backend, server } = yield* setup(() => action)
        for (let i = 0; i < 4; i++) assert.strictEqual((yield* outcome(backend.chat(hi))).tag, reason)
        assert.strictEqual(server.requests.length, 4)
        assert.strictEqual(yield* backend.monitor.breaker, "closed")
        yield* invariant(backend, 4)
      }))
  }

  for (
    const [name, action, reason] of [
      ["401 bad key", error(401, Fixtures.errorBody("Incorrect API key provided", "invalid_request_error", "invalid_api_key")), "Unauthorized"],
      ["quota exhausted", error(429, Fixtures.errorBody("You exceeded your current quota", "insufficient_quota", "insufficient_quota")), "QuotaExhausted"]
    ] as const
  ) {
    it.live(`${name} fails as ${reason}; the only key is then out of use, so later calls are not sent`, () =>
      Effect.gen(function*() {
        const { backend, server } = yield* setup(() => action)
        for (let i = 0; i < 4; i++) assert.strictEqual((yield* outcome(backend.chat(hi))).tag, reason)
        assert.strictEqual(server.requests.length, 1)
        assert.strictEqual(yield* backend.monitor.breaker, "closed")
        const s = yield* invariant(backend, 4)
        assert.strictEqual(s.keys[0]?.state, reason === "Unauthorized" ? "ejected" : "cooling")
      }))
  }

  it.live("a flapping backend: the breaker opens while it is down and closes after a successful probe", () =>
    Effect.gen(function*() {
      let down = true
      const { backend, server } = yield* setup(() => down ? error(502, "<html>Bad Gateway</html>") : ok, { maxRetries: 0 })
      for (let i = 0; i < 3; i++) assert.strictEqual((yield* outcome(backend.chat(hi))).tag, "ServerError")
      assert.strictEqual((yield* outcome(backend.chat(hi))).tag, "CircuitOpen")
      down = false
      yield* Effect.sleep("350 millis")
      assert.strictEqual((yield* outcome(backend.chat(hi))).tag, "success")
      assert.strictEqual(yield* backend.monitor.breaker, "closed")
      assert.strictEqual(server.requests.length, 4)
      const s = yield* invariant(backend, 5)
      assert.strictEqual(s.circuit_breaker_trips, 1)
    }))

  it.live("concurrency never exceeds the limit, as counted by the server", () =>
    Effect.gen(function*() {
      let inFlight = 0
      let peak = 0
      const server = yield* FakeServer.make(() => {
        inFlight++
        peak = Math.max(peak, inFlight)
        return { kind: "chunks", headers: { "content-type": "application/json" }, chunks: [JSON.stringify(Fixtures.completion({}))], firstDelayMs: 30 }
      })
      const backend = yield* OpenAi.make({
        apiKey: Redacted.make("sk-faults-0000000000"),
        baseUrl: `${server.url}/v1`,
        model: "m",
        policy: { maxConcurrentRequests: 4 }
      }).pipe(Effect.provideContext(yield* Layer.build(client)))
      const countDown = Effect.sync(() => {
        inFlight--
      })
      yield* Effect.forEach(Array.from({ length: 24 }), () => Effect.ensuring(backend.chat(hi), countDown), { concurrency: "unbounded" })
      assert.strictEqual(server.requests.length, 24)
      assert.isAtMost(peak, 4)
      assert.isAtLeast(peak, 2, "calls did overlap")
      yield* invariant(backend, 24)
    }))

  it.live("stats match what the server saw", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup((_, i) => i % 3 === 0 ? error(500, Fixtures.errorBody("x", "server_error")) : ok)
      for (let i = 0; i < 6; i++) yield* outcome(backend.chat(hi))
      const s = yield* invariant(backend, 6)
      // Every call made one attempt plus its retries; the server saw exactly those.
      assert.strictEqual(server.requests.length, s.total_requests + s.total_retries)
      assert.strictEqual(s.successful_requests, 6)
      assert.strictEqual(s.tokens_by_model["m"]?.input, 12 * s.successful_requests)
    }))
})
