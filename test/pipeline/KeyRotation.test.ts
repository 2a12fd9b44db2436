import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Exit, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as LlmError from "../../src/LlmError.ts"
import { Message, OpenAi } from "../../src/index.ts"
import * as Backend from "../../src/providers/Backend.ts"
import * as Harness from "../support/pipeline.ts"
import * as Scripted from "../support/ScriptedProvider.ts"

const hi = { messages: [Message.user("Hi")] }
const keys = ["a", "b", "c"].map((name) => ({ name, value: Redacted.make(`value-${name}`) }))
const errorOf = <A>(exit: Exit.Exit<A, LlmError.LlmError>) => {
  const fail = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
  return fail?._tag === "Fail" ? fail.error : undefined
}

describe("keys through the pipeline", () => {
  it.effect("a rate-limited key is rotated away from at once, with no backoff", () =>
    Effect.gen(function*() {
      const { backend, scripted } = yield* Harness.make(
        [Scripted.fail(new LlmError.RateLimited({ retryAfter: Duration.seconds(30) })), Scripted.ok()],
        {},
        undefined,
        keys
      )
      const exit = yield* Harness.settle(backend.chat(hi))
      assert.isTrue(Exit.isSuccess(exit))
      assert.deepStrictEqual(scripted.keys, ["value-a", "value-b"])
      assert.deepStrictEqual(scripted.attempts, [0, 0], "no wait before the other key")
      const stats = yield* backend.monitor.stats
      assert.deepStrictEqual(stats.keys.map((k) => [k.name, k.state]), [["a", "cooling"], ["b", "active"], ["c", "active"]])
    }))

  it.effect("an invalid key is ejected, the call moves on, and the key is never tried again", () =>
    Effect.gen(function*() {
      const { backend, scripted } = yield* Harness.make(
        [Scripted.fail(new LlmError.Unauthorized({ detail: "Incorrect API key" }))],
        {},
        Scripted.ok(),
        keys
      )
      yield* Harness.settle(backend.chat(hi))
      for (let i = 0; i < 6; i++) yield* Harness.settle(backend.chat(hi))
      assert.strictEqual(scripted.keys.filter((k) => k === "value-a").length, 1)
      assert.strictEqual(scripted.keys.length, 8)
      const [a] = (yield* backend.monitor.stats).keys
      assert.deepStrictEqual([a!.state, a!.ejections, a!.failures], ["ejected", 1, { Unauthorized: 1 }])
    }))

  it.effect("when every key is ejected, the error lists each key and why", () =>
    Effect.gen(function*() {
      const { backend } = yield* Harness.make([], {}, Scripted.fail(new LlmError.Unauthorized({ detail: "revoked" })), keys)
      const exit = yield* Harness.settle(backend.chat(hi))
      assert.strictEqual(errorOf(exit)?.reason._tag, "Unauthorized")
      const next = errorOf(yield* Harness.settle(backend.chat(hi)))
      assert.strictEqual(next?.reason._tag, "Unauthorized")
      for (const name of ["a", "b", "c"]) assert.include(next!.message, `${name} ejected (Unauthorized: revoked)`)
      assert.notInclude(next!.message, "value-")
    }))

  it.effect("a pinned key is used, and an unknown pin names options.key", () =>
    Effect.gen(function*() {
      const { backend, scripted } = yield* Harness.make([], {}, Scripted.ok(), keys)
      yield* backend.chat(hi, { key: "c" })
      assert.deepStrictEqual(scripted.keys, ["value-c"])
      const error = yield* Effect.flip(backend.chat(hi, { key: "zz" }))
      assert.strictEqual(error.reason._tag === "InvalidRequest" ? error.reason.field : "", "options.key")
    }))

  it.effect("requests per minute are enforced across calls", () =>
    Effect.gen(function*() {
      const { backend, scripted } = yield* Harness.make([], { requestsPerMinute: 2 }, Scripted.ok())
      yield* Harness.settle(Effect.forEach([1, 2, 3], () => backend.chat(hi)), "1 second")
      assert.deepStrictEqual(scripted.attempts, [0, 0, 30_000])
    }))

  it.effect("a key's own limit applies to that key only", () =>
    Effect.gen(function*() {
      const limited = [{ name: "slow", value: Redacted.make("value-slow"), requestsPerMinute: 1 }, { name: "fast", value: Redacted.make("value-fast") }]
      const { backend, scripted } = yield* Harness.make([], {}, Scripted.ok(), limited)
      yield* Harness.settle(Effect.forEach([1, 2, 3, 4], () => backend.chat(hi)), "1 second")
      // round-robin: slow, fast, slow (waits 60 s for its bucket), fast
      assert.deepStrictEqual(scripted.keys, ["value-slow", "value-fast", "value-slow", "value-fast"])
      assert.deepStrictEqual(scripted.attempts, [0, 0, 60_000, 60_000])
    }))
})

