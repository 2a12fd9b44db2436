/**
 * Our metrics as Prometheus text, parsed back: the names and types of every
 * family, the labels, and counts equal to the pipeline's own snapshot.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Metric, Redacted, Stream } from "effect"
import { LlmBackend, Message } from "../../src/index.ts"
import * as LlmError from "../../src/LlmError.ts"
import * as Prometheus from "../../src/observability/Prometheus.ts"
import * as Usage from "../../src/domain/Usage.ts"
import { TestBackend } from "../../src/testing/index.ts"
import * as Pipeline from "../support/pipeline.ts"
import * as Scripted from "../support/ScriptedProvider.ts"
import * as Text from "./PrometheusText.ts"

const hi = { messages: [Message.user("Hi")] }
const usage = Usage.make({ inputTokens: 10, outputTokens: 4 })

// Each test gets its own registry: the default one is shared by the process.
const isolated = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, Metric.MetricRegistry, new Map())

const calls = Effect.gen(function*() {
  const script = yield* TestBackend.TestBackend
  const backend = yield* LlmBackend.LlmBackend
  yield* script.push(
    TestBackend.reply("a", { usage }),
    TestBackend.reply("b", { usage }),
    TestBackend.fail(new LlmError.RateLimited({ retryAfter: Duration.seconds(1) }), { status: 429 }),
    TestBackend.fail(new LlmError.Unauthorized({}), { status: 401 }),
    TestBackend.stream(["c"])
  )
  yield* backend.chat(hi)
  yield* backend.chat(hi)
  yield* Effect.flip(backend.chat(hi))
  yield* Effect.flip(backend.chat(hi))
  yield* Stream.runDrain(backend.stream(hi))
  return yield* backend.monitor.stats
})

describe("Prometheus.format", () => {
  it.effect("request counts by outcome and reason, durations and tokens equal the snapshot", () =>
    Effect.gen(function*() {
      const snapshot = yield* calls
      const parsed = Text.parse(yield* Prometheus.format())
      assert.strictEqual(snapshot.total_requests, 5)
      assert.strictEqual(Text.sum(parsed, "llm_requests_total"), snapshot.total_requests)
      assert.strictEqual(Text.sum(parsed, "llm_requests_total", { outcome: "success" }), snapshot.successful_requests)
      assert.strictEqual(Text.sum(parsed, "llm_requests_total", { outcome: "failure" }), snapshot.failed_requests)
      for (const [reason, count] of Object.entries(snapshot.errors_by_type)) {
        assert.strictEqual(Text.sum(parsed, "llm_requests_total", { outcome: "failure", reason }), count, reason)
      }
      assert.deepStrictEqual(Object.keys(snapshot.errors_by_type).sort(), ["RateLimited", "Unauthorized"])
      assert.strictEqual(Text.sum(parsed, "llm_request_duration_ms_count"), snapshot.total_requests)
      const tokens = snapshot.tokens_by_model["test-model"]!
      assert.strictEqual(Text.sum(parsed, "llm_tokens_total", { direction: "input", model: "test-model" }), tokens.input)
      assert.strictEqual(Text.sum(parsed, "llm_tokens_total", { direction: "output", model: "test-model" }), tokens.output)
      assert.strictEqual(tokens.input, 20)
      assert.strictEqual(Text.sum(parsed, "llm_queue_wait_ms_count"), snapshot.queue_wait.count)
      const success = parsed.samples.find((s) => s.name === "llm_requests_total" && s.labels["outcome"] === "success")
      assert.deepStrictEqual(success?.labels, { provider: "test", model: "test-model", outcome: "success" })
    }).pipe(Effect.provide(TestBackend.layer()), isolated))

  it.effect("every family is declared with its type and help text from Stats.metrics", () =>
    Effect.gen(function*() {
      yield* calls
      const parsed = Text.parse(yield* Prometheus.format())
      const expected: Record<string, string> = {
        llm_requests_total: "counter",
        llm_request_duration_ms: "histogram",
        llm_queue_wait_ms: "histogram",
        llm_tokens_total: "counter",
        llm_in_flight: "gauge",
        llm_queue_depth: "gauge"
      }
      for (const [name, type] of Object.entries(expected)) {
        assert.strictEqual(parsed.families.get(name)?.type, type, name)
        assert.isString(parsed.families.get(name)?.help, name)
      }
      for (const name of parsed.families.keys()) assert.isTrue(Prometheus.names.has(name), `${name} is one of ours`)
      const buckets = parsed.samples.filter((s) => s.name === "llm_request_duration_ms_bucket")
      assert.isTrue(buckets.some((s) => s.labels["le"] === "+Inf"))
    }).pipe(Effect.provide(TestBackend.layer()), isolated))

  it.effect("retries, backoff and key attempts carry reason and the key's name, never its value", () =>
    Effect.gen(function*() {
      const secret = "sk-live-DO-NOT-EXPORT-0123456789"
      const { backend } = yield* Pipeline.make(
        [Scripted.fail(new LlmError.ServerError({})), Scripted.ok()],
        { maxRetries: 2, initialRetryDelay: "10 millis" },
        undefined,
        [{ name: "primary", value: Redacted.make(secret) }]
      )
      yield* Pipeline.settle(backend.chat(hi), "10 millis")
      const snapshot = yield* backend.monitor.stats
      const text = yield* Prometheus.format()
      assert.notInclude(text, secret)
      const parsed = Text.parse(text)
      assert.strictEqual(Text.sum(parsed, "llm_retries_total", { reason: "ServerError" }), snapshot.total_retries)
      assert.strictEqual(snapshot.total_retries, 1)
      assert.strictEqual(Text.sum(parsed, "llm_backoff_delay_ms_count"), snapshot.backoff.count)
      assert.strictEqual(Text.sum(parsed, "llm_key_attempts_total", { key: "primary", outcome: "failure", reason: "ServerError" }), 1)
      assert.strictEqual(Text.sum(parsed, "llm_key_attempts_total", { key: "primary", outcome: "success" }), 1)
    }).pipe(isolated))

  it.effect("only our metrics by default; all of them when asked; a prefix on every name", () =>
    Effect.gen(function*() {
      yield* calls
      yield* Metric.update(Metric.counter("app_things_total", { description: "the app's own" }), 3)
      // Ours beyond the pipeline's own (router, transport, caches, gateway) are included too.
      yield* Metric.update(Metric.counter("llm_fallbacks_total", { attributes: { router: "r", from: "a", to: "b", reason: "Overloaded" } }), 2)
      const ours = Text.parse(yield* Prometheus.format())
      assert.isFalse(ours.families.has("app_things_total"))
      assert.strictEqual(Text.sum(ours, "llm_fallbacks_total"), 2)
      const all = Text.parse(yield* Prometheus.format({ all: true }))
      assert.strictEqual(Text.sum(all, "app_things_total"), 3)
      assert.isTrue(all.families.has("llm_requests_total"))
      const prefixed = Text.parse(yield* Prometheus.format({ prefix: "myapp" }))
      assert.strictEqual(Text.sum(prefixed, "myapp_llm_requests_total"), 5)
      assert.isFalse(prefixed.families.has("llm_requests_total"))
    }).pipe(Effect.provide(TestBackend.layer()), isolated))
})
