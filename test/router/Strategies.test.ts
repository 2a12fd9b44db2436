/**
 * Router rules the fault table does not pin by itself: the `weighted` and
 * `least-busy` strategies, reasons that move at once (a key that is refused,
 * a quota spent, a Retry-After longer than the call's budget), a target whose
 * breaker is open costing no time, one deadline shared by the targets tried,
 * the `llm_fallbacks_total` metric, `Router.layer` and a router as a target.
 * Counted from outside: calls each target received, virtual time spent.
 */
import { assert, describe, it } from "@effect/vitest"
import { Clock, Deferred, Duration, Effect, Exit, Fiber, Metric, Random } from "effect"
import { ChatResponse } from "../../src/domain/Chat.ts"
import type { CallOptions } from "../../src/domain/CallOptions.ts"
import * as ChatChunk from "../../src/domain/ChatChunk.ts"
import * as Content from "../../src/domain/Content.ts"
import * as LlmBackend from "../../src/LlmBackend.ts"
import * as LlmError from "../../src/LlmError.ts"
import { Message } from "../../src/index.ts"
import * as Pipeline from "../../src/pipeline/Pipeline.ts"
import * as Policy from "../../src/pipeline/Policy.ts"
import * as Router from "../../src/router/Router.ts"
import * as TestBackend from "../../src/testing/TestBackend.ts"
import * as Harness from "../support/pipeline.ts"
import { TestClock } from "effect/testing"

const hi = { messages: [Message.user("Hi")] }

const target = (provider: string, steps: ReadonlyArray<TestBackend.Step>, policy?: TestBackend.Options["policy"]) =>
  Effect.gen(function*() {
    const made = yield* TestBackend.make({ provider, model: `${provider}-model`, policy })
    yield* made.control.push(...steps)
    return made
  })

const replies = (text: string, n: number) => Array.from({ length: n }, () => TestBackend.reply(text))

/** Runs under TestClock; returns the exit and the virtual time it took. */
const timed = <A>(effect: Effect.Effect<A, LlmError.LlmError>) =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    const exit = yield* Harness.settle(effect, "10 millis")
    return { exit, took: (yield* Clock.currentTimeMillis) - start }
  })

const textOf = (exit: Exit.Exit<ChatResponse, LlmError.LlmError>) => Exit.isSuccess(exit) ? exit.value.text : `failed: ${exit.cause}`

describe("Router strategies", () => {
  it.effect("weighted: the first choice follows the weights; a failing first choice still falls back", () =>
    Effect.gen(function*() {
      const heavy = yield* target("heavy", replies("heavy", 400))
      const light = yield* target("light", replies("light", 400))
      const router = yield* Router.make({
        targets: [{ backend: heavy.backend, weight: 3 }, { backend: light.backend, weight: 1 }],
        strategy: "weighted"
      })
      const answers = yield* Effect.forEach(Array.from({ length: 400 }), () => Effect.map(router.chat(hi), (r) => r.text)).pipe(
        Random.withSeed(7)
      )
      const share = answers.filter((t) => t === "heavy").length / answers.length
      // 3:1 is 75 %; a seeded draw keeps this exact run stable, the bound keeps it honest.
      assert.isAbove(share, 0.68)
      assert.isBelow(share, 0.82)
      assert.strictEqual((yield* heavy.control.calls).length + (yield* light.control.calls).length, 400)

      const failing = yield* target("failing", [TestBackend.fail(new LlmError.Overloaded({}))])
      const backup = yield* target("backup", [TestBackend.reply("backup")])
      const only = yield* Router.make({
        targets: [{ backend: failing.backend, weight: 1_000_000 }, { backend: backup.backend, weight: 1 }],
        strategy: "weighted"
      })
      assert.strictEqual((yield* only.chat(hi)).text, "backup")
      assert.strictEqual((yield* failing.control.calls).length, 1)
    }))

  it.effect("least-busy: a call goes to the target with fewer calls in flight", () =>
    Effect.gen(function*() {
      // A target whose calls wait on a gate, so one call keeps it busy.
      const gate = yield* Deferred.make<void>()
      let busyCalls = 0
      const response = new ChatResponse({ provider: "busy", model: "b", content: [Content.text("busy")], finishReason: "stop" })
      const busy = yield* Pipeline.make(
        { provider: "busy", chat: () => Effect.suspend(() => (busyCalls++, Effect.as(Deferred.await(gate), response))) },
        { model: "b", policy: yield* Policy.make("busy", { maxRetries: 0 }) }
      )
      const idle = yield* target("idle", replies("idle", 2))
      const router = yield* Router.make({ targets: [{ backend: busy }, { backend: idle.backend }], strategy: "least-busy" })
      // Both idle: ties keep the configured order, so the first call goes to `busy` and waits there.
      const held = yield* Effect.forkChild(router.chat(hi))
      while ((yield* busy.monitor.stats).in_flight === 0) yield* Effect.yieldNow
      // What the strategy compares: calls in flight plus waiting, per target and summed by the router.
      assert.deepStrictEqual([yield* busy.monitor.load, yield* idle.backend.monitor.load, yield* router.monitor.load], [1, 0, 1])
      // Forked, so a wrong choice (waiting on the gate) fails the assertion instead of hanging.
      const next = yield* Effect.forkChild(Effect.all([router.chat(hi), router.chat(hi)]))
      for (let i = 0; i < 100 && next.pollUnsafe() === undefined; i++) yield* Effect.yieldNow
      assert.strictEqual((yield* idle.control.calls).length, 2)
      assert.deepStrictEqual((yield* Fiber.join(next)).map((r) => r.text), ["idle", "idle"])
      assert.strictEqual(busyCalls, 1)
      yield* Deferred.succeed(gate, undefined)
      assert.strictEqual((yield* Fiber.join(held)).text, "busy")
      assert.strictEqual(yield* router.monitor.load, 0)
    }))
})

