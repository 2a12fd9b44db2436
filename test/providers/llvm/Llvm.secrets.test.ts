/**
 * `LLVM_API_KEY` goes only in `Authorization: Bearer`: never in a URL, an
 * error, a snippet or the stats; and the server is configured from
 * `LLVM_BASE_URL` (default `http://localhost:8090`) and the route variables.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Redacted, Schema } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Message from "../../../src/domain/Message.ts"
import { LlmBackend } from "../../../src/LlmBackend.ts"
import * as Llvm from "../../../src/providers/llvm/Llvm.ts"
import { LlvmApi } from "../../../src/providers/llvm/LlvmApi.ts"
import * as FakeServer from "../../support/FakeServer.ts"
import * as Secrets from "../../support/Secrets.ts"
import { KEY, route, setup } from "./setup.ts"

const keyed = { apiKey: Redacted.make(KEY) }
const assertNoKey = (value: unknown, where: string) => Secrets.assertNoSecret(value, KEY, where)
const env = (vars: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromEnv({ env: vars }))

describe("the LLVM key never leaks", () => {
  it.live("sent as Bearer only, never in the URL", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup(route, keyed)
      yield* api.infer(`model-${KEY.slice(0, 4)}`, 1)
      yield* api.listModels()
      for (const request of server.requests) {
        assert.notInclude(request.url, KEY)
        assert.strictEqual(request.headers["authorization"], `Bearer ${KEY}`)
      }
    }))

  for (const status of [400, 401, 429, 500]) {
    it.live(`not in the error when a ${status} body echoes it`, () =>
      Effect.gen(function*() {
        const { api } = yield* setup((request) => ({ kind: "json", status, body: { detail: `bad ${request.headers["authorization"]}` } }), keyed)
        const error = yield* Effect.flip(api.infer("tiny", 1))
        assertNoKey(error, `infer ${status}`)
        assert.include(error.message, "[REDACTED]")
      }))
  }

  it.live("not in an InvalidResponse snippet, a schema mismatch, or the stats", () =>
    Effect.gen(function*() {
      const html = yield* setup(() => ({ kind: "text", body: `<html>${KEY}</html>` }), keyed)
      assertNoKey(yield* Effect.flip(html.api.infer("tiny", 1)), "snippet")
      const echoed = yield* setup(() => ({ kind: "json", body: { result: { token: KEY } } }), keyed)
      const mismatch = yield* Effect.flip(echoed.api.infer("tiny", 1, { output: Schema.Struct({ token: Schema.Number }) }))
      assert.strictEqual(mismatch.reason._tag, "InvalidResponse")
      assertNoKey(mismatch, "schema mismatch")
      assertNoKey(yield* html.backend.monitor.report("json"), "report")
      assertNoKey(yield* html.backend.monitor.recent, "recent")
    }))
})

describe("LLVM configuration", () => {
  it.live("layerConfig reads LLVM_BASE_URL, LLVM_API_KEY, LLVM_MODEL and LLVM_CHAT_ROUTE", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(route)
      const live = Llvm.layerConfig().pipe(
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(env({ LLVM_BASE_URL: server.url, LLVM_API_KEY: KEY, LLVM_MODEL: "tiny", LLVM_CHAT_ROUTE: "/v1/chat/completions" }))
      )
      yield* Effect.gen(function*() {
        yield* (yield* LlmBackend).chat({ messages: [Message.user("Hi")] })
        yield* (yield* LlvmApi).infer("tiny", 1)
      }).pipe(Effect.provide(live))
      assert.deepStrictEqual(server.requests.map((r) => r.url), ["/v1/chat/completions", "/models/tiny/infer"])
      assert.strictEqual((server.requests[0]!.json as { model: string }).model, "tiny")
      for (const request of server.requests) assert.strictEqual(request.headers["authorization"], `Bearer ${KEY}`)
    }))

  it.effect("no key is required; a bad base URL or route fails at build naming it", () =>
    Effect.gen(function*() {
      const ok = yield* Llvm.buildConfig().pipe(Effect.provide(FetchHttpClient.layer), Effect.provide(env({})))
      assert.strictEqual(ok.backend.provider, "llvm")
      const badUrl = yield* Effect.flip(Llvm.buildConfig().pipe(Effect.provide(FetchHttpClient.layer), Effect.provide(env({ LLVM_BASE_URL: "localhost:8090" }))))
      assert.strictEqual(badUrl._tag === "BackendConfigError" ? badUrl.setting : undefined, "baseUrl")
      const badRoute = yield* Effect.flip(Llvm.buildConfig().pipe(Effect.provide(FetchHttpClient.layer), Effect.provide(env({ LLVM_COMPLETIONS_ROUTE: "v1/completions" }))))
      assert.strictEqual(badRoute._tag === "BackendConfigError" ? badRoute.setting : undefined, "routes.completions")
    }))
})
