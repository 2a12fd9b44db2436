/**
 * The accounting invariant checked from outside: however a mixed workload
 * ends (successes, typed failures, retries, attempt timeouts, queue
 * rejections, interruptions, streams stopped early), the number of calls the
 * test made equals `total_requests`, nothing stays in flight or queued, and
 * the attempts the provider saw lie between those answered and those started.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Stream } from "effect"
import { TestClock } from "effect/testing"
import * as ChatChunk from "../../src/domain/ChatChunk.ts"
import { Message } from "../../src/index.ts"
import * as LlmError from "../../src/LlmError.ts"
import * as Harness from "../support/pipeline.ts"
import * as Scripted from "../support/ScriptedProvider.ts"

const hi = { messages: [Message.user("Hi")] }

// A small deterministic generator, so a failure can be replayed by its seed.
const lcg = (seed: number) => () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff

describe("accounting from outside", () => {
  for (const seed of [1, 7, 42]) {
    it.effect(`a mixed workload (seed ${seed}): calls made = total_requests; answered <= seen <= started`, () =>
      Effect.gen(function*() {
        const random = lcg(seed)
        const never = yield* Deferred.make<void>()
        const steps: Array<Scripted.Step> = Array.from({ length: 200 }, () => {
          const r = random()
          return r < 0.4
            ? Scripted.ok()
            : r < 0.55
            ? Scripted.fail(new LlmError.ServerError({}))
            : r < 0.65
            ? Scripted.fail(new LlmError.InvalidRequest({}))
            : r < 0.75
            ? { _tag: "Gate", gate: never }
            : Scripted.chunks([new ChatChunk.TextDelta({ text: "x" }), new ChatChunk.Finish({ reason: "stop" })])
        })
        const { backend, scripted } = yield* Harness.make(steps, {
          maxConcurrentRequests: 3,
          queueSize: 5,
          maxRetries: 2,
          attemptTimeout: "2 seconds",
          firstTokenTimeout: "2 seconds",
          failureThreshold: 1000
        })
        const calls = 60
        const fibers = []
        for (let i = 0; i < calls; i++) {
          const r = random()
          const call = r < 0.5
            ? backend.chat(hi)
            : r < 0.7
            ? Stream.runDrain(backend.stream(hi))
            : r < 0.85
            ? Stream.runDrain(Stream.take(backend.stream(hi), 1))
            : backend.chat(hi, { timeout: "3 seconds" })
          fibers.push(yield* Effect.forkChild(Effect.exit(call)))
          // Let it enter the pipeline: a fiber interrupted before it ran made no call.
          yield* Effect.yieldNow
          if (random() < 0.3) yield* TestClock.adjust("500 millis")
          if (random() < 0.15) yield* Fiber.interrupt(fibers[Math.floor(random() * fibers.length)]!)
        }
        const all = Effect.forEach(fibers, Fiber.await)
        yield* Harness.settle(all, "500 millis")
        const s = yield* backend.monitor.stats
        assert.strictEqual(s.total_requests, calls)
        assert.strictEqual(s.in_flight, 0)
        assert.strictEqual(s.queue_depth, 0)
        assert.isAtMost(s.attempts_answered, scripted.attempts.length)
        assert.isAtMost(scripted.attempts.length, s.attempts_started)
        assert.isAbove(s.failed_requests, 0)
        assert.isAbove(s.successful_requests, 0)
      }))
  }
})