describe("key configuration", () => {
  it("a key list parses names and bare keys", () => {
    const parsed = Backend.parseKeyList("team-a:sk-aaa, sk-bbb ,b.2:sk-c:cc")
    assert.deepStrictEqual(parsed.map((k) => [k.name, Redacted.value(k.value)]), [["team-a", "sk-aaa"], ["key-2", "sk-bbb"], ["b.2", "sk-c:cc"]])
  })

  it.effect("layerConfig reads <PREFIX>_API_KEYS into the pool, and no single key is then required", () =>
    Effect.gen(function*() {
      const options = yield* Backend.fromEnvironment("openai", OpenAi.envNames, {}, true).pipe(
        Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: { OPENAI_API_KEYS: "one:sk-111111,two:sk-222222" } })))
      )
      assert.deepStrictEqual(options.apiKeys?.map((k) => k.name), ["one", "two"])
      assert.isUndefined(options.apiKey)
    }))

  it.effect("the config file's api_keys name environment variables; the values come from there", () =>
    Effect.gen(function*() {
      const file = join(tmpdir(), `keys-${process.pid}-${Date.now()}.json`)
      writeFileSync(file, JSON.stringify({ openai: { max_retries: 1, api_keys: [{ name: "a", env: "KEY_A", weight: 3 }, { name: "b", env: "KEY_B", models: ["gpt-4o"] }] } }))
      const env = (extra: Record<string, string>) =>
        Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: { LLM_BACKENDS_CONFIG: file, ...extra } })))
      const options = yield* Backend.fromEnvironment("openai", OpenAi.envNames, {}, true).pipe(env({ KEY_A: "sk-aaaaaa", KEY_B: "sk-bbbbbb" }))
      assert.deepStrictEqual(options.apiKeys?.map((k) => [k.name, Redacted.value(k.value), k.weight ?? 1]), [["a", "sk-aaaaaa", 3], ["b", "sk-bbbbbb", 1]])
      const missing = yield* Effect.flip(Backend.fromEnvironment("openai", OpenAi.envNames, {}, true).pipe(env({ KEY_A: "sk-aaaaaa" })))
      assert.include(String(missing), "KEY_B")
      writeFileSync(file, JSON.stringify({ openai: { api_keys: [{ name: "a", key: "sk-inline" }] } }))
      const inline = yield* Effect.flip(Backend.fromEnvironment("openai", OpenAi.envNames, {}, true).pipe(env({})))
      assert.include(String(inline), "openai.api_keys")
      assert.notInclude(String(inline), "sk-inline")
    }))

  it.effect("bad key settings fail at build time, naming the setting", () =>
    Effect.gen(function*() {
      const build = (apiKeys: Backend.CommonOptions["apiKeys"]) =>
        Effect.flip(OpenAi.make({ apiKeys }).pipe(Effect.provide(FetchHttpClient.layer)))
      assert.strictEqual((yield* build([{ name: "a", value: Redacted.make("x-1") }, { name: "a", value: Redacted.make("x-2") }])).setting, "apiKeys.1.name")
      assert.strictEqual((yield* build([{ name: "a", value: Redacted.make(" ") }])).setting, "apiKeys.0.value")
      assert.strictEqual((yield* build([{ name: "a", value: Redacted.make("x"), weight: 0 }])).setting, "apiKeys.0.weight")
      assert.strictEqual((yield* build([])).setting, "apiKey")
    }))
})
