/**
 * The HF token goes only in the Authorization header: never in a URL, an
 * error, its String or JSON, whatever a server echoes back. And the
 * backend is configured from the environment names users know, choosing the
 * dialect from them (no request ever leaves for the real router here: an
 * in-memory client records where it would have gone).
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Redacted, Stream } from "effect"
import { FetchHttpClient, HttpClient, HttpClientResponse } from "effect/http"
import { LlmBackend, Message } from "../../../src/index.ts"
import * as Tgi from "../../../src/providers/tgi/Tgi.ts"
import * as TgiApi from "../../../src/providers/tgi/TgiApi.ts"
import type * as FakeServer from "../../support/FakeServer.ts"
import * as Secrets from "../../support/Secrets.ts"
import * as Fixtures from "../../support/TgiFixtures.ts"
import { KEY, setup } from "./setup.ts"

const hi = { messages: [Message.user("Hi")] }
const env = (vars: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromEnv({ env: vars }))
const assertNoKey = (value: unknown, where: string) => Secrets.assertNoSecret(value, KEY, where)
const keyed = { apiKey: Redacted.make(KEY) }

// A server that echoes the token it was sent, as misconfigured proxies do.
const echo = (status: number): FakeServer.Handler => (request) => ({
  kind: "json",
  status,
  body: Fixtures.error(`bad token ${request.headers["authorization"]?.slice(7)}`, "validation")
})

describe("the HF token never leaks (TGI)", () => {
  it.live("it is sent only as a Bearer token, on chat and every native route", () =>
    Effect.gen(function*() {
      const { api, backend, server } = yield* setup(Fixtures.route, keyed)
      yield* backend.chat(hi)
      yield* Stream.runDrain(backend.stream(hi))
      yield* api.generate({ inputs: "x" })
      yield* Stream.runDrain(api.generateStream({ inputs: "x" }))
      yield* api.info()
      yield* api.health()
      assert.strictEqual(server.requests.length, 6)
      for (const request of server.requests) {
        assert.notInclude(request.url, KEY)
        assert.strictEqual(request.headers["authorization"], `Bearer ${KEY}`)
      }
    }))

  for (const status of [401, 422, 424, 429, 500]) {
    it.live(`not in the error when a ${status} body echoes it`, () =>
      Effect.gen(function*() {
        const { api, backend } = yield* setup(echo(status), keyed)
        for (const error of [yield* Effect.flip(backend.chat(hi)), yield* Effect.flip(api.generate({ inputs: "x" }))]) {
          assertNoKey(error, `error for ${status}`)
          assert.include(error.message, "[REDACTED]")
        }
      }))
  }

  it.live("not in an in-stream error event, nor an InvalidResponse snippet, echoing it", () =>
    Effect.gen(function*() {
      const event = yield* setup(() => Fixtures.sse([Fixtures.error(`failed for ${KEY}`, "generation")]), keyed)
      assertNoKey(yield* Effect.flip(Stream.runDrain(event.api.generateStream({ inputs: "x" }))), "stream error")
      const body = yield* setup(() => ({ kind: "text", body: `<html>token=${KEY}</html>` }), keyed)
      const error = yield* Effect.flip(body.api.generate({ inputs: "x" }))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      assertNoKey(error, "invalid response")
    }))

  it.live("not in the stats, the reports or the recent calls", () =>
    Effect.gen(function*() {
      const { api, backend } = yield* setup(echo(401), keyed)
      yield* Effect.exit(api.generate({ inputs: "x" }))
      yield* Effect.exit(backend.chat(hi))
      assertNoKey(yield* backend.monitor.stats, "snapshot")
      assertNoKey(yield* backend.monitor.report("json"), "report")
      assertNoKey(yield* backend.monitor.recent, "recent")
    }))
})

/** An HttpClient that records where requests go and answers every one with a chat reply. */
const recordingClient = () => {
  const seen: Array<{ url: string; authorization: string | undefined }> = []
  const layer = Layer.succeed(HttpClient.HttpClient)(HttpClient.make((request) =>
    Effect.sync(() => {
      seen.push({ url: request.url, authorization: request.headers["authorization"] })
      return HttpClientResponse.fromWeb(request, Response.json(Fixtures.chatCompletion()))
    })
  ))
  return { seen, layer }
}

