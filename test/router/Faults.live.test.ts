/**
 * The router's fault table (README, "Routing and fallback"): a failing
 * primary and a healthy fallback, each an OpenAI backend on a local fake
 * server. Every row asserts the outcome, the attempts each server saw, the
 * answering model, that the call ended inside its deadline, and for streams
 * that the collected text is exactly one complete answer. Times are small
 * (tens of milliseconds) with wide slack; the timing rules themselves are
 * pinned under TestClock in Timing.test.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Exit, Redacted, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import { ChatChunk, Message, OpenAi } from "../../src/index.ts"
import type * as LlmError from "../../src/LlmError.ts"
import * as Router from "../../src/router/Router.ts"
import * as FakeServer from "../support/FakeServer.ts"
import * as Fixtures from "../support/OpenAiFixtures.ts"

const hi = { messages: [Message.user("Hi")] }
const policy = {
  maxRetries: 5,
  initialRetryDelay: 20,
  maxRetryDelay: 100,
  attemptTimeout: 400,
  firstTokenTimeout: 300,
  idleTimeout: 300,
  minAttemptTime: 50,
  failureThreshold: 50,
  jitter: false
}
const DEADLINE = 5_000

const backend = (server: FakeServer.FakeServer, model: string) =>
  OpenAi.make({ apiKey: Redacted.make("sk-router-000000000000"), baseUrl: `${server.url}/v1`, model, policy }).pipe(
    Effect.provide(FetchHttpClient.layer)
  )

const answer = (text: string, model: string): FakeServer.Action => ({
  kind: "json",
  body: Fixtures.completion({ content: text, model })
})
const streamed = (text: string, model: string): FakeServer.Action => ({
  kind: "chunks",
  chunks: FakeServer.sse([
    { ...Fixtures.chunk({ role: "assistant", content: "" }), model },
    { ...Fixtures.chunk({ content: text }), model },
    { ...Fixtures.chunk({}, "stop"), model },
    { ...Fixtures.usageChunk(5, 3), model }
  ])
})
const isStream = (request: FakeServer.Recorded) => (request.json as { stream?: boolean } | undefined)?.stream === true
const healthy = (request: FakeServer.Recorded) =>
  isStream(request) ? streamed("The fallback's complete answer.", "fallback-model") : answer("The fallback's complete answer.", "fallback-model")

const setup = (primary: FakeServer.Handler, options: Partial<Router.Options> = {}, fallbackHandler: FakeServer.Handler = healthy) =>
  Effect.gen(function*() {
    const first = yield* FakeServer.make(primary)
    const second = yield* FakeServer.make(fallbackHandler)
    const router = yield* Router.make({
      targets: [
        { backend: yield* backend(first, "primary-model"), name: "primary", contextWindow: 8_000 },
        { backend: yield* backend(second, "fallback-model"), name: "fallback", contextWindow: 128_000 }
      ],
      timeout: DEADLINE,
      ...options
    })
    return { first, second, router }
  })

/** Runs `effect` and measures it. */
const timed = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    const exit = yield* Effect.exit(effect)
    return { exit, ms: (yield* Clock.currentTimeMillis) - start }
  })

const ok = <A>(exit: Exit.Exit<A, LlmError.LlmError>): A => {
  if (Exit.isFailure(exit)) throw new Error(`expected success, got ${exit.cause}`)
  return exit.value
}

const collect = (router: Router.Router) =>
  Effect.gen(function*() {
    const chunks = yield* Stream.runCollect(router.stream(hi))
    return { chunks, response: yield* ChatChunk.collect(Stream.fromIterable(chunks)) }
  })

