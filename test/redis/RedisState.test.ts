/**
 * `RedisState`'s settings: defaults, the same options from code, the
 * environment and the config file (code over environment over file), bad
 * values failing at build naming the setting, and the URL and password never
 * echoed in an error, a log line, the stats or a report. The layers built
 * from config connect to a real `redis-server` that asks for a password.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Layer, Logger, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll } from "vitest"
import * as Message from "../../src/domain/Message.ts"
import * as OpenAi from "../../src/providers/openai/OpenAi.ts"
import * as RedisState from "../../src/redis/RedisState.ts"
import * as FakeServer from "../support/FakeServer.ts"
import * as Fixtures from "../support/OpenAiFixtures.ts"
import * as Secrets from "../support/Secrets.ts"
import * as RedisServer from "./support/RedisServer.ts"

const PASSWORD = "pw-hunter2-0123456789abcdef"
const env = (vars: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromEnv({ env: vars }))
const dir = mkdtempSync(join(tmpdir(), "llm-redis-config-"))
let files = 0
const configFile = (json: unknown) => {
  const path = join(dir, `config-${files++}.json`)
  writeFileSync(path, JSON.stringify(json))
  return path
}
const options = (vars: Record<string, string>, overrides: Partial<RedisState.Options> = {}) =>
  RedisState.optionsConfig(overrides).pipe(Effect.provide(env(vars)))
const settingOf = (error: { readonly _tag: string }) => (error as { readonly setting?: string }).setting
const ms = (input: Duration.Input | undefined) => input === undefined ? undefined : Duration.toMillis(Duration.fromInputUnsafe(input))

describe("RedisState settings", () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it.effect("defaults: prefix llm-backends, 1 s retry interval, the default timeout; the URL kept Redacted", () =>
    Effect.gen(function*() {
      const valid = yield* RedisState.settings({ redis: { url: "redis://127.0.0.1:6379" } })
      assert.strictEqual(valid.prefix, "llm-backends")
      assert.strictEqual(Duration.toMillis(valid.retryInterval), 1_000)
      assert.strictEqual(Duration.toMillis(valid.timeout), Duration.toMillis(RedisState.defaultTimeout))
      assert.isTrue(Redacted.isRedacted(valid.url))
      assert.isUndefined(valid.password)
    }))

  for (
    const [name, input, setting] of [
      ["a URL of another scheme", { redis: { url: "http://127.0.0.1:6379" } }, "shared.redis.url"],
      ["a URL that does not parse", { redis: { url: "not a url" } }, "shared.redis.url"],
      ["a prefix with a space", { redis: { url: "redis://h" }, prefix: "my app" }, "shared.prefix"],
      ["a zero timeout", { redis: { url: "redis://h" }, timeout: 0 }, "shared.timeout"],
      ["an infinite timeout", { redis: { url: "redis://h" }, timeout: Duration.infinity }, "shared.timeout"],
      ["a negative retry interval", { redis: { url: "redis://h" }, retryInterval: -5 }, "shared.retryInterval"]
    ] as const
  ) {
    it.effect(`${name} fails naming ${setting}`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(RedisState.settings(input as RedisState.Options))
        assert.strictEqual(error._tag, "BackendConfigError")
        assert.strictEqual(error.setting, setting)
      }))
  }

  it.effect("a bad URL's error never echoes it (it may hold the password)", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(RedisState.settings({ redis: { url: `http://user:${PASSWORD}@127.0.0.1:6379` } }))
      Secrets.assertNoSecret(error, PASSWORD, "settings error")
      assert.notInclude(error.message, "127.0.0.1")
    }))

  it.effect("from the environment: URL and password Redacted, prefix, timeout in seconds", () =>
    Effect.gen(function*() {
      const read = yield* options({
        LLM_BACKENDS_REDIS_URL: "redis://127.0.0.1:1/2",
        LLM_BACKENDS_REDIS_PASSWORD: PASSWORD,
        LLM_BACKENDS_REDIS_PREFIX: "env-prefix",
        LLM_BACKENDS_REDIS_TIMEOUT: "0.25"
      })
      assert.strictEqual(Redacted.value(read.redis.url as Redacted.Redacted<string>), "redis://127.0.0.1:1/2")
      assert.strictEqual(Redacted.value(read.redis.password!), PASSWORD)
      assert.strictEqual(read.prefix, "env-prefix")
      assert.strictEqual(ms(read.timeout), 250)
      Secrets.assertNoSecret(read, PASSWORD, "options read from the environment")
    }))

  it.effect("from the config file; the environment over the file; code over both", () =>
    Effect.gen(function*() {
      const path = configFile({
        shared: { redis: { url: "redis://file:1", password: "file-pw" }, prefix: "file", timeout: 0.5, retry_interval: 3 }
      })
      const file = yield* options({ LLM_BACKENDS_CONFIG: path })
      assert.strictEqual(Redacted.value(file.redis.url as Redacted.Redacted<string>), "redis://file:1")
      assert.strictEqual(Redacted.value(file.redis.password!), "file-pw")
      assert.deepStrictEqual([file.prefix, ms(file.timeout), ms(file.retryInterval)], ["file", 500, 3_000])
      const both = yield* options({ LLM_BACKENDS_CONFIG: path, LLM_BACKENDS_REDIS_URL: "redis://env:1", LLM_BACKENDS_REDIS_TIMEOUT: "0.1" })
      assert.strictEqual(Redacted.value(both.redis.url as Redacted.Redacted<string>), "redis://env:1")
      assert.deepStrictEqual([both.prefix, ms(both.timeout)], ["file", 100])
      const code = yield* options({ LLM_BACKENDS_CONFIG: path, LLM_BACKENDS_REDIS_PREFIX: "env" }, {
        redis: { url: "redis://code:1" },
        prefix: "code",
        timeout: "40 millis"
      })
      assert.strictEqual(code.redis.url, "redis://code:1")
      assert.deepStrictEqual([code.prefix, ms(code.timeout), ms(code.retryInterval)], ["code", 40, 3_000])
    }))

  for (
    const [name, vars, setting] of [
      ["no URL anywhere", {}, "LLM_BACKENDS_REDIS_URL"],
      ["a zero LLM_BACKENDS_REDIS_TIMEOUT", { LLM_BACKENDS_REDIS_URL: "redis://h", LLM_BACKENDS_REDIS_TIMEOUT: "0" }, "LLM_BACKENDS_REDIS_TIMEOUT"],
      ["an unknown key in the file", { LLM_BACKENDS_CONFIG: configFile({ shared: { redis: { url: "redis://h" }, tiemout: 1 } }) }, "shared.tiemout"],
      ["a string timeout in the file", { LLM_BACKENDS_CONFIG: configFile({ shared: { redis: { url: "redis://h" }, timeout: "fast" } }) }, "shared.timeout"],
      ["a number as the file's URL", { LLM_BACKENDS_CONFIG: configFile({ shared: { redis: { url: 6379 } } }) }, "shared.redis.url"],
      ["a file that is not there", { LLM_BACKENDS_CONFIG: join(dir, "absent.json") }, "config file"]
    ] as const
  ) {
    it.effect(`${name} fails naming ${setting}`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(options(vars))
        assert.strictEqual(settingOf(error), setting)
      }))
  }

  it.effect("a timeout that is not a number fails as a ConfigError naming the variable", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(options({ LLM_BACKENDS_REDIS_URL: "redis://h", LLM_BACKENDS_REDIS_TIMEOUT: "fast" }))
      assert.include(String(error), "LLM_BACKENDS_REDIS_TIMEOUT")
    }))
})

describe.skipIf(RedisServer.skipReason !== undefined)(`RedisState.layerConfig against redis-server${RedisServer.skipReason === undefined ? "" : ` (skipped: ${RedisServer.skipReason})`}`, () => {
  let redis: RedisServer.RedisServer
  beforeAll(async () => {
    redis = await RedisServer.start(["--requirepass", PASSWORD])
  }, 20_000)
  afterAll(async () => {
    await redis?.stop()
  })

  // One backend over the layer from config, its calls, what it logged, its stats and reports.
  const run = (vars: Record<string, string>) =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const capture = Logger.make((entry) => {
        lines.push(JSON.stringify(entry.message), String(entry.message))
      })
      const server = yield* FakeServer.make(() => ({ kind: "json", body: Fixtures.completion({}) }))
      const context = yield* Layer.build(RedisState.layerConfig().pipe(Layer.provide(env(vars)), Layer.provide(Logger.layer([capture]))))
      const backend = yield* OpenAi.make({ apiKey: Redacted.make("sk-test"), baseUrl: `${server.url}/v1`, model: "m" }).pipe(
        Effect.provide(Layer.mergeAll(FetchHttpClient.layer, Layer.succeedContext(context)))
      )
      const reply = yield* backend.chat({ messages: [Message.user("hi")] })
      const stats = yield* backend.monitor.stats
      const reports = [yield* backend.monitor.report("text"), yield* backend.monitor.report("json")]
      return { reply, stats, reports, lines, server }
    })

  it.live("with the password from LLM_BACKENDS_REDIS_PASSWORD it shares; nothing shows URL or password", () =>
    Effect.gen(function*() {
      const result = yield* run({ LLM_BACKENDS_REDIS_URL: redis.url, LLM_BACKENDS_REDIS_PASSWORD: PASSWORD, LLM_BACKENDS_REDIS_PREFIX: "cfg1" })
      assert.strictEqual(result.stats.shared_state, "shared")
      assert.strictEqual(result.server.requests.length, 1)
      for (const value of [result.stats, ...result.reports, ...result.lines]) Secrets.assertNoSecret(value, PASSWORD, "stats, reports, logs")
    }))

  it.live("a wrong password in the URL: the call still succeeds on in-memory state; the warning shows neither", () =>
    Effect.gen(function*() {
      const wrong = "wrong-pw-9876543210fedcba"
      const url = redis.url.replace("redis://", `redis://default:${wrong}@`)
      const result = yield* run({ LLM_BACKENDS_REDIS_URL: url, LLM_BACKENDS_REDIS_PREFIX: "cfg2", LLM_BACKENDS_REDIS_TIMEOUT: "0.5" })
      assert.strictEqual(result.stats.shared_state, "fallback")
      assert.strictEqual(result.server.requests.length, 1)
      assert.isTrue(result.lines.some((line) => line.includes("Redis unavailable")))
      for (const value of [result.stats, ...result.reports, ...result.lines]) {
        Secrets.assertNoSecret(value, wrong, "stats, reports, logs")
        assert.notInclude(JSON.stringify(value), String(redis.port))
      }
    }))
})
