/**
 * The OPEA key (optional, Bearer) never leaves through a URL, an error, a
 * stream error, a snippet or the stats, on any of the services; and the
 * deployment is configured from `OPEA_API_ENDPOINT` and the per-service
 * variables, failing at build naming the setting.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Redacted, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Message from "../../../src/domain/Message.ts"
import { LlmBackend } from "../../../src/LlmBackend.ts"
import type * as LlmError from "../../../src/LlmError.ts"
import * as Opea from "../../../src/providers/opea/Opea.ts"
import { OpeaApi } from "../../../src/providers/opea/OpeaApi.ts"
import { Reranker } from "../../../src/Reranker.ts"
import * as FakeServer from "../../support/FakeServer.ts"
import * as Secrets from "../../support/Secrets.ts"
import { KEY, route, setup } from "./setup.ts"

const hi = { messages: [Message.user("Hi")] }
const keyed = { apiKey: Redacted.make(KEY) }
const assertNoKey = (value: unknown, where: string) => Secrets.assertNoSecret(value, KEY, where)

const echo = (status: number): FakeServer.Handler => (request) => ({
  kind: "json",
  status,
  body: { object: "error", message: `bad token ${request.headers["authorization"]}`, code: 40102 }
})

describe("the OPEA key never leaks", () => {
  for (const status of [400, 401, 429, 500]) {
    it.live(`not in the error of any service when a ${status} body echoes it`, () =>
      Effect.gen(function*() {
        const { api, backend, reranker } = yield* setup(echo(status), keyed)
        for (const [where, call] of [
          ["chat", backend.chat(hi)],
          ["embed", backend.embed("x")],
          ["rerank", reranker.rerank({ query: "q", documents: ["a"] })],
          ["chatqna", api.chatqna("q")],
          ["health", api.health()]
        ] as const) {
          const error = yield* Effect.flip(call as Effect.Effect<unknown, LlmError.LlmError>)
          assertNoKey(error, `${where} ${status}`)
          assert.include(error.message, "[REDACTED]")
        }
      }))
  }

  it.live("not in the URL; not in stream errors or snippets; not in stats and reports", () =>
    Effect.gen(function*() {
      const ok = yield* setup(route, keyed)
      yield* ok.backend.chat(hi)
      yield* Stream.runDrain(ok.api.chatqnaStream("q"))
      for (const request of ok.server.requests) assert.notInclude(request.url, KEY)
      const inBand = yield* setup(() => ({ kind: "chunks", chunks: FakeServer.sse([{ error: { message: `key ${KEY}`, type: "server_error" } }], { done: false }) }), keyed)
      assertNoKey(yield* Effect.flip(Stream.runCollect(inBand.api.chatqnaStream("q"))), "chatqna stream error")
      const frame = yield* setup(() => ({ kind: "chunks", chunks: [`data: <p>${KEY}</p>\n\n`] }), keyed)
      assertNoKey(yield* Effect.flip(Stream.runCollect(frame.backend.stream(hi))), "stream snippet")
      const html = yield* setup(() => ({ kind: "text", body: `<html>${KEY}</html>` }), keyed)
      const error = yield* Effect.flip(html.reranker.rerank({ query: "q", documents: ["a"] }))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      assertNoKey(error, "rerank snippet")
      assertNoKey(yield* html.backend.monitor.stats, "stats")
      assertNoKey(yield* html.backend.monitor.report("json"), "report")
      assertNoKey(yield* html.backend.monitor.recent, "recent")
    }))
})

describe("OPEA configuration", () => {
  const build = (options: Opea.Options) => Effect.flip(Opea.build(options).pipe(Effect.provide(FetchHttpClient.layer)))
  const env = (vars: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromEnv({ env: vars }))

  it.effect("a bad per-service URL fails at build naming it; credentials in a URL are refused", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* build({ chatUrl: "not a url" })).setting, "chatUrl")
      assert.strictEqual((yield* build({ rerankUrl: "http://u:p@host:8000" })).setting, "rerankUrl")
      assert.strictEqual((yield* build({ chatqnaUrl: "http://host:8888?key=1" })).setting, "chatqnaUrl")
      assert.strictEqual((yield* build({ baseUrl: "ftp://host" })).setting, "baseUrl")
      assert.strictEqual((yield* build({ apiKey: Redacted.make(" ") })).setting, "apiKey")
    }))

  it.live("layerConfig reads OPEA_API_ENDPOINT, the per-service URLs, OPEA_API_KEY and OPEA_MODEL", () =>
    Effect.gen(function*() {
      const gateway = yield* FakeServer.make(route)
      const llm = yield* FakeServer.make(route)
      const live = Opea.layerConfig().pipe(
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(env({
          OPEA_API_ENDPOINT: gateway.url,
          OPEA_CHAT_URL: llm.url,
          OPEA_API_KEY: KEY,
          OPEA_MODEL: "env-model"
        }))
      )
      yield* Effect.gen(function*() {
        yield* (yield* LlmBackend).chat(hi)
        yield* (yield* Reranker).rerank({ query: "q", documents: ["a"] })
        yield* (yield* OpeaApi).chatqna("q")
      }).pipe(Effect.provide(live))
      assert.deepStrictEqual(llm.requests.map((r) => r.url), ["/v1/chat/completions"])
      assert.strictEqual((llm.requests[0]!.json as { model: string }).model, "env-model")
      assert.deepStrictEqual(gateway.requests.map((r) => r.url), ["/v1/reranking", "/v1/chatqna"])
      for (const request of [...llm.requests, ...gateway.requests]) assert.strictEqual(request.headers["authorization"], `Bearer ${KEY}`)
    }))

  it.live("no key is needed: an empty environment builds against the default gateway URL", () =>
    Effect.gen(function*() {
      const services = yield* Opea.buildConfig().pipe(Effect.provide(FetchHttpClient.layer), Effect.provide(env({})))
      assert.strictEqual(services.backend.provider, "opea")
      assert.isTrue(services.backend.capabilities.chat && services.backend.capabilities.embed)
    }))
})