describe("Router: what moves at once", () => {
  for (const reason of [new LlmError.Unauthorized({}), new LlmError.QuotaExhausted({})]) {
    it.effect(`${reason._tag} moves to the fallback at once: one attempt, no time spent`, () =>
      Effect.gen(function*() {
        const primary = yield* target("primary", [TestBackend.fail(reason)], { maxRetries: 5, jitter: false })
        const fallback = yield* target("fallback", [TestBackend.reply("from fallback")])
        const router = yield* Router.make({ targets: [{ backend: primary.backend }, { backend: fallback.backend }] })
        const { exit, took } = yield* timed(router.chat(hi))
        assert.strictEqual(textOf(exit), "from fallback")
        assert.strictEqual((yield* primary.control.calls).length, 1)
        assert.strictEqual(took, 0)
        const routed = yield* router.routing
        assert.deepStrictEqual(routed.fallbacks.map((f) => f.reason), [reason._tag])
      }))
  }

  it.effect("a RateLimited whose Retry-After is longer than the call's budget moves at once, without waiting", () =>
    Effect.gen(function*() {
      const primary = yield* target(
        "primary",
        [TestBackend.fail(new LlmError.RateLimited({ retryAfter: Duration.seconds(30) })), TestBackend.reply("primary, too late")],
        { maxRetries: 3, jitter: false }
      )
      const fallback = yield* target("fallback", [TestBackend.reply("from fallback")])
      const router = yield* Router.make({ targets: [{ backend: primary.backend }, { backend: fallback.backend }], timeout: "10 seconds" })
      const { exit, took } = yield* timed(router.chat(hi))
      assert.strictEqual(textOf(exit), "from fallback")
      assert.strictEqual((yield* primary.control.calls).length, 1)
      assert.isBelow(took, 100)
    }))

  it.effect("weighted: a target whose breaker lets a probe through goes first, and traffic returns to it", () =>
    Effect.gen(function*() {
      const flaky = yield* target(
        "flaky",
        [TestBackend.fail(new LlmError.Overloaded({})), ...replies("flaky", 20)],
        { circuitBreaker: true, failureThreshold: 1, resetTimeout: "2 seconds", maxRetries: 0 }
      )
      const steady = yield* target("steady", replies("steady", 20))
      // The weights almost never draw `flaky` first: only the probe rule brings it back.
      const router = yield* Router.make({
        targets: [{ backend: flaky.backend, weight: 1 }, { backend: steady.backend, weight: 1_000_000 }],
        strategy: "weighted"
      })
      // Its one failure (called directly) opens its breaker.
      yield* Effect.exit(flaky.backend.chat(hi))
      assert.strictEqual(yield* flaky.backend.monitor.breaker, "open")
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual(yield* flaky.backend.monitor.breaker, "half_open")
      assert.strictEqual((yield* router.chat(hi)).text, "flaky")
      assert.strictEqual(yield* flaky.backend.monitor.breaker, "closed")
      assert.strictEqual((yield* steady.control.calls).length, 0)
    }))

  it.effect("a target whose breaker is open is skipped without a request and without time", () =>
    Effect.gen(function*() {
      const primary = yield* target(
        "primary",
        [TestBackend.fail(new LlmError.Overloaded({}))],
        { circuitBreaker: true, failureThreshold: 1, resetTimeout: "30 seconds", maxRetries: 0 }
      )
      const fallback = yield* target("fallback", replies("from fallback", 3))
      const router = yield* Router.make({ targets: [{ backend: primary.backend }, { backend: fallback.backend }] })
      assert.strictEqual((yield* router.chat(hi)).text, "from fallback")
      assert.strictEqual(yield* primary.backend.monitor.breaker, "open")
      for (let i = 0; i < 2; i++) {
        const { exit, took } = yield* timed(router.chat(hi))
        assert.strictEqual(textOf(exit), "from fallback")
        assert.strictEqual(took, 0)
      }
      assert.strictEqual((yield* primary.control.calls).length, 1)
      const routed = yield* router.routing
      assert.deepStrictEqual(
        routed.fallbacks.map((f) => [f.reason, f.count]),
        [["Overloaded", 1], ["CircuitOpen", 2]]
      )
    }))
})

