import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Layer, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { OpenAi } from "../../src/index.ts"
import * as Policy from "../../src/pipeline/Policy.ts"

const withEnv = (env: Record<string, string>) => Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env })))

describe("policy", () => {
  it.effect("defaults are the predecessor's", () =>
    Effect.gen(function*() {
      const p = yield* Policy.make("openai")
      assert.strictEqual(p.queueSize, 100)
      assert.strictEqual(p.maxConcurrentRequests, 5)
      assert.strictEqual(p.maxRetries, 5)
      assert.deepStrictEqual(p.initialRetryDelay, Duration.seconds(1))
      assert.strictEqual(p.backoffFactor, 2)
      assert.deepStrictEqual(p.maxRetryDelay, Duration.seconds(16))
      assert.strictEqual(p.failureThreshold, 5)
      assert.deepStrictEqual(p.resetTimeout, Duration.seconds(30))
      assert.deepStrictEqual(p.attemptTimeout, Duration.seconds(60))
    }))

  it.effect("code values accept Duration inputs", () =>
    Effect.gen(function*() {
      const p = yield* Policy.make("openai", { initialRetryDelay: "250 millis", resetTimeout: 5000 })
      assert.deepStrictEqual(p.initialRetryDelay, Duration.millis(250))
      assert.deepStrictEqual(p.resetTimeout, Duration.millis(5000))
    }))

  for (
    const [input, setting] of [
      [{ maxConcurrentRequests: 0 }, "maxConcurrentRequests"],
      [{ queueSize: -1 }, "queueSize"],
      [{ maxRetries: 1.5 }, "maxRetries"],
      [{ backoffFactor: 0.5 }, "backoffFactor"],
      [{ initialRetryDelay: "soon" }, "initialRetryDelay"],
      [{ resetTimeout: 0 }, "resetTimeout"],
      [{ queueFull: "drop" }, "queueFull"],
      [{ maxRetrys: 3 }, "maxRetrys"]
    ] as const
  ) {
    it.effect(`an invalid ${setting} fails naming it`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Policy.make("openai", input as Policy.Input))
        assert.strictEqual(error.setting, setting)
        assert.include(error.message, setting)
      }))
  }

  it.effect("reads <PREFIX>_* environment variables (seconds for durations)", () =>
    Effect.gen(function*() {
      const p = yield* Policy.fromEnvironment("openai", "OPENAI").pipe(
        withEnv({ OPENAI_MAX_RETRIES: "2", OPENAI_INITIAL_RETRY_DELAY: "0.5", OPENAI_CIRCUIT_BREAKER: "false", OPENAI_QUEUE_FULL: "wait" })
      )
      assert.strictEqual(p.maxRetries, 2)
      assert.deepStrictEqual(p.initialRetryDelay, Duration.millis(500))
      assert.isFalse(p.circuitBreaker)
      assert.strictEqual(p.queueFull, "wait")
    }))

  it.effect("the v2 settings have their defaults, environment variables and file keys", () =>
    Effect.gen(function*() {
      const d = yield* Policy.make("openai")
      assert.deepStrictEqual(
        [d.minAttemptTime, d.maxTimeoutRetries, d.maxResetTimeout, d.ejectCooldown],
        [Duration.millis(500), 1, Duration.minutes(5), Duration.minutes(10)]
      )
      const env = yield* Policy.fromEnvironment("openai", "OPENAI").pipe(withEnv({
        OPENAI_MIN_ATTEMPT_TIME: "0.25",
        OPENAI_MAX_TIMEOUT_RETRIES: "0",
        OPENAI_MAX_RESET_TIMEOUT: "120",
        OPENAI_EJECT_COOLDOWN: "30"
      }))
      assert.deepStrictEqual(
        [env.minAttemptTime, env.maxTimeoutRetries, env.maxResetTimeout, env.ejectCooldown],
        [Duration.millis(250), 0, Duration.minutes(2), Duration.seconds(30)]
      )
      const file = yield* Policy.inputFromJson("openai", {
        openai: { min_attempt_time: 1, max_timeout_retries: 2, max_reset_timeout: 60, eject_cooldown: 5 }
      })
      const p = yield* Policy.make("openai", file)
      assert.deepStrictEqual(
        [p.minAttemptTime, p.maxTimeoutRetries, p.maxResetTimeout, p.ejectCooldown],
        [Duration.seconds(1), 2, Duration.minutes(1), Duration.seconds(5)]
      )
      assert.strictEqual((yield* Effect.flip(Policy.make("openai", { minAttemptTime: -1 }))).setting, "minAttemptTime")
    }))

  it.effect("a bad environment value fails naming the variable", () =>
    Effect.gen(function*() {
      const bad = yield* Effect.flip(Policy.fromEnvironment("openai", "OPENAI").pipe(withEnv({ OPENAI_MAX_CONCURRENT_REQUESTS: "0" })))
      assert.include(String(bad), "OPENAI_MAX_CONCURRENT_REQUESTS")
      const unparsable = yield* Effect.flip(Policy.fromEnvironment("openai", "OPENAI").pipe(withEnv({ OPENAI_MAX_RETRIES: "many" })))
      assert.include(String(unparsable), "OPENAI_MAX_RETRIES")
    }))

  it.effect("reads the JSON file named by LLM_BACKENDS_CONFIG: default section, provider section, then env wins", () =>
    Effect.gen(function*() {
      const file = join(tmpdir(), `policy-${process.pid}-${Date.now()}.json`)
      writeFileSync(file, JSON.stringify({ default: { max_retries: 1, queue_size: 7 }, openai: { max_retries: 3, reset_timeout: 10 } }))
      const p = yield* Policy.fromEnvironment("openai", "OPENAI").pipe(withEnv({ LLM_BACKENDS_CONFIG: file, OPENAI_QUEUE_SIZE: "9" }))
      assert.strictEqual(p.maxRetries, 3)
      assert.strictEqual(p.queueSize, 9)
      assert.deepStrictEqual(p.resetTimeout, Duration.seconds(10))
    }))

  it.effect("an unknown key or a bad value in the file fails naming it", () =>
    Effect.gen(function*() {
      const unknown = yield* Effect.flip(Policy.inputFromJson("openai", { openai: { max_retires: 3 } }))
      assert.strictEqual(unknown.setting, "openai.max_retires")
      const missing = yield* Effect.flip(Policy.inputFromFile("openai", "/nonexistent/policy.json"))
      assert.strictEqual(missing.setting, "config file")
    }))

  it.effect("a provider layer fails at build time on a bad policy, naming the setting", () =>
    Effect.gen(function*() {
      const live = OpenAi.layer({ apiKey: Redacted.make("sk-policy-test-000000"), policy: { failureThreshold: 0 } }).pipe(
        Layer.provide(FetchHttpClient.layer)
      )
      const error = yield* Effect.flip(Layer.build(live))
      assert.include(String(error), "failureThreshold")
    }))
})
