/**
 * Embedding and model-list requests on the wire: paths, bodies, batching
 * and pagination.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Fixtures from "../../support/GeminiFixtures.ts"
import type * as FakeServer from "../../support/FakeServer.ts"
import { setup } from "./setup.ts"

const bodyOf = (server: { readonly requests: ReadonlyArray<FakeServer.Recorded> }, i = 0) => server.requests[i]!.json as Record<string, unknown>

describe("Gemini embedding and model requests", () => {
  it.live("embeddings: one input → :embedContent, several → :batchEmbedContents naming the model per request", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup((request) => {
        if (request.url.endsWith(":embedContent")) return { kind: "json", body: { embedding: { values: [0.1, 0.2] } } }
        const n = (request.json as { requests: Array<unknown> }).requests.length
        return { kind: "json", body: { embeddings: Array.from({ length: n }, (_, i) => ({ values: [i, 0.5] })) } }
      })
      const one = yield* backend.embed("hello")
      const many = yield* backend.embed({ input: ["a", "b", "c"], dimensions: 2 })
      const other = yield* backend.embed({ model: "models/gemini-embedding-001", input: ["x", "y"] })
      assert.deepStrictEqual(server.requests.map((r) => r.url), [
        "/v1beta/models/text-embedding-004:embedContent",
        "/v1beta/models/text-embedding-004:batchEmbedContents",
        "/v1beta/models/gemini-embedding-001:batchEmbedContents"
      ])
      assert.deepStrictEqual(bodyOf(server, 0), { content: { parts: [{ text: "hello" }] } })
      assert.deepStrictEqual(bodyOf(server, 1), {
        requests: ["a", "b", "c"].map((text) => ({ model: "models/text-embedding-004", content: { parts: [{ text }] }, outputDimensionality: 2 }))
      })
      assert.deepStrictEqual((bodyOf(server, 2)["requests"] as Array<{ model: string }>).map((r) => r.model), [
        "models/gemini-embedding-001",
        "models/gemini-embedding-001"
      ])
      assert.deepStrictEqual(one.embeddings, [[0.1, 0.2]])
      assert.deepStrictEqual(many.embeddings, [[0, 0.5], [1, 0.5], [2, 0.5]])
      assert.strictEqual(other.embeddings.length, 2)
    }))

  it.live("more than 100 texts are embedded in batches of 100, in order", () =>
    Effect.gen(function*() {
      let offset = 0
      const { backend, server } = yield* setup((request) => {
        const n = (request.json as { requests: Array<unknown> }).requests.length
        const body = { embeddings: Array.from({ length: n }, (_, i) => ({ values: [offset + i] })) }
        offset += n
        return { kind: "json", body }
      })
      const reply = yield* backend.embed(Array.from({ length: 230 }, (_, i) => `t${i}`))
      assert.deepStrictEqual(server.requests.map((r) => (r.json as { requests: Array<unknown> }).requests.length), [100, 100, 30])
      assert.deepStrictEqual(reply.embeddings.map((v) => v[0]), Array.from({ length: 230 }, (_, i) => i))
    }))

  it.live("models: every page is fetched with pageToken, and ids lose their models/ prefix", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup((request) => {
        const token = new URL(request.url, "http://x").searchParams.get("pageToken")
        return {
          kind: "json",
          body: token === null
            ? Fixtures.modelsPage(["gemini-2.0-flash", "gemini-1.5-pro"], "page-2")
            : token === "page-2"
            ? Fixtures.modelsPage(["text-embedding-004"], "page-3")
            : Fixtures.modelsPage(["gemini-2.5-pro"])
        }
      })
      const models = yield* backend.models()
      assert.deepStrictEqual(server.requests.map((r) => [r.method, r.url]), [
        ["GET", "/v1beta/models?pageSize=1000"],
        ["GET", "/v1beta/models?pageSize=1000&pageToken=page-2"],
        ["GET", "/v1beta/models?pageSize=1000&pageToken=page-3"]
      ])
      assert.deepStrictEqual(models.map((m) => m.id), ["gemini-2.0-flash", "gemini-1.5-pro", "text-embedding-004", "gemini-2.5-pro"])
      assert.deepStrictEqual(
        [models[0]!.provider, models[0]!.displayName, models[0]!.contextWindow, models[0]!.maxOutputTokens],
        ["gemini", "GEMINI-2.0-FLASH", 1_048_576, 8_192]
      )
    }))

  it.live("a model list whose pages never end fails instead of looping", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(() => ({ kind: "json", body: Fixtures.modelsPage(["m"], "same") }))
      const error = yield* Effect.flip(backend.models())
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      assert.strictEqual(server.requests.length, 2)
    }))
})
