/**
 * The router's timing rules under TestClock, over real pipelines (TestBackend
 * targets with retry and breaker policies).
 */
import { assert, describe, it } from "@effect/vitest"
import { Clock, Duration, Effect, Exit } from "effect"
import { TestClock } from "effect/testing"
import * as LlmError from "../../src/LlmError.ts"
import { Message } from "../../src/index.ts"
import * as Router from "../../src/router/Router.ts"
import * as TestBackend from "../../src/testing/TestBackend.ts"
import * as Harness from "../support/pipeline.ts"

const hi = { messages: [Message.user("Hi")] }

describe("Router timing (TestClock)", () => {
  it.effect("429 with Retry-After 2 s once: retried on the primary after 2 s (not sooner), success from the primary", () =>
    Effect.gen(function*() {
      const primary = yield* TestBackend.make({ provider: "primary", policy: { maxRetries: 3, jitter: false } })
      const fallback = yield* TestBackend.make({ provider: "fallback" })
      yield* primary.control.push(
        TestBackend.fail(new LlmError.RateLimited({ retryAfter: Duration.seconds(2) })),
        TestBackend.reply("from primary")
      )
      const router = yield* Router.make({ targets: [{ backend: primary.backend }, { backend: fallback.backend }] })
      const start = yield* Clock.currentTimeMillis
      const exit = yield* Harness.settle(router.chat(hi), "100 millis")
      assert.isTrue(Exit.isSuccess(exit))
      assert.strictEqual(Exit.isSuccess(exit) ? exit.value.text : "", "from primary")
      const took = (yield* Clock.currentTimeMillis) - start
      assert.isAtLeast(took, 2_000)
      assert.isBelow(took, 2_500)
      assert.strictEqual((yield* fallback.control.calls).length, 0)
    }))

  it.effect("a flapping primary (down, up, down): every call answered, traffic back on the primary within one probe interval", () =>
    Effect.gen(function*() {
      const primary = yield* TestBackend.make({
        provider: "primary",
        policy: { circuitBreaker: true, failureThreshold: 2, resetTimeout: "2 seconds", maxRetries: 0 }
      })
      const fallback = yield* TestBackend.make({ provider: "fallback" })
      const down = () => TestBackend.fail(new LlmError.Overloaded({}))
      const up = () => TestBackend.reply("primary")
      // What the primary answers when it is asked (an open breaker asks nothing).
      yield* primary.control.push(down(), down(), up(), up(), up(), down(), down(), ...Array.from({ length: 5 }, up))
      yield* fallback.control.push(...Array.from({ length: 20 }, () => TestBackend.reply("fallback")))
      const router = yield* Router.make({ targets: [{ backend: primary.backend }, { backend: fallback.backend }] })
      const answers: Array<string> = []
      // One call every second for 14 s.
      for (let second = 0; second < 14; second++) {
        const exit = yield* Harness.settle(router.chat(hi), "10 millis")
        assert.isTrue(Exit.isSuccess(exit), `call at ${second}s answered`)
        answers.push(Exit.isSuccess(exit) ? exit.value.text : "-")
        yield* TestClock.adjust("1 second")
      }
      // Down for two calls (the breaker opens), fallback while open; the first call after the
      // 2 s reset probes the primary and traffic is back; down again, same again.
      assert.deepStrictEqual(answers, [
        ...["fallback", "fallback", "fallback", "primary", "primary", "primary"],
        ...["fallback", "fallback", "fallback", "primary", "primary", "primary", "primary", "primary"]
      ])
    }))
})
