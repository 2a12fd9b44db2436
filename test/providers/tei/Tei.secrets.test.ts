/**
 * A TEI token (optional; an Inference Endpoint needs one) goes only in the
 * Authorization header: never in a URL, an error, its String or JSON, the
 * stats or reports. And the backend is configured from the environment.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Redacted } from "effect"
import { FetchHttpClient, HttpClient, HttpClientResponse } from "effect/http"
import { LlmBackend, Reranker } from "../../../src/index.ts"
import * as Tei from "../../../src/providers/tei/Tei.ts"
import * as TeiApi from "../../../src/providers/tei/TeiApi.ts"
import type * as FakeServer from "../../support/FakeServer.ts"
import * as Secrets from "../../support/Secrets.ts"
import * as Fixtures from "../../support/TeiFixtures.ts"
import { KEY, setup } from "./setup.ts"

const env = (vars: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromEnv({ env: vars }))
const assertNoKey = (value: unknown, where: string) => Secrets.assertNoSecret(value, KEY, where)
const keyed = { apiKey: Redacted.make(KEY), maxBatchSize: 8 }

const echo = (status: number): FakeServer.Handler => (request) => ({
  kind: "json",
  status,
  body: Fixtures.error(`bad token ${request.headers["authorization"]?.slice(7)}`, "Validation")
})

describe("the TEI token never leaks", () => {
  it.live("it is sent only as a Bearer token on every route", () =>
    Effect.gen(function*() {
      const { api, backend, reranker, server } = yield* setup(Fixtures.route(), keyed)
      yield* backend.embed("a")
      yield* reranker.rerank({ query: "q", documents: ["a"] })
      yield* api.embedSparse("a")
      yield* api.tokenize("a")
      yield* api.info()
      yield* api.health()
      assert.strictEqual(server.requests.length, 6)
      for (const request of server.requests) {
        assert.notInclude(request.url, KEY)
        assert.strictEqual(request.headers["authorization"], `Bearer ${KEY}`)
      }
    }))

  for (const status of [401, 413, 422, 429, 503]) {
    it.live(`not in the error when a ${status} body echoes it`, () =>
      Effect.gen(function*() {
        const { backend, reranker } = yield* setup(echo(status), keyed)
        for (const error of [yield* Effect.flip(backend.embed("a")), yield* Effect.flip(reranker.rerank({ query: "q", documents: ["a"] }))]) {
          assertNoKey(error, `error for ${status}`)
        }
      }))
  }

  it.live("not in an InvalidResponse snippet, the stats, the reports or the recent calls", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "text", body: `<html>token=${KEY}</html>` }), keyed)
      const error = yield* Effect.flip(backend.embed("a"))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      assertNoKey(error, "invalid response")
      assertNoKey(yield* backend.monitor.stats, "snapshot")
      assertNoKey(yield* backend.monitor.report("json"), "report")
      assertNoKey(yield* backend.monitor.recent, "recent")
    }))
})

describe("TEI configuration", () => {
  it.live("layerConfig reads TEI_BASE_URL, HF_TOKEN and TEI_MODEL; one layer gives the backend, the Reranker and TeiApi", () =>
    Effect.gen(function*() {
      const { server } = yield* setup(Fixtures.route())
      const live = Tei.layerConfig({ maxBatchSize: 8 }).pipe(
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(env({ TEI_BASE_URL: server.url, HF_TOKEN: KEY, TEI_MODEL: "bge" }))
      )
      const model = yield* Effect.provide(
        Effect.gen(function*() {
          const reply = yield* LlmBackend.embed("a")
          yield* Reranker.Reranker.use((r) => r.rerank({ query: "q", documents: ["a"] }))
          yield* TeiApi.TeiApi.use((api) => api.health())
          // Embed, rerank and health went through one pipeline: its stats saw all three.
          const stats = yield* LlmBackend.LlmBackend.use((b) => b.monitor.stats)
          assert.strictEqual(stats.total_requests, 3)
          return reply.model
        }),
        live
      )
      assert.strictEqual(model, "bge")
      assert.deepStrictEqual(server.requests.map((r) => r.url), ["/embed", "/rerank", "/health"])
      for (const request of server.requests) assert.strictEqual(request.headers["authorization"], `Bearer ${KEY}`)
    }))

  it.live("makeConfig without a token or URL uses the default base URL and sends no Authorization", () =>
    Effect.gen(function*() {
      // An in-memory client records where the request would go; nothing leaves the process.
      const seen: Array<{ url: string; authorization: string | undefined }> = []
      const client = Layer.succeed(HttpClient.HttpClient)(HttpClient.make((request) =>
        Effect.sync(() => {
          seen.push({ url: request.url, authorization: request.headers["authorization"] })
          return HttpClientResponse.fromWeb(request, Response.json([[0.5]]))
        })
      ))
      const backend = yield* Tei.makeConfig({ maxBatchSize: 8 }).pipe(Effect.provide(client), Effect.provide(env({})))
      yield* backend.embed("a")
      assert.deepStrictEqual(seen, [{ url: `${Tei.DEFAULT_BASE_URL}/embed`, authorization: undefined }])
    }))
})
