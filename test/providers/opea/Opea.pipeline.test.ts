/**
 * Every OPEA operation (chat, stream, embed, rerank, ChatQnA, ChatQnA
 * stream, health) through the one pipeline against a fake injecting the
 * fault kinds of TESTING.md. Each case asserts the typed outcome, the
 * attempts the server saw, that nothing hung, and the accounting invariant.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Stream } from "effect"
import * as Message from "../../../src/domain/Message.ts"
import type * as LlmError from "../../../src/LlmError.ts"
import type * as Opea from "../../../src/providers/opea/Opea.ts"
import * as FakeServer from "../../support/FakeServer.ts"
import { chunk, errorBody, route, setup } from "./setup.ts"

const fast = {
  maxRetries: 2,
  initialRetryDelay: 20,
  maxRetryDelay: 100,
  attemptTimeout: 300,
  firstTokenTimeout: 300,
  idleTimeout: 200,
  failureThreshold: 3,
  resetTimeout: 300
} as const

const hi = { messages: [Message.user("Hi")] }

interface Op {
  readonly name: string
  readonly run: (services: Opea.Services) => Effect.Effect<unknown, LlmError.LlmError>
  readonly stream: boolean
}

const ops: ReadonlyArray<Op> = [
  { name: "chat", stream: false, run: (s) => s.backend.chat(hi) },
  { name: "stream", stream: true, run: (s) => Stream.runDrain(s.backend.stream(hi)) },
  { name: "embed", stream: false, run: (s) => s.backend.embed("x") },
  { name: "rerank", stream: false, run: (s) => s.reranker.rerank({ query: "q", documents: ["a", "b"] }) },
  { name: "chatqna", stream: false, run: (s) => s.api.chatqna("q") },
  { name: "chatqna stream", stream: true, run: (s) => Stream.runDrain(s.api.chatqnaStream("q")) },
  { name: "health", stream: false, run: (s) => s.api.health() }
]

const outcome = (effect: Effect.Effect<unknown, LlmError.LlmError>) =>
  effect.pipe(
    Effect.timeout("5 seconds"),
    Effect.exit,
    Effect.map((exit) => {
      if (Exit.isSuccess(exit)) return "success"
      const fail = exit.cause.reasons.find((r) => r._tag === "Fail")
      const error = fail?._tag === "Fail" ? fail.error as LlmError.LlmError : undefined
      return error?.reason?._tag ?? `hung or died: ${exit.cause}`
    })
  )

const run = (op: Op, handler: FakeServer.Handler, policy: Opea.Options["policy"] = {}) =>
  Effect.gen(function*() {
    const services = yield* setup(handler, { policy: { ...fast, ...policy } })
    const result = yield* outcome(op.run(services))
    const stats = yield* services.backend.monitor.stats
    assert.strictEqual(stats.total_requests, 1, "the call is accounted once")
    assert.strictEqual(stats.total_requests, stats.successful_requests + stats.failed_requests + stats.interrupted_requests)
    assert.strictEqual(stats.in_flight, 0)
    return { result, sent: services.server.requests.length, services }
  })

const once = (fault: FakeServer.Action): FakeServer.Handler => (request, i) => i === 0 ? fault : route(request, i)

describe("OPEA operations through the pipeline", () => {
  for (const op of ops) {
    describe(op.name, () => {
      it.live("a 500 once is retried and succeeds", () =>
        Effect.gen(function*() {
          const { result, sent } = yield* run(op, once({ kind: "json", status: 500, body: errorBody(50001, "boom") }))
          assert.strictEqual(result, "success")
          assert.strictEqual(sent, 2)
        }))

      it.live("a reset before headers is Network, retried, then succeeds", () =>
        Effect.gen(function*() {
          const { result, sent } = yield* run(op, once({ kind: "reset" }))
          assert.strictEqual(result, "success")
          assert.strictEqual(sent, 2)
        }))

      it.live("a 429 with Retry-After is waited out, then succeeds", () =>
        Effect.gen(function*() {
          const { result, sent, services } = yield* run(op, once({ kind: "json", status: 429, body: { detail: "slow down" }, headers: { "retry-after-ms": "50" } }))
          assert.strictEqual(result, "success")
          assert.strictEqual(sent, 2)
          assert.strictEqual((yield* services.backend.monitor.stats).retried_requests, 1)
        }))

      it.live("a persistent 503 is Overloaded after every attempt", () =>
        Effect.gen(function*() {
          const { result, sent } = yield* run(op, () => ({ kind: "json", status: 503, body: { detail: "loading" } }))
          assert.strictEqual(result, "Overloaded")
          assert.strictEqual(sent, 3)
        }))

      it.live("a 401 is Unauthorized and not retried; a context overflow (40303) neither", () =>
        Effect.gen(function*() {
          const denied = yield* run(op, () => ({ kind: "json", status: 401, body: { detail: "bad token" } }))
          assert.strictEqual(denied.result, "Unauthorized")
          assert.strictEqual(denied.sent, 1)
          const overflow = yield* run(op, () => ({ kind: "json", status: 400, body: errorBody(40303, "too long") }))
          assert.strictEqual(overflow.result, "ContextLengthExceeded")
          assert.strictEqual(overflow.sent, 1)
        }))

      it.live("no answer at all times out per attempt, and every attempt is made", () =>
        Effect.gen(function*() {
          const { result, sent } = yield* run(op, () => ({ kind: "hang" }), { maxRetries: 1 })
          assert.strictEqual(result, "Timeout")
          assert.strictEqual(sent, 2)
        }))
    })
  }

  const streams = ops.filter((op) => op.stream)
  for (const op of streams) {
    describe(`${op.name} faults`, () => {
      const firstFrame = op.name === "stream" ? `data: ${JSON.stringify(chunk("Half"))}\n\n` : "data: b'Half'\n\n"

      it.live("cut after content: StreamTruncated, not retried (a retry would repeat content)", () =>
        Effect.gen(function*() {
          const { result, sent } = yield* run(op, () => ({ kind: "chunks", chunks: [firstFrame], end: "destroy" }))
          assert.oneOf(result, ["StreamTruncated", "Network"])
          assert.strictEqual(sent, 1)
        }))

      it.live("a stall after content is an idle Timeout, not retried", () =>
        Effect.gen(function*() {
          const { result, sent } = yield* run(op, () => ({ kind: "chunks", chunks: [firstFrame], end: "hang" }))
          assert.strictEqual(result, "Timeout")
          assert.strictEqual(sent, 1)
        }))

      it.live("a slow first token is retried, then succeeds", () =>
        Effect.gen(function*() {
          const { result, sent } = yield* run(op, (request, i) =>
            i === 0 ? { kind: "chunks", chunks: [firstFrame], firstDelayMs: 1000 } : route(request, i))
          assert.strictEqual(result, "success")
          assert.strictEqual(sent, 2)
        }))

      it.live("a malformed frame is InvalidResponse", () =>
        Effect.gen(function*() {
          const { result } = yield* run(op, () => ({ kind: "chunks", chunks: ["data: {not json\n\n"] }))
          assert.strictEqual(result, "InvalidResponse")
        }))
    })
  }

  it.live("a flapping service opens the breaker for every operation, and recovers after the reset timeout", () =>
    Effect.gen(function*() {
      let down = true
      const services = yield* setup(
        (request, i) => down ? { kind: "json", status: 500, body: errorBody(50001, "down") } : route(request, i),
        { policy: { ...fast, maxRetries: 0 } }
      )
      for (let i = 0; i < 3; i++) yield* Effect.exit(services.backend.chat(hi))
      const sent = services.server.requests.length
      const rejected = yield* outcome(services.reranker.rerank({ query: "q", documents: ["a"] }))
      assert.strictEqual(rejected, "CircuitOpen")
      assert.strictEqual(services.server.requests.length, sent, "an open breaker sends nothing")
      down = false
      yield* Effect.sleep("350 millis")
      assert.strictEqual(yield* outcome(services.api.chatqna("q")), "success")
      assert.strictEqual(yield* services.backend.monitor.breaker, "closed")
    }))
})
