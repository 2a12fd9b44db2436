/**
 * The Anthropic key goes only in `x-api-key`: never in a URL, an error, its
 * String or JSON, whatever a server echoes back. And the backend is
 * configured from the environment names users know.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Redacted, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import { LlmBackend, Message } from "../../../src/index.ts"
import * as Anthropic from "../../../src/providers/anthropic/Anthropic.ts"
import * as Secrets from "../../support/Secrets.ts"
import * as FakeServer from "../../support/FakeServer.ts"
import * as Fixtures from "../../support/AnthropicFixtures.ts"
import { KEY, setup } from "./setup.ts"

const hi = { messages: [Message.user("Hi")] }
const env = (vars: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromEnv({ env: vars }))

const assertNoKey = (value: unknown, where: string) => Secrets.assertNoSecret(value, KEY, where, KEY.slice(7, 30))

// A server that echoes the key it was sent, as misconfigured proxies do.
const echo = (status: number): FakeServer.Handler => (request) => ({
  kind: "json",
  status,
  body: Fixtures.errorBody("authentication_error", `invalid x-api-key: ${request.headers["x-api-key"]}`)
})

describe("the Anthropic key never leaks", () => {
  it.live("it is sent only as x-api-key: not in the URL, not as a Bearer token", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup((request) =>
        request.url.startsWith("/v1/models")
          ? { kind: "json", body: { data: [], has_more: false } }
          : request.headers["accept"] === "text/event-stream"
          ? { kind: "chunks", chunks: Fixtures.textStream(["Hi"]) }
          : { kind: "json", body: Fixtures.message() }
      )
      yield* backend.chat(hi)
      yield* Stream.runDrain(backend.stream(hi))
      yield* backend.models()
      assert.strictEqual(server.requests.length, 3)
      for (const request of server.requests) {
        assert.notInclude(request.url, KEY)
        assert.strictEqual(request.headers["x-api-key"], KEY)
        assert.isUndefined(request.headers["authorization"])
      }
    }))

  for (const status of [400, 401, 403, 429, 500, 529]) {
    it.live(`not in the error when a ${status} body echoes it`, () =>
      Effect.gen(function*() {
        const { backend } = yield* setup(echo(status))
        const error = yield* Effect.flip(backend.chat(hi))
        assertNoKey(error, `error for ${status}`)
        assert.include(error.message, "[REDACTED]")
      }))
  }

  it.live("not in a stream's error event echoing it", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "chunks",
        chunks: [Fixtures.messageStart(3), Fixtures.errorEvent("overloaded_error", `overloaded for key ${KEY}`)]
      }))
      const error = yield* Effect.flip(Stream.runCollect(backend.stream(hi)))
      assert.strictEqual(error.reason._tag, "Overloaded")
      assertNoKey(error, "stream error")
    }))

  it.live("not in an InvalidResponse snippet of a body or a stream event that contains it", () =>
    Effect.gen(function*() {
      const body = yield* setup(() => ({ kind: "text", body: `<html>key=${KEY}</html>` }))
      const error = yield* Effect.flip(body.backend.chat(hi))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      assertNoKey(error, "invalid body")
      const event = yield* setup(() => ({ kind: "chunks", chunks: [Fixtures.messageStart(3), `event: ping\ndata: {${KEY}\n\n`] }))
      const streamError = yield* Effect.flip(Stream.runCollect(event.backend.stream(hi)))
      assert.strictEqual(streamError.reason._tag, "InvalidResponse")
      assertNoKey(streamError, "invalid event")
    }))
})

describe("Anthropic configuration", () => {
  const build = (options: Anthropic.Options) => Effect.flip(Anthropic.make(options).pipe(Effect.provide(FetchHttpClient.layer)))
  const chatVia = (vars: Record<string, string>, overrides?: Partial<Anthropic.Options>) =>
    Effect.provide(
      LlmBackend.LlmBackend.use((backend) => backend.chat(hi)),
      Anthropic.layerConfig(overrides).pipe(Layer.provide(FetchHttpClient.layer), Layer.provide(env(vars)))
    )

  it.effect("a key is required; bad maxTokens, version, base URL or model fail naming the setting", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* build({})).setting, "apiKey")
      assert.strictEqual((yield* build({ apiKey: Redacted.make(KEY), maxTokens: 0 })).setting, "maxTokens")
      assert.strictEqual((yield* build({ apiKey: Redacted.make(KEY), maxTokens: 1.5 })).setting, "maxTokens")
      assert.strictEqual((yield* build({ apiKey: Redacted.make(KEY), version: " " })).setting, "version")
      assert.strictEqual((yield* build({ apiKey: Redacted.make(KEY), baseUrl: "https://api.anthropic.com/v1?key=x" })).setting, "baseUrl")
      const error = yield* build({ apiKey: Redacted.make(KEY), model: "" })
      assert.strictEqual(error.setting, "model")
      assert.include(error.message, "anthropic: invalid setting 'model'")
    }))

  it.live("layerConfig reads ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL and ANTHROPIC_MODEL; code overrides win", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(() => ({ kind: "json", body: Fixtures.message() }))
      yield* chatVia({ ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: `${server.url}/v1`, ANTHROPIC_MODEL: "claude-env" })
      yield* chatVia({ ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: `${server.url}/v1`, ANTHROPIC_MODEL: "claude-env" }, {
        model: "claude-code",
        maxTokens: 256
      })
      const [first, second] = server.requests
      assert.strictEqual(first!.headers["x-api-key"], KEY)
      assert.deepStrictEqual([(first!.json as { model: string }).model, (first!.json as { max_tokens: number }).max_tokens], ["claude-env", 4096])
      assert.deepStrictEqual([(second!.json as { model: string }).model, (second!.json as { max_tokens: number }).max_tokens], ["claude-code", 256])
    }))

  it.live("CLAUDE_API_KEY is read when ANTHROPIC_API_KEY is not set", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(() => ({ kind: "json", body: Fixtures.message() }))
      yield* chatVia({ CLAUDE_API_KEY: "sk-ant-claude-name", ANTHROPIC_BASE_URL: `${server.url}/v1`, ANTHROPIC_MODEL: "m" })
      assert.strictEqual(server.requests[0]!.headers["x-api-key"], "sk-ant-claude-name")
    }))

  it.live("ANTHROPIC_API_KEYS feeds the key pool, each key sent as x-api-key", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(() => ({ kind: "json", body: Fixtures.message() }))
      const vars = { ANTHROPIC_API_KEYS: "a:sk-ant-pool-a,b:sk-ant-pool-b", ANTHROPIC_BASE_URL: `${server.url}/v1`, ANTHROPIC_MODEL: "m" }
      yield* Effect.provide(
        LlmBackend.LlmBackend.use((backend) => Effect.andThen(backend.chat(hi), backend.chat(hi))),
        Anthropic.layerConfig().pipe(Layer.provide(FetchHttpClient.layer), Layer.provide(env(vars)))
      )
      assert.sameMembers(server.requests.map((r) => r.headers["x-api-key"]), ["sk-ant-pool-a", "sk-ant-pool-b"])
    }))

  it.effect("layerConfig without a key fails naming both key variables", () =>
    Effect.gen(function*() {
      const live = Anthropic.layerConfig().pipe(Layer.provide(FetchHttpClient.layer), Layer.provide(env({ ANTHROPIC_MODEL: "m" })))
      const error = yield* Effect.flip(Layer.build(live))
      assert.strictEqual(error._tag, "BackendConfigError")
      assert.include(error.message, "ANTHROPIC_API_KEY")
      assert.include(error.message, "CLAUDE_API_KEY")
    }))
})
