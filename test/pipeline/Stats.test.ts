import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Metric, Stream } from "effect"
import * as ChatChunk from "../../src/domain/ChatChunk.ts"
import * as Usage from "../../src/domain/Usage.ts"
import * as LlmError from "../../src/LlmError.ts"
import { Message } from "../../src/index.ts"
import * as Harness from "../support/pipeline.ts"
import * as Scripted from "../support/ScriptedProvider.ts"

const hi = { messages: [Message.user("Hi")] }

describe("stats", () => {
  it.effect("counts outcomes, errors by reason, priorities and tokens by model", () =>
    Effect.gen(function*() {
      const { backend } = yield* Harness.make([
        Scripted.ok(),
        Scripted.fail(new LlmError.InvalidRequest({})),
        Scripted.chunks([
          new ChatChunk.TextDelta({ text: "x" }),
          new ChatChunk.UsageChunk({ usage: Usage.make({ inputTokens: 10, outputTokens: 4 }) }),
          new ChatChunk.Finish({ reason: "stop" })
        ])
      ], { maxRetries: 0 })
      yield* backend.chat(hi, { priority: "high" })
      yield* Effect.exit(backend.chat(hi))
      yield* Stream.runDrain(backend.stream({ ...hi, model: "big" }, { priority: "low" }))
      const s = yield* backend.monitor.stats
      assert.strictEqual(s.total_requests, 3)
      assert.strictEqual(s.successful_requests, 2)
      assert.strictEqual(s.failed_requests, 1)
      assert.deepStrictEqual(s.errors_by_type, { InvalidRequest: 1 })
      assert.deepStrictEqual(s.requests_by_priority, { high: 1, normal: 1, low: 1 })
      assert.deepStrictEqual(s.tokens_by_model, { big: { input: 10, output: 4 } })
      assert.strictEqual(s.time_to_first_token.count, 1)
    }))

  it.effect("Effect Metrics are updated with provider, model, outcome and reason attributes", () =>
    Effect.gen(function*() {
      const { backend } = yield* Harness.make([Scripted.ok(), Scripted.fail(new LlmError.NotFound({}))], { maxRetries: 0 })
      yield* backend.chat({ ...hi, model: "metric-model" })
      yield* Effect.exit(backend.chat({ ...hi, model: "metric-model" }))
      const snapshot = yield* Metric.snapshot
      const requests = snapshot.filter((m) => m.id === "llm_requests_total" && m.attributes?.["model"] === "metric-model")
      const count = (outcome: string) =>
        requests.filter((m) => m.attributes?.["outcome"] === outcome).reduce((n, m) => n + Number((m.state as { count: number }).count), 0)
      assert.strictEqual(count("success"), 1)
      assert.strictEqual(count("failure"), 1)
      assert.isTrue(requests.some((m) => m.attributes?.["reason"] === "NotFound" && m.attributes?.["provider"] === "scripted"))
      assert.isTrue(snapshot.some((m) => m.id === "llm_request_duration_ms" && m.attributes?.["model"] === "metric-model"))
    }))

  it.effect("the queue gauges follow the permits: one in flight and one waiting, then none", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const { backend } = yield* Harness.make([{ _tag: "Gate", gate }, Scripted.ok()], { maxConcurrentRequests: 1 })
      const gauge = (id: string) =>
        Effect.map(Metric.snapshot, (all) => {
          const found = all.find((m) => m.id === id && m.attributes?.["provider"] === "scripted")
          return Number((found?.state as { value: number } | undefined)?.value)
        })
      const held = yield* Effect.forkChild(backend.chat(hi))
      yield* Effect.yieldNow
      const waiting = yield* Effect.forkChild(backend.chat(hi))
      yield* Effect.yieldNow
      assert.deepStrictEqual([yield* gauge("llm_in_flight"), yield* gauge("llm_queue_depth")], [1, 1])
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(held)
      yield* Fiber.join(waiting)
      assert.deepStrictEqual([yield* gauge("llm_in_flight"), yield* gauge("llm_queue_depth")], [0, 0])
    }))

  it.effect("reset clears the snapshot and the recent calls", () =>
    Effect.gen(function*() {
      const { backend } = yield* Harness.make([Scripted.ok(), Scripted.ok()])
      yield* backend.chat(hi)
      yield* backend.monitor.reset
      const s = yield* backend.monitor.stats
      assert.strictEqual(s.total_requests, 0)
      assert.deepStrictEqual(s.errors_by_type, {})
      assert.strictEqual((yield* backend.monitor.recent).length, 0)
      yield* backend.chat(hi)
      assert.strictEqual((yield* backend.monitor.stats).total_requests, 1)
    }))

  it.effect("the text report lists every snapshot field, and the JSON report is the snapshot", () =>
    Effect.gen(function*() {
      const { backend } = yield* Harness.make([Scripted.ok()])
      yield* backend.chat(hi)
      const s = yield* backend.monitor.stats
      const text = yield* backend.monitor.report("text")
      for (const field of Object.keys(s).filter((k) => k !== "provider")) assert.include(text, field)
      assert.deepStrictEqual(JSON.parse(yield* backend.monitor.report("json")), s)
    }))

  it.effect("the recent-calls ring is bounded and keeps the newest", () =>
    Effect.gen(function*() {
      const { backend } = yield* Harness.make([], { recentCalls: 3 }, Scripted.ok())
      for (let i = 0; i < 5; i++) yield* backend.chat(hi, { requestId: `r${i}` })
      const recent = yield* backend.monitor.recent
      assert.deepStrictEqual(recent.map((c) => c.requestId), ["r2", "r3", "r4"])
      assert.deepStrictEqual(Object.keys(recent[0]!).sort(), [
        "attempts", "attemptsAnswered", "durationMs", "firstTokenMs", "model", "operation", "outcome", "priority", "provider", "queueWaitMs", "reason", "requestId", "startedAt"
      ])
    }))
})
