/**
 * The OVMS key (optional; OVMS started with `--api_key_file`, or a proxy)
 * goes only in `Authorization: Bearer`: never in a URL, an error, its String
 * or JSON, the stats, whatever a server echoes back, on every service. And
 * the deployment is configured from OVMS_* variables.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Redacted, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Message from "../../../src/domain/Message.ts"
import { LlmBackend } from "../../../src/LlmBackend.ts"
import * as Ovms from "../../../src/providers/ovms/Ovms.ts"
import { OvmsApi } from "../../../src/providers/ovms/OvmsApi.ts"
import * as Tensor from "../../../src/providers/ovms/Tensor.ts"
import { Reranker } from "../../../src/Reranker.ts"
import * as FakeServer from "../../support/FakeServer.ts"
import * as Secrets from "../../support/Secrets.ts"
import * as Fixtures from "./fixtures.ts"
import { route, setup } from "./setup.ts"

const KEY = "ovms-SECRET-key-0123456789abcdefXYZ"
const hi = { messages: [Message.user("Hi")] }
const x = { inputs: [Tensor.make("x", "FP32", [1], [1])] }
const env = (vars: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromEnv({ env: vars }))
const assertNoKey = (value: unknown, where: string) => Secrets.assertNoSecret(value, KEY, where)

// A server that echoes the key it was sent, as misconfigured proxies do.
const echo = (status: number): FakeServer.Handler => (request) =>
  Fixtures.kserveError(status, `rejected token ${request.headers["authorization"]?.slice(7)}`)

describe("the OVMS key never leaks", () => {
  it.live("it is sent only as a Bearer token, on every route of every service", () =>
    Effect.gen(function*() {
      const { api, backend, reranker, server } = yield* setup(route, { apiKey: Redacted.make(KEY) })
      yield* backend.chat(hi)
      yield* Stream.runDrain(backend.stream(hi))
      yield* backend.embed("a")
      yield* backend.models()
      yield* reranker.rerank({ query: "q", documents: ["a"] })
      yield* api.infer("m", x)
      yield* api.metadata("m")
      yield* api.ready("m")
      yield* api.serverLive()
      assert.strictEqual(server.requests.length, 9)
      for (const request of server.requests) {
        assert.notInclude(request.url, KEY)
        assert.strictEqual(request.headers["authorization"], `Bearer ${KEY}`)
      }
    }))

  for (const status of [400, 401, 404, 500, 503]) {
    it.live(`not in the error when a ${status} KServe body echoes it (infer, rerank, chat)`, () =>
      Effect.gen(function*() {
        const { api, backend, reranker } = yield* setup(echo(status), { apiKey: Redacted.make(KEY) })
        const errors = [
          yield* Effect.flip(api.infer("m", x)),
          yield* Effect.flip(reranker.rerank({ query: "q", documents: ["a"] })),
          yield* Effect.flip(backend.chat(hi))
        ]
        for (const error of errors) {
          assertNoKey(error, `error for ${status}`)
          assert.include(error.message, "[REDACTED]")
        }
        const stats = yield* backend.monitor.stats
        assert.strictEqual(stats.total_requests, 3)
        assertNoKey(stats, "snapshot")
        assertNoKey(yield* backend.monitor.report("json"), "json report")
        assertNoKey(yield* backend.monitor.recent, "recent calls")
      }))
  }

  it.live("not in an InvalidResponse snippet of a reply that contains it", () =>
    Effect.gen(function*() {
      const { api } = yield* setup(() => ({ kind: "text", body: `<html>token=${KEY}</html>` }), { apiKey: Redacted.make(KEY) })
      const error = yield* Effect.flip(api.infer("m", x))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      assertNoKey(error, "invalid response")
    }))
})

describe("OVMS configuration", () => {
  const build = (options: Ovms.Options) => Effect.flip(Ovms.build(options).pipe(Effect.provide(FetchHttpClient.layer)))

  it.effect("bad settings fail at build, naming the setting; no key is needed", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* build({ baseUrl: "http://u:p@localhost:8000" })).setting, "baseUrl")
      assert.strictEqual((yield* build({ apiKey: Redacted.make(" ") })).setting, "apiKey")
      assert.strictEqual((yield* build({ model: "" })).setting, "model")
      assert.strictEqual((yield* build({ rerankModel: " " })).setting, "rerankModel")
      const services = yield* Ovms.build({}).pipe(Effect.provide(FetchHttpClient.layer))
      assert.strictEqual(services.backend.provider, "ovms")
    }))

  it.live("layerConfig reads OVMS_API_URL, OVMS_API_KEY, OVMS_MODEL and OVMS_RERANK_MODEL into all three services", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(route)
      const vars = { OVMS_API_URL: server.url, OVMS_API_KEY: KEY, OVMS_MODEL: "llama-env", OVMS_RERANK_MODEL: "rerank-env" }
      const live = Ovms.layerConfig().pipe(Layer.provide(FetchHttpClient.layer), Layer.provide(env(vars)))
      yield* Effect.gen(function*() {
        yield* (yield* LlmBackend).chat(hi)
        yield* (yield* Reranker).rerank({ query: "q", documents: ["a"] })
        yield* (yield* OvmsApi).infer("m", x)
      }).pipe(Effect.provide(live))
      assert.deepStrictEqual(server.requests.map((r) => r.url), ["/v3/chat/completions", "/v3/rerank", "/v2/models/m/infer"])
      assert.deepStrictEqual(server.requests.map((r) => (r.json as { model?: string }).model), ["llama-env", "rerank-env", undefined])
      for (const request of server.requests) assert.strictEqual(request.headers["authorization"], `Bearer ${KEY}`)
    }))

  it.live("makeConfig: code overrides win over the environment, and no key sends no Authorization", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(route)
      const backend = yield* Ovms.makeConfig({ model: "from-code" }).pipe(
        Effect.provide(FetchHttpClient.layer),
        Effect.provide(env({ OVMS_API_URL: server.url, OVMS_MODEL: "from-env" }))
      )
      yield* backend.chat(hi)
      assert.strictEqual((server.requests[0]!.json as { model: string }).model, "from-code")
      assert.isUndefined(server.requests[0]!.headers["authorization"])
    }))
})
