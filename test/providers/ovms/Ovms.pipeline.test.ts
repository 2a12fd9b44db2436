/**
 * The OVMS services through the whole pipeline (retries and breaker on)
 * against a fake that injects the fault kinds of TESTING.md, for chat,
 * stream, embed, tensor infer and rerank alike. Each case asserts the
 * outcome or typed reason, the attempts the server saw, that nothing hung,
 * and the accounting (every call counted once; nothing in flight after).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Redacted, Stream } from "effect"
import * as Message from "../../../src/domain/Message.ts"
import type * as LlmError from "../../../src/LlmError.ts"
import type * as Ovms from "../../../src/providers/ovms/Ovms.ts"
import * as Tensor from "../../../src/providers/ovms/Tensor.ts"
import * as FakeServer from "../../support/FakeServer.ts"
import * as Fixtures from "./fixtures.ts"
import { route, setup } from "./setup.ts"

const policy = {
  maxRetries: 2,
  initialRetryDelay: 20,
  maxRetryDelay: 100,
  attemptTimeout: 300,
  firstTokenTimeout: 300,
  idleTimeout: 300,
  failureThreshold: 50
} as const

const hi = { messages: [Message.user("Hi")] }

interface Operation {
  readonly name: string
  readonly path: string
  readonly run: (services: Ovms.Services) => Effect.Effect<unknown, LlmError.LlmError>
}

const operations: ReadonlyArray<Operation> = [
  { name: "chat", path: "/v3/chat/completions", run: (s) => s.backend.chat(hi) },
  { name: "stream", path: "/v3/chat/completions", run: (s) => Stream.runCollect(s.backend.stream(hi)) },
  { name: "embed", path: "/v3/embeddings", run: (s) => s.backend.embed("a") },
  { name: "infer", path: "/v2/models/m/infer", run: (s) => s.api.infer("m", { inputs: [Tensor.make("x", "INT64", [2], [1, 2])] }) },
  { name: "rerank", path: "/v3/rerank", run: (s) => s.reranker.rerank({ query: "q", documents: ["a", "b"] }) }
]

const kserve = (status: number, error: string, headers: Record<string, string> = {}): FakeServer.Action => ({
  kind: "json",
  status,
  body: { error },
  headers
})

// [fault, the server's script before it behaves, expected outcome, attempts the server sees]
const faults: ReadonlyArray<readonly [string, ReadonlyArray<FakeServer.Action>, string, number]> = [
  ["429 without Retry-After, then fine", [kserve(429, "too many requests")], "success", 2],
  ["500 once, then fine", [kserve(500, "internal")], "success", 2],
  ["503 persistent", [kserve(503, "busy"), kserve(503, "busy"), kserve(503, "busy")], "Overloaded", 3],
  ["529 persistent", [kserve(529, "overloaded"), kserve(529, "overloaded"), kserve(529, "overloaded")], "Overloaded", 3],
  ["connection reset before headers, then fine", [{ kind: "reset" }], "success", 2],
  // Timeouts have their own retry budget (maxTimeoutRetries, default 1): two attempts, not three.
  ["no response at all", [{ kind: "hang" }, { kind: "hang" }, { kind: "hang" }], "Timeout", 2],
  ["a flapping backend: down, down, up", [kserve(502, "bad gateway"), { kind: "reset" }], "success", 3],
  ["400 invalid input (not retried)", [kserve(400, "Invalid input")], "InvalidRequest", 1],
  ["404 unknown model (not retried)", [kserve(404, "Model with requested name is not found")], "NotFound", 1],
  ["context length 400 (not retried)", [kserve(400, "prompt is too long for the model's maximum context length")], "ContextLengthExceeded", 1],
  ["content filter 400 (not retried)", [kserve(400, "the request was flagged by the content policy")], "ContentFiltered", 1],
  ["quota exhausted (not retried)", [{ kind: "json", status: 429, body: { error: { message: "no", type: "insufficient_quota" } } }], "QuotaExhausted", 1]
]

const outcome = <A>(effect: Effect.Effect<A, LlmError.LlmError>) =>
  effect.pipe(
    Effect.timeout("10 seconds"),
    Effect.exit,
    Effect.map((exit) => {
      if (Exit.isSuccess(exit)) return "success"
      const fail = exit.cause.reasons.find((r) => r._tag === "Fail")
      return fail?._tag === "Fail" ? (fail.error as LlmError.LlmError).reason?._tag ?? `not an LlmError: ${fail.error}` : `hung or died`
    })
  )

const accounted = (services: Ovms.Services, calls: number) =>
  Effect.gen(function*() {
    const stats = yield* services.backend.monitor.stats
    assert.strictEqual(stats.total_requests, calls, "every call counted once")
    assert.strictEqual(stats.total_requests, stats.successful_requests + stats.failed_requests + stats.interrupted_requests)
    assert.strictEqual(stats.in_flight, 0)
    assert.strictEqual(stats.queue_depth, 0)
  })

describe("OVMS through the pipeline", () => {
  for (const operation of operations) {
    it.live(`${operation.name}: every fault kind ends with the right reason and attempts, nothing lost`, () =>
      Effect.gen(function*() {
        for (const [fault, script, expected, attempts] of faults) {
          const { server, ...services } = yield* setup((request, i) => script[i] ?? route(request, i), { policy })
          const got = yield* outcome(operation.run(services))
          assert.strictEqual(got, expected, `${operation.name}, ${fault}`)
          assert.strictEqual(server.requests.length, attempts, `${operation.name}, ${fault}: attempts`)
          for (const request of server.requests) assert.strictEqual(request.url, operation.path)
          yield* accounted(services, 1)
        }
      }), 60_000)
  }

  it.live("429 with Retry-After (seconds, then an HTTP date) waits and succeeds (tensor infer)", () =>
    Effect.gen(function*() {
      const date = new Date(Date.now() + 1000).toUTCString()
      const script = [kserve(429, "slow down", { "retry-after": "1" }), kserve(429, "slow down", { "retry-after": date })]
      const { server, ...services } = yield* setup((request, i) => script[i] ?? route(request, i), { policy: { ...policy, maxRetries: 3 } })
      const started = Date.now()
      assert.strictEqual(yield* outcome(operations[3]!.run(services)), "success")
      assert.isAtLeast(Date.now() - started, 900, "the server's wait was honoured")
      assert.strictEqual(server.requests.length, 3)
      yield* accounted(services, 1)
    }), 20_000)

  it.live("streams: retried before content, never after it", () =>
    Effect.gen(function*() {
      const frames = FakeServer.sse(Fixtures.streamFrames(["Half ", "an ", "answer"]))
      const cases: ReadonlyArray<readonly [string, FakeServer.Action, string, number]> = [
        ["slow first token", { kind: "chunks", chunks: frames, firstDelayMs: 1000 }, "success", 2],
        ["cut after content", { kind: "chunks", chunks: frames.slice(0, 2), end: "close" }, "StreamTruncated", 1],
        ["connection dropped after content", { kind: "chunks", chunks: frames.slice(0, 2), end: "destroy" }, "Network", 1],
        ["stall after content", { kind: "chunks", chunks: frames.slice(0, 2), end: "hang" }, "Timeout", 1],
        ["malformed chunk", { kind: "chunks", chunks: [frames[0]!, "data: {\"choices\":[{\"delta\":\n\n"] }, "InvalidResponse", 1],
        ["missing [DONE] after finish", { kind: "chunks", chunks: frames.slice(0, -1) }, "success", 1]
      ]
      for (const [fault, first, expected, attempts] of cases) {
        const { server, ...services } = yield* setup((request, i) => i === 0 ? first : route(request, i), { policy })
        assert.strictEqual(yield* outcome(operations[1]!.run(services)), expected, fault)
        assert.strictEqual(server.requests.length, attempts, `${fault}: attempts`)
        yield* accounted(services, 1)
      }
    }), 30_000)

  it.live("a 401 on one key of several: that key is dropped and infer, rerank and chat go on with the other", () =>
    Effect.gen(function*() {
      const { server, ...services } = yield* setup(
        (request, i) => request.headers["authorization"] === "Bearer ovms-key-bad" ? kserve(401, "bad key") : route(request, i),
        {
          policy,
          apiKeys: [{ name: "bad", value: Redacted.make("ovms-key-bad") }, { name: "good", value: Redacted.make("ovms-key-good") }]
        }
      )
      for (const operation of [operations[3]!, operations[4]!, operations[0]!, operations[3]!]) {
        assert.strictEqual(yield* outcome(operation.run(services)), "success", operation.name)
      }
      const keys = server.requests.map((r) => r.headers["authorization"])
      assert.strictEqual(keys.filter((k) => k === "Bearer ovms-key-bad").length, 1, "the rejected key is not tried again")
      assert.strictEqual(keys.filter((k) => k === "Bearer ovms-key-good").length, 4)
      yield* accounted(services, 4)
    }))

  it.live("the breaker is shared: failing infers open it for chat too", () =>
    Effect.gen(function*() {
      const { server, ...services } = yield* setup(() => kserve(503, "busy"), {
        policy: { ...policy, maxRetries: 0, failureThreshold: 2, resetTimeout: 60_000 }
      })
      for (let i = 0; i < 2; i++) assert.strictEqual(yield* outcome(operations[3]!.run(services)), "Overloaded")
      assert.strictEqual(yield* outcome(operations[0]!.run(services)), "CircuitOpen")
      assert.strictEqual(server.requests.length, 2, "the open breaker sent nothing")
      assert.strictEqual(yield* services.backend.monitor.breaker, "open")
      yield* accounted(services, 3)
    }))

  it.live("an infer interrupted while its request hangs frees its permit: the next call gets through", () =>
    Effect.gen(function*() {
      const { server, ...services } = yield* setup((request, i) => i === 0 ? { kind: "hang" } : route(request, i), {
        policy: { ...policy, maxConcurrentRequests: 1, attemptTimeout: 60_000 }
      })
      const stuck = yield* Effect.forkChild(operations[3]!.run(services))
      while (server.requests.length === 0) yield* Effect.sleep("5 millis")
      yield* Fiber.interrupt(stuck)
      assert.strictEqual(yield* outcome(operations[3]!.run(services)), "success")
      assert.strictEqual(yield* outcome(operations[4]!.run(services)), "success")
      assert.strictEqual(server.requests.length, 3)
      const stats = yield* services.backend.monitor.stats
      assert.deepStrictEqual([stats.interrupted_requests, stats.successful_requests, stats.in_flight], [1, 2, 0])
    }))
})