describe("Router fault table (live)", () => {
  it.live("429 on every attempt: at most 2 primary attempts, then the fallback answers", () =>
    Effect.gen(function*() {
      const { first, router, second } = yield* setup(() => ({
        kind: "json",
        status: 429,
        headers: { "retry-after-ms": "30" },
        body: Fixtures.errorBody("slow down", "requests", "rate_limit_exceeded")
      }))
      const { exit, ms } = yield* timed(router.chat(hi))
      const reply = ok(exit)
      assert.strictEqual(reply.model, "fallback-model")
      assert.isAtMost(first.requests.length, 2)
      assert.strictEqual(second.requests.length, 1)
      assert.isBelow(ms, DEADLINE)
      assert.isDefined(reply.usage)
      const stats = yield* router.monitor.stats
      assert.strictEqual(stats.total_requests, 1)
      assert.strictEqual(stats.successful_requests, 1)
    }))

  it.live("500 once: retried on the primary, success from the primary", () =>
    Effect.gen(function*() {
      const { first, router, second } = yield* setup((_, i) =>
        i === 0 ? { kind: "json", status: 500, body: Fixtures.errorBody("oops", "server_error") } : answer("primary ok", "primary-model")
      )
      const reply = ok((yield* timed(router.chat(hi))).exit)
      assert.strictEqual(reply.model, "primary-model")
      assert.strictEqual(first.requests.length, 2)
      assert.strictEqual(second.requests.length, 0)
    }))

  it.live("503 on every attempt: at most 2 primary attempts, then the fallback", () =>
    Effect.gen(function*() {
      const { first, router, second } = yield* setup(() => ({ kind: "json", status: 503, body: Fixtures.errorBody("busy", "server_error") }))
      const { exit, ms } = yield* timed(router.chat(hi))
      assert.strictEqual(ok(exit).model, "fallback-model")
      assert.isAtMost(first.requests.length, 2)
      assert.strictEqual(second.requests.length, 1)
      assert.isBelow(ms, DEADLINE)
    }))

  it.live("connection reset before headers: retried once, then the fallback", () =>
    Effect.gen(function*() {
      const { first, router, second } = yield* setup(() => ({ kind: "reset" }))
      assert.strictEqual(ok((yield* timed(router.chat(hi))).exit).model, "fallback-model")
      assert.strictEqual(first.requests.length, 2)
      assert.strictEqual(second.requests.length, 1)
    }))

  it.live("no response at all: one timeout and at most one retry, then the fallback, well inside the deadline", () =>
    Effect.gen(function*() {
      const { first, router, second } = yield* setup(() => ({ kind: "hang" }))
      const { exit, ms } = yield* timed(router.chat(hi))
      assert.strictEqual(ok(exit).model, "fallback-model")
      assert.isAtMost(first.requests.length, 2)
      assert.strictEqual(second.requests.length, 1)
      assert.isBelow(ms, 2_000)
    }))

  it.live("first token slower than firstTokenTimeout: the fallback answers after at most two timeouts", () =>
    Effect.gen(function*() {
      const { first, router, second } = yield* setup((request) => ({
        kind: "chunks",
        firstDelayMs: 2_000,
        chunks: FakeServer.sse([Fixtures.chunk({ content: "late" }), Fixtures.chunk({}, "stop")]),
        ...(isStream(request) ? {} : {})
      }))
      const { exit, ms } = yield* timed(collect(router))
      const { chunks, response } = ok(exit)
      assert.strictEqual(response.text, "The fallback's complete answer.")
      assert.isFalse(chunks.some((c) => c._tag === "Reset"))
      assert.isAtMost(first.requests.length, 2)
      assert.strictEqual(second.requests.length, 1)
      assert.isBelow(ms, 2_000)
    }))

  for (
    const [row, end] of [
      ["stream cut after some content", { end: "destroy" as const }],
      ["stream stalls after content", { end: "hang" as const }]
    ] as const
  ) {
    it.live(`${row}: Reset, then the fallback's complete answer`, () =>
      Effect.gen(function*() {
        const { first, router, second } = yield* setup(() => ({
          kind: "chunks",
          chunks: FakeServer.sse([Fixtures.chunk({ role: "assistant", content: "" }), Fixtures.chunk({ content: "The prim" })], { done: false }),
          ...end
        }))
        const { exit, ms } = yield* timed(collect(router))
        const { chunks, response } = ok(exit)
        assert.strictEqual(chunks.filter((c) => c._tag === "Reset").length, 1)
        assert.strictEqual(response.text, "The fallback's complete answer.")
        assert.strictEqual(response.model, "fallback-model")
        assert.isDefined(response.usage)
        assert.strictEqual(first.requests.length, 1)
        assert.strictEqual(second.requests.length, 1)
        assert.isBelow(ms, DEADLINE)
      }))
  }

  it.live("malformed event mid-stream: Reset, then the fallback's complete answer", () =>
    Effect.gen(function*() {
      const { router } = yield* setup(() => ({
        kind: "chunks",
        chunks: [...FakeServer.sse([Fixtures.chunk({ content: "The prim" })], { done: false }), "data: {not json\n\n"]
      }))
      const { chunks, response } = ok((yield* timed(collect(router))).exit)
      assert.strictEqual(chunks.filter((c) => c._tag === "Reset").length, 1)
      assert.strictEqual(response.text, "The fallback's complete answer.")
    }))

  it.live("finish chunk but no [DONE]: success from the primary (it is complete)", () =>
    Effect.gen(function*() {
      const { router, second } = yield* setup(() => ({
        kind: "chunks",
        chunks: FakeServer.sse([Fixtures.chunk({ content: "Primary, complete." }), Fixtures.chunk({}, "stop")], { done: false })
      }))
      const { response } = ok((yield* timed(collect(router))).exit)
      assert.strictEqual(response.text, "Primary, complete.")
      assert.strictEqual(second.requests.length, 0)
    }))

  it.live("400 context length exceeded: straight to the target with a larger declared context", () =>
    Effect.gen(function*() {
      const { first, router, second } = yield* setup(() => ({
        kind: "json",
        status: 400,
        body: Fixtures.errorBody("This model's maximum context length is 8192 tokens", "invalid_request_error", "context_length_exceeded")
      }))
      assert.strictEqual(ok((yield* timed(router.chat(hi))).exit).model, "fallback-model")
      assert.strictEqual(first.requests.length, 1)
      assert.strictEqual(second.requests.length, 1)
    }))

  it.live("400 content filter: no fallback, ContentFiltered to the caller after one attempt", () =>
    Effect.gen(function*() {
      const { first, router, second } = yield* setup(() => ({
        kind: "json",
        status: 400,
        body: Fixtures.errorBody("flagged by the content filter", "invalid_request_error", "content_filter")
      }))
      const { exit } = yield* timed(router.chat(hi))
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail")?.error : undefined
      assert.strictEqual(error?.reason._tag, "ContentFiltered")
      assert.strictEqual(first.requests.length, 1)
      assert.strictEqual(second.requests.length, 0)
    }))
})
