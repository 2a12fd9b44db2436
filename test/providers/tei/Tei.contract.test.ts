/**
 * Every kind of request we send to TEI is accepted by Steady loaded with
 * TEI's official OpenAPI spec; a deliberately invalid request is rejected,
 * so the check can fail.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import * as Tei from "../../../src/providers/tei/Tei.ts"
import * as Shared from "../../support/Shared.ts"
import * as Steady from "../../support/Steady.ts"

describe.skipIf(!Shared.available)(`TEI requests against the official spec${Shared.skipReason}`, () => {
  it.live("every request kind we send is valid (embed with options, /v1/embeddings, rerank, embed_sparse, tokenize, info, health), and an invalid one is rejected", () =>
    Effect.gen(function*() {
      const steady = yield* Steady.make(Shared.specPath("tei.openapi.json"))
      const { client, verdicts } = yield* Steady.recording
      const common = {
        baseUrl: steady.url,
        apiKey: Redacted.make("hf_contract00000000"),
        maxBatchSize: 32,
        policy: { maxRetries: 0, circuitBreaker: false }
      } as const
      const native = yield* Tei.build({
        ...common,
        normalize: true,
        truncate: true,
        truncationDirection: "right",
        promptName: "query",
        rawScores: false
      }).pipe(Effect.provideService(HttpClient.HttpClient, client))
      const openai = yield* Tei.build({ ...common, embedRoute: "openai", embeddingModel: "bge" }).pipe(
        Effect.provideService(HttpClient.HttpClient, client)
      )
      const bare = yield* Tei.build(common).pipe(Effect.provideService(HttpClient.HttpClient, client))

      // Steady answers with generated data; only the verdict on our request matters here.
      const send = <A, E>(effect: Effect.Effect<A, E>) => Effect.ignore(effect)
      yield* send(native.backend.embed({ input: ["a", "b"], dimensions: 128 }))
      yield* send(bare.backend.embed("a"))
      yield* send(openai.backend.embed(["a", "b"]))
      yield* send(native.reranker.rerank({ query: "q", documents: ["a", "b"], returnDocuments: true }))
      yield* send(bare.reranker.rerank({ query: "q", documents: ["a"] }))
      yield* send(native.api.embedSparse(["a"]))
      yield* send(native.api.tokenize(["a"], { addSpecialTokens: true, promptName: "query" }))
      yield* send(native.api.info())
      yield* send(native.api.health())
      yield* send(native.backend.models())

      const ours = verdicts.slice()
      assert.deepStrictEqual(ours.map((v) => `${v.method} ${new URL(v.url).pathname}`), [
        "POST /embed",
        "POST /embed",
        "POST /v1/embeddings",
        "POST /rerank",
        "POST /rerank",
        "POST /embed_sparse",
        "POST /tokenize",
        "GET /info",
        "GET /health",
        "GET /info"
      ])
      Steady.assertAllValid(ours)

      // The check can fail: `texts` must be a list of strings.
      yield* Steady.assertRejected(client, verdicts, `${steady.url}/rerank`, { query: "q", texts: "not a list" })
    }).pipe(Effect.provide(FetchHttpClient.layer)), 60_000)
})
