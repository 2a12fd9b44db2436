/**
 * The API key must never leave through a URL, an error message, String(error),
 * JSON of an error, a log line or a response value, whatever happens to the call.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Logger, Redacted, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import { LlmBackend, Message, OpenAi } from "../src/index.ts"

const LlmBackendTag = LlmBackend.LlmBackend
const ConfigProviderLayer = (env: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromEnv({ env }))
import * as FakeServer from "./support/FakeServer.ts"
import * as Fixtures from "./support/OpenAiFixtures.ts"
import { KEY, setup } from "./support/openAi.ts"
import * as Secrets from "./support/Secrets.ts"

const hi = { messages: [Message.user("Hi")] }

const assertNoKey = (value: unknown, where: string) => Secrets.assertNoSecret(value, KEY, where)

// Servers that echo the key back, the way misconfigured proxies and some APIs do.
const echo = (status: number): FakeServer.Handler => (request) => ({
  kind: "json",
  status,
  body: { error: { message: `Incorrect API key provided: ${request.headers["authorization"]?.slice(7)}`, type: "invalid_request_error" } }
})

describe("the API key never leaks", () => {
  it.live("not in the URL, only in the Authorization header", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(() => ({ kind: "json", body: Fixtures.completion({}) }))
      yield* backend.chat(hi)
      yield* Effect.ignore(backend.models())
      for (const request of server.requests) {
        assert.notInclude(request.url, KEY)
        assert.strictEqual(request.headers["authorization"], `Bearer ${KEY}`)
      }
    }))

  for (const status of [400, 401, 403, 429, 500]) {
    it.live(`not in the error when a ${status} body echoes it`, () =>
      Effect.gen(function*() {
        const { backend } = yield* setup(echo(status))
        const error = yield* Effect.flip(backend.chat(hi))
        assertNoKey(error, `error for ${status}`)
        assert.include(error.message, "[REDACTED]")
      }))
  }

  it.live("not in a stream's in-band error echoing it", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "chunks",
        chunks: FakeServer.sse([{ error: { message: `bad key ${KEY}`, type: "server_error" } }], { done: false })
      }))
      const error = yield* Effect.flip(Stream.runCollect(backend.stream(hi)))
      assertNoKey(error, "stream error")
    }))

  it.live("not in an InvalidResponse snippet of a body that contains it", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "text", body: `<html>token=${KEY}</html>` }))
      const error = yield* Effect.flip(backend.chat(hi))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      assertNoKey(error, "invalid response")
    }))

  it.live("not in a network error", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "reset" }))
      const error = yield* Effect.flip(backend.chat(hi))
      assertNoKey(error, "network error")
    }))

  it.live("not in any log line, through success and failure", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const capture = Logger.make((options) => {
        lines.push(JSON.stringify(options.message), String(options.message))
      })
      let n = 0
      const server = yield* FakeServer.make((request) =>
        n++ === 0 ? { kind: "json", body: Fixtures.completion({}) } : echo(401)(request, n)
      )
      const backend = yield* OpenAi.make({ apiKey: Redacted.make(KEY), baseUrl: `${server.url}/v1`, model: "m", policy: { maxRetries: 0 } }).pipe(
        Effect.provide(FetchHttpClient.layer)
      )
      const program = Effect.gen(function*() {
        const ok = yield* backend.chat(hi)
        yield* Effect.log("reply", ok)
        const error = yield* Effect.flip(backend.chat(hi))
        yield* Effect.logError("failed", error)
        yield* Effect.logDebug(backend)
      })
      yield* program.pipe(Effect.provide(Logger.layer([capture])))
      assert.isAbove(lines.length, 0)
      for (const line of lines) assert.notInclude(line, KEY)
    }))

  it.live("not in the stats snapshot, the text or JSON report, or the recent calls", () =>
    Effect.gen(function*() {
      let n = 0
      const { backend } = yield* setup((request) => n++ % 2 === 0 ? { kind: "json", body: Fixtures.completion({}) } : echo(401)(request, n))
      for (let i = 0; i < 4; i++) yield* Effect.exit(backend.chat(hi))
      const stats = yield* backend.monitor.stats
      assert.strictEqual(stats.total_requests, 4)
      assertNoKey(stats, "snapshot")
      assertNoKey(yield* backend.monitor.report("text"), "text report")
      assertNoKey(yield* backend.monitor.report("json"), "json report")
      assertNoKey(yield* backend.monitor.recent, "recent calls")
    }))

  it("not in the Redacted option itself", () => {
    const key = Redacted.make(KEY)
    assertNoKey(key, "Redacted")
    assertNoKey({ apiKey: key }, "options object")
  })
})

describe("configuration", () => {
  const build = (options: OpenAi.Options) =>
    Effect.flip(OpenAi.make(options).pipe(Effect.provide(FetchHttpClient.layer)))

  it.effect("a bad base URL fails at build time, naming the setting", () =>
    Effect.gen(function*() {
      const error = yield* build({ apiKey: Redacted.make(KEY), baseUrl: "not a url" })
      assert.strictEqual(error.setting, "baseUrl")
      assert.include(error.message, "openai: invalid setting 'baseUrl'")
    }))

  it.effect("credentials or a query in the base URL are refused (secrets do not go in URLs)", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* build({ apiKey: Redacted.make(KEY), baseUrl: "https://u:p@example.com/v1" })).setting, "baseUrl")
      assert.strictEqual((yield* build({ apiKey: Redacted.make(KEY), baseUrl: "https://example.com/v1?key=abc" })).setting, "baseUrl")
    }))

  it.effect("an empty key or model fails naming the setting", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* build({ apiKey: Redacted.make("  ") })).setting, "apiKey")
      assert.strictEqual((yield* build({ apiKey: Redacted.make(KEY), model: "" })).setting, "model")
    }))

  it.live("layerConfig reads OPENAI_* from the environment", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(() => ({ kind: "json", body: Fixtures.completion({}) }))
      const env = {
        OPENAI_API_KEY: KEY,
        OPENAI_BASE_URL: `${server.url}/v1`,
        OPENAI_ORG_ID: "org-env",
        OPENAI_MODEL: "gpt-env"
      }
      const live = OpenAi.layerConfig().pipe(
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(ConfigProviderLayer(env))
      )
      yield* Effect.provide(
        LlmBackendTag.use((backend) => backend.chat(hi)),
        live
      )
      const [request] = server.requests
      assert.strictEqual(request!.headers["openai-organization"], "org-env")
      assert.strictEqual((request!.json as { model: string }).model, "gpt-env")
      assert.strictEqual(request!.headers["authorization"], `Bearer ${KEY}`)
    }))

  it.effect("layerConfig without OPENAI_API_KEY fails naming it", () =>
    Effect.gen(function*() {
      const live = OpenAi.layerConfig().pipe(Layer.provide(FetchHttpClient.layer), Layer.provide(ConfigProviderLayer({})))
      const error = yield* Effect.flip(Layer.build(live))
      assert.include(String(error), "OPENAI_API_KEY")
      assert.notInclude(String(error), KEY)
    }))
})
