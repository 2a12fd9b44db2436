import { assert, describe, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Exit, Fiber, Stream } from "effect"
import * as LlmError from "../../src/LlmError.ts"
import * as Pipeline from "../../src/pipeline/Pipeline.ts"
import * as Policy from "../../src/pipeline/Policy.ts"
import * as Harness from "../support/pipeline.ts"
import * as Scripted from "../support/ScriptedProvider.ts"

const build = (policy: Policy.Input = {}) =>
  Effect.gen(function*() {
    const validated = yield* Policy.make("extras", { jitter: false, ...policy })
    return yield* Pipeline.build(Scripted.make([]).provider, { model: "m", policy: validated })
  })

const reasonOf = <A>(exit: Exit.Exit<A, LlmError.LlmError>) => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const found = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (found === undefined || found._tag !== "Fail") throw new Error(`no failure in ${exit.cause}`)
  return found.error.reason
}

describe("extra operations", () => {
  it.effect("an Effect operation is retried, counted and tracked under its own name", () =>
    Effect.gen(function*() {
      const { extras, service } = yield* build()
      let attempts = 0
      const exit = yield* Harness.settle(extras.effect({ name: "rerank", model: "r" }, () =>
        Effect.suspend(() =>
          ++attempts < 3 ? Effect.fail(LlmError.make("extras", new LlmError.ServerError({}))) : Effect.succeed(attempts)
        )))
      assert.deepStrictEqual(exit, Exit.succeed(3))
      const stats = yield* service.monitor.stats
      assert.strictEqual(stats.total_requests, 1)
      assert.strictEqual(stats.successful_requests, 1)
      assert.strictEqual(stats.total_retries, 2)
      const [recent] = yield* service.monitor.recent
      assert.strictEqual(recent?.operation, "rerank")
      assert.strictEqual(recent?.attempts, 3)
    }))

  it.effect("an Effect operation has its own attempt timeout and the call's deadline", () =>
    Effect.gen(function*() {
      const { extras } = yield* build({ maxRetries: 0 })
      const slow = extras.effect({ name: "s3.put", attemptTimeout: Duration.seconds(2) }, () => Effect.never)
      const reason = reasonOf(yield* Harness.settle(slow))
      assert.strictEqual(reason._tag, "Timeout")
      assert.strictEqual(reason._tag === "Timeout" ? reason.phase : undefined, "attempt")
      const cut = extras.effect({ name: "s3.put" }, () => Effect.never, { timeout: "1 second" })
      const total = reasonOf(yield* Harness.settle(cut))
      assert.strictEqual(total._tag === "Timeout" ? total.phase : undefined, "total")
    }))

  it.effect("the breaker opens on failing extra operations and then rejects them", () =>
    Effect.gen(function*() {
      const { extras, service } = yield* build({ maxRetries: 0, failureThreshold: 2 })
      let sent = 0
      const op = extras.effect({ name: "infer" }, () =>
        Effect.suspend(() => {
          sent++
          return Effect.fail(LlmError.make("extras", new LlmError.Overloaded({})))
        }))
      yield* Effect.exit(op)
      yield* Effect.exit(op)
      const reason = reasonOf(yield* Effect.exit(op))
      assert.strictEqual(reason._tag, "CircuitOpen")
      assert.strictEqual(sent, 2)
      assert.strictEqual(yield* service.monitor.breaker, "open")
    }))

  it.effect("a Stream operation holds its permit until it ends and retries only before content", () =>
    Effect.gen(function*() {
      const { extras, service } = yield* build({ maxConcurrentRequests: 1 })
      let opened = 0
      const gate = yield* Deferred.make<void>()
      const first = extras.stream({ name: "s3.get" }, () =>
        Stream.suspend(() => {
          opened++
          return opened === 1
            ? Stream.fail(LlmError.make("extras", new LlmError.Network({})))
            : Stream.concat(Stream.make(1, 2), Stream.fromEffect(Effect.as(Deferred.await(gate), 3)))
        }))
      const fiber = yield* Effect.forkChild(Stream.runCollect(first))
      const settled = yield* Harness.settle(Effect.gen(function*() {
        while ((yield* service.monitor.stats).in_flight !== 1 || opened < 2) yield* Effect.sleep("100 millis")
      }))
      assert.isTrue(Exit.isSuccess(settled))
      // The second call cannot start while the first stream holds the only permit.
      const second = yield* Effect.forkChild(extras.effect({ name: "s3.head" }, () => Effect.succeed("head")))
      yield* Effect.yieldNow
      assert.strictEqual((yield* service.monitor.stats).queue_depth, 1)
      yield* Deferred.succeed(gate, undefined)
      assert.deepStrictEqual(yield* Fiber.join(fiber), [1, 2, 3])
      assert.strictEqual(yield* Fiber.join(second), "head")
      assert.strictEqual(opened, 2)

      // After content, a failure ends the stream: never a retry that repeats elements.
      let reopened = 0
      const cut = extras.stream({ name: "s3.get" }, () =>
        Stream.suspend(() => {
          reopened++
          return Stream.concat(Stream.make("a"), Stream.fail(LlmError.make("extras", new LlmError.Network({}))))
        }))
      const exit = yield* Effect.exit(Stream.runCollect(cut))
      assert.strictEqual(reasonOf(exit)._tag, "Network")
      assert.strictEqual(reopened, 1)
    }))

  it.effect("a Stream operation gets the breaker, the call's deadline and stats under its own name", () =>
    Effect.gen(function*() {
      const { extras, service } = yield* build({ maxRetries: 0, failureThreshold: 2 })
      let opened = 0
      const failing = extras.stream({ name: "opea.chatqna" }, () =>
        Stream.suspend(() => {
          opened++
          return Stream.fail(LlmError.make("extras", new LlmError.Overloaded({})))
        }))
      for (let i = 0; i < 2; i++) assert.strictEqual(reasonOf(yield* Effect.exit(Stream.runCollect(failing)))._tag, "Overloaded")
      assert.strictEqual(reasonOf(yield* Effect.exit(Stream.runCollect(failing)))._tag, "CircuitOpen")
      assert.strictEqual(opened, 2)

      const fresh = yield* build({ maxRetries: 0 })
      const silent = fresh.extras.stream({ name: "tgi.generate_stream" }, () => Stream.never, { timeout: "1 second" })
      const cut = reasonOf(yield* Harness.settle(Stream.runCollect(silent)))
      assert.strictEqual(cut._tag === "Timeout" ? cut.phase : cut._tag, "total")
      const stats = yield* fresh.service.monitor.stats
      assert.deepStrictEqual([stats.total_requests, stats.failed_requests], [1, 1])
      assert.strictEqual((yield* fresh.service.monitor.recent)[0]?.operation, "tgi.generate_stream")
      assert.strictEqual((yield* service.monitor.stats).total_requests, 3)
    }))

  it.effect("an operation made of several calls completes at maxConcurrentRequests 1", () =>
    Effect.gen(function*() {
      const { extras, service } = yield* build({ maxConcurrentRequests: 1 })
      const part = (i: number) => extras.effect({ name: "s3.part" }, () => Effect.as(Effect.sleep("10 millis"), i))
      // The outer operation holds no permit: its parts each take one in turn.
      const upload = Effect.forEach([1, 2, 3, 4], part, { concurrency: 2 })
      const exit = yield* Harness.settle(upload, "10 millis")
      assert.deepStrictEqual(exit, Exit.succeed([1, 2, 3, 4]))
      assert.strictEqual((yield* service.monitor.stats).total_requests, 4)
    }))
})