const chatVia = (layer: Layer.Layer<LlmBackend.LlmBackend | TgiApi.TgiApi, unknown>) =>
  Effect.provide(LlmBackend.LlmBackend.use((backend) => backend.chat({ ...hi, model: "meta-llama/Llama-3.1-8B-Instruct" })), layer)

describe("TGI configuration", () => {
  it.live("TGI_BASE_URL selects the self-hosted server (HF_TOKEN, if set, is sent to it); TGI_MODEL is the model", () =>
    Effect.gen(function*() {
      const server = yield* setup(Fixtures.route).pipe(Effect.map((s) => s.server))
      const live = Tgi.layerConfig().pipe(
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(env({ TGI_BASE_URL: server.url, HF_TOKEN: KEY, TGI_MODEL: "zephyr" }))
      )
      yield* Effect.provide(
        Effect.gen(function*() {
          yield* LlmBackend.chat(hi)
          yield* TgiApi.TgiApi.use((api) => api.info())
        }),
        live
      )
      assert.deepStrictEqual(server.requests.map((r) => r.url), ["/v1/chat/completions", "/info"])
      assert.strictEqual((server.requests[0]!.json as { model: string }).model, "zephyr")
      assert.strictEqual(server.requests[0]!.headers["authorization"], `Bearer ${KEY}`)
    }))

  for (const name of ["HF_TOKEN", "HF_API_KEY", "HUGGING_FACE_HUB_TOKEN"]) {
    it.live(`only ${name}: Hugging Face's router, with the token as Bearer`, () =>
      Effect.gen(function*() {
        const { layer, seen } = recordingClient()
        yield* chatVia(Tgi.layerConfig().pipe(Layer.provide(layer), Layer.provide(env({ [name]: KEY }))))
        assert.deepStrictEqual(seen, [{ url: `${Tgi.ROUTER_URL}/chat/completions`, authorization: `Bearer ${KEY}` }])
      }))
  }

  it.effect("neither TGI_BASE_URL nor a token fails at layer build, naming both", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Layer.build(Tgi.layerConfig().pipe(Layer.provide(FetchHttpClient.layer), Layer.provide(env({})))))
      assert.include(String(error), "TGI_BASE_URL")
      assert.include(String(error), "HF_TOKEN")
    }))

  it.effect("the router without a token, a self-hosted target without a URL, and a bad URL fail at build naming the setting", () =>
    Effect.gen(function*() {
      const build = (options: Tgi.Options) => Effect.flip(Tgi.make(options).pipe(Effect.provide(FetchHttpClient.layer)))
      assert.strictEqual((yield* build({ target: "router" })).setting, "apiKey")
      assert.strictEqual((yield* build({ target: "self-hosted" })).setting, "baseUrl")
      assert.strictEqual((yield* build({ baseUrl: "not a url" })).setting, "baseUrl")
      assert.strictEqual((yield* build({ baseUrl: "http://127.0.0.1:1", model: " " })).setting, "model")
    }))

  it.live("makeConfig: overrides from code win over the environment", () =>
    Effect.gen(function*() {
      const { layer, seen } = recordingClient()
      const backend = yield* Tgi.makeConfig({ baseUrl: "http://127.0.0.1:7777" }).pipe(
        Effect.provide(layer),
        Effect.provide(env({ HF_TOKEN: KEY }))
      )
      yield* backend.chat(hi)
      assert.strictEqual(seen[0]?.url, "http://127.0.0.1:7777/v1/chat/completions")
    }))
})
