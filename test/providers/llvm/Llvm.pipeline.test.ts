/**
 * The generic server's operations (infer, batchInfer, modelInfo,
 * listModels, chat and stream over a chat route) through the pipeline
 * against a fake injecting TESTING.md's faults: the typed outcome, the
 * attempts the server saw, no hang, every call accounted once.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Redacted, Stream } from "effect"
import * as Message from "../../../src/domain/Message.ts"
import type * as LlmError from "../../../src/LlmError.ts"
import type * as Llvm from "../../../src/providers/llvm/Llvm.ts"
import type * as FakeServer from "../../support/FakeServer.ts"
import { route, setup } from "./setup.ts"

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

const ops: ReadonlyArray<readonly [string, (s: Llvm.Services) => Effect.Effect<unknown, LlmError.LlmError>]> = [
  ["infer", (s) => s.api.infer("tiny", { text: "x" })],
  ["batchInfer", (s) => s.api.batchInfer("tiny", [1, 2])],
  ["modelInfo", (s) => s.api.modelInfo("tiny")],
  ["listModels", (s) => s.api.listModels()],
  ["chat", (s) => s.backend.chat(hi)],
  ["stream", (s) => Stream.runDrain(s.backend.stream(hi))]
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

const run = (op: (s: Llvm.Services) => Effect.Effect<unknown, LlmError.LlmError>, handler: FakeServer.Handler, policy = {}) =>
  Effect.gen(function*() {
    const services = yield* setup(handler, { routes: { chat: "/v1/chat/completions" }, policy: { ...fast, ...policy } })
    const result = yield* outcome(op(services))
    const stats = yield* services.backend.monitor.stats
    assert.strictEqual(stats.total_requests, 1, "the call is accounted once")
    assert.strictEqual(stats.total_requests, stats.successful_requests + stats.failed_requests + stats.interrupted_requests)
    assert.strictEqual(stats.in_flight, 0)
    return { result, sent: services.server.requests.length }
  })

const once = (fault: FakeServer.Action): FakeServer.Handler => (request, i) => i === 0 ? fault : route(request, i)

describe("LLVM operations through the pipeline", () => {
  for (const [name, op] of ops) {
    describe(name, () => {
      it.live("a 500 once, a reset once, a 429 with Retry-After once: each retried, then success", () =>
        Effect.gen(function*() {
          for (const fault of [
            { kind: "json", status: 500, body: { detail: "boom" } },
            { kind: "reset" },
            { kind: "json", status: 429, body: { detail: "slow" }, headers: { "retry-after-ms": "50" } }
          ] as const satisfies ReadonlyArray<FakeServer.Action>) {
            const { result, sent } = yield* run(op, once(fault))
            assert.strictEqual(result, "success", fault.kind)
            assert.strictEqual(sent, 2, fault.kind)
          }
        }))

      it.live("a persistent 503 is Overloaded after every attempt; a 401 or 404 is not retried", () =>
        Effect.gen(function*() {
          const busy = yield* run(op, () => ({ kind: "json", status: 503, body: { detail: "loading" } }))
          assert.strictEqual(busy.result, "Overloaded")
          assert.strictEqual(busy.sent, 3)
          const denied = yield* run(op, () => ({ kind: "json", status: 401, body: { detail: "no" } }))
          assert.strictEqual(denied.result, "Unauthorized")
          assert.strictEqual(denied.sent, 1)
          const missing = yield* run(op, () => ({ kind: "json", status: 404, body: { detail: "no such model" } }))
          assert.strictEqual(missing.result, "NotFound")
          assert.strictEqual(missing.sent, 1)
        }))

      it.live("no answer times out per attempt; every attempt is made", () =>
        Effect.gen(function*() {
          const { result, sent } = yield* run(op, () => ({ kind: "hang" }), { maxRetries: 1 })
          assert.strictEqual(result, "Timeout")
          assert.strictEqual(sent, 2)
        }))
    })
  }

  it.live("a stream cut after content is not retried", () =>
    Effect.gen(function*() {
      const { result, sent } = yield* run((s) => Stream.runDrain(s.backend.stream(hi)), () => ({
        kind: "chunks",
        chunks: [`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: "Half" } }] })}\n\n`]
      }))
      assert.strictEqual(result, "StreamTruncated")
      assert.strictEqual(sent, 1)
    }))

  const firstFrame = `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: "Half" } }] })}\n\n`
  const streamOp = (s: Llvm.Services) => Stream.runDrain(s.backend.stream(hi))

  it.live("a stream that stalls after content is an idle Timeout, not retried", () =>
    Effect.gen(function*() {
      const { result, sent } = yield* run(streamOp, () => ({ kind: "chunks", chunks: [firstFrame], end: "hang" }))
      assert.strictEqual(result, "Timeout")
      assert.strictEqual(sent, 1)
    }))

  it.live("a slow first token is retried, then the stream succeeds", () =>
    Effect.gen(function*() {
      const { result, sent } = yield* run(streamOp, (request, i) =>
        i === 0 ? { kind: "chunks", chunks: [firstFrame], firstDelayMs: 1000 } : route(request, i))
      assert.strictEqual(result, "success")
      assert.strictEqual(sent, 2)
    }))

  it.live("a malformed frame is InvalidResponse, not retried", () =>
    Effect.gen(function*() {
      const { result, sent } = yield* run(streamOp, () => ({ kind: "chunks", chunks: ["data: {not json\n\n"] }))
      assert.strictEqual(result, "InvalidResponse")
      assert.strictEqual(sent, 1)
    }))

  it.live("a 401 on one key of several: that key is dropped and infer and chat go on with the other", () =>
    Effect.gen(function*() {
      const services = yield* setup(
        (request, i) =>
          request.headers["authorization"] === "Bearer llvm-key-bad"
            ? { kind: "json", status: 401, body: { detail: "bad key" } }
            : route(request, i),
        {
          routes: { chat: "/v1/chat/completions" },
          policy: fast,
          apiKeys: [{ name: "bad", value: Redacted.make("llvm-key-bad") }, { name: "good", value: Redacted.make("llvm-key-good") }]
        }
      )
      for (const [name, op] of [ops[0]!, ops[4]!, ops[0]!, ops[1]!]) {
        assert.strictEqual(yield* outcome(op(services)), "success", name)
      }
      const keys = services.server.requests.map((r) => r.headers["authorization"])
      assert.strictEqual(keys.filter((k) => k === "Bearer llvm-key-bad").length, 1, "the rejected key is not tried again")
      assert.strictEqual(keys.filter((k) => k === "Bearer llvm-key-good").length, 4)
    }))

  it.live("a flapping server opens the breaker for every operation, and recovers after the reset timeout", () =>
    Effect.gen(function*() {
      let down = true
      const services = yield* setup(
        (request, i) => down ? { kind: "json", status: 500, body: { detail: "down" } } : route(request, i),
        { routes: { chat: "/v1/chat/completions" }, policy: { ...fast, maxRetries: 0, circuitBreaker: true } }
      )
      for (let i = 0; i < 3; i++) assert.strictEqual(yield* outcome(ops[0]![1](services)), "ServerError")
      const sent = services.server.requests.length
      assert.strictEqual(yield* outcome(services.backend.chat(hi)), "CircuitOpen")
      assert.strictEqual(services.server.requests.length, sent, "an open breaker sends nothing")
      down = false
      yield* Effect.sleep("350 millis")
      assert.strictEqual(yield* outcome(ops[0]![1](services)), "success")
      assert.strictEqual(yield* services.backend.monitor.breaker, "closed")
    }))
})