describe("Router: one deadline, metrics, layers", () => {
  it.effect("the call's timeout is shared: the next target gets what the first one left", () =>
    Effect.gen(function*() {
      const seen: Array<number | undefined> = []
      const spy = (provider: string, work: Effect.Effect<ChatResponse, LlmError.LlmError>) =>
        Effect.map(target(provider, []), ({ backend }) => ({
          ...backend,
          chat: (_request: unknown, options?: CallOptions) => {
            const timeout = options?.timeout === undefined ? undefined : Duration.fromInput(options.timeout)
            seen.push(timeout?._tag === "Some" ? Duration.toMillis(timeout.value) : undefined)
            return work
          }
        }))
      const ok = new ChatResponse({ provider: "b", model: "b", content: [Content.text("from b")], finishReason: "stop" })
      const a = yield* spy("a", Effect.andThen(Effect.sleep("2 seconds"), Effect.fail(LlmError.make("a", new LlmError.ServerError({})))))
      const b = yield* spy("b", Effect.succeed(ok))
      const router = yield* Router.make({ targets: [{ backend: a }, { backend: b }] })
      const { exit, took } = yield* timed(router.chat(hi, { timeout: "5 seconds" }))
      assert.strictEqual(textOf(exit), "from b")
      assert.deepStrictEqual(seen, [5_000, 3_000])
      assert.strictEqual(took, 2_000)
    }))

  it.effect("each fail-over counts in llm_fallbacks_total{router,from,to,reason}", () =>
    Effect.gen(function*() {
      const primary = yield* target("primary", [TestBackend.fail(new LlmError.ServerError({})), TestBackend.fail(new LlmError.ServerError({}))])
      const fallback = yield* target("fallback", replies("ok", 2))
      const router = yield* Router.make({ name: "metric-router", targets: [{ backend: primary.backend }, { backend: fallback.backend }] })
      yield* router.chat(hi)
      yield* router.chat(hi)
      const counted = (yield* Metric.snapshot).filter((m) =>
        m.id === "llm_fallbacks_total" && m.attributes?.["router"] === "metric-router"
      )
      assert.strictEqual(counted.length, 1)
      assert.deepStrictEqual(
        [counted[0]?.attributes?.["from"], counted[0]?.attributes?.["to"], counted[0]?.attributes?.["reason"]],
        ["primary", "fallback", "ServerError"]
      )
      assert.strictEqual(Number((counted[0]?.state as { count: number }).count), 2)
    }))

  it.effect("Router.layer provides it as the LlmBackend; a router is a target of another router", () =>
    Effect.gen(function*() {
      const a = yield* target("a", [TestBackend.fail(new LlmError.Overloaded({}))])
      const b = yield* target("b", [TestBackend.fail(new LlmError.Overloaded({}))])
      const c = yield* target("c", [TestBackend.reply("from c")])
      const inner = yield* Router.make({ name: "inner", targets: [{ backend: a.backend }, { backend: b.backend }] })
      const reply = yield* LlmBackend.chat(hi).pipe(
        Effect.provide(Router.layer({ name: "outer", targets: [{ backend: inner, name: "inner" }, { backend: c.backend }] }))
      )
      assert.strictEqual(reply.text, "from c")
      assert.deepStrictEqual([(yield* a.control.calls).length, (yield* b.control.calls).length], [1, 1])
      // The inner router counts its one logical call once.
      assert.strictEqual((yield* inner.monitor.stats).total_requests, 1)
      assert.strictEqual((yield* inner.monitor.stats).failed_requests, 1)
    }))

  it.effect("a restarted stream: the abandoned attempt's usage is still counted, by its target and by the router", () =>
    Effect.gen(function*() {
      const usage = (input: number, output: number) =>
        new ChatChunk.UsageChunk({ usage: { inputTokens: input, outputTokens: output, totalTokens: input + output } })
      const primary = yield* target("primary", [TestBackend.stream(["Hel", usage(10, 2)], { failWith: new LlmError.Network({}) })])
      const fallback = yield* target("fallback", [TestBackend.stream(["Hello.", usage(10, 5)])])
      const router = yield* Router.make({ targets: [{ backend: primary.backend }, { backend: fallback.backend }] })
      const collected = yield* ChatChunk.collect(router.stream(hi))
      assert.strictEqual(collected.text, "Hello.")
      const sum = (byModel: Readonly<Record<string, { readonly input: number; readonly output: number }>>) =>
        Object.values(byModel).reduce((acc, t) => [acc[0]! + t.input, acc[1]! + t.output], [0, 0])
      // Billed twice, so counted twice: 10+10 in, 2+5 out.
      assert.deepStrictEqual(sum((yield* router.monitor.stats).tokens_by_model), [20, 7])
      assert.deepStrictEqual(sum((yield* primary.backend.monitor.stats).tokens_by_model), [10, 2])
      assert.strictEqual((yield* router.monitor.stats).total_requests, 1)
    }))
})
