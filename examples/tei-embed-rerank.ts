/**
 * Embeddings, reranking and tokenizing with a Hugging Face TEI server. The
 * fake's batch limit is 3, so embedding seven texts sends three requests
 * (read from `/info` once), answered back in order.
 *
 *   npm run example examples/tei-embed-rerank.ts -- --fake          # offline, examples/hf-fake.ts
 *   TEI_BASE_URL=http://localhost:8080 npm run example examples/tei-embed-rerank.ts
 */
import { Console, Effect, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import { LlmBackend, Reranker, TeiApi } from "../src/index.ts"
import * as Tei from "../src/providers/tei/Tei.ts"
import * as Fake from "./hf-fake.ts"

const backends = process.argv.includes("--fake")
  ? Layer.unwrap(
    Effect.map(
      Effect.acquireRelease(Effect.promise(() => Fake.serveTei()), (served) => Effect.promise(served.close)),
      (served) => Tei.layer({ baseUrl: served.url })
    )
  )
  : Tei.layerConfig()

const documents = [
  "Paris is the capital and largest city of France.",
  "Berlin is the capital of Germany.",
  "The Eiffel Tower is in Paris, France.",
  "Bananas are rich in potassium.",
  "France borders Spain, Italy and Germany.",
  "The Seine flows through Paris.",
  "Tokyo is the capital of Japan."
]

const program = Effect.gen(function*() {
  const vectors = yield* LlmBackend.embed(documents)
  yield* Console.log(`embed  > ${vectors.embeddings.length} vectors of ${vectors.embeddings[0]?.length} dims from ${vectors.model}`)
  const stats = yield* LlmBackend.LlmBackend.use((backend) => backend.monitor.stats)
  yield* Console.log(`         ${stats.total_requests} pipeline calls (the /info read and one per batch)`)

  const reranker = yield* Reranker.Reranker
  const ranked = yield* reranker.rerank({ query: "What is the capital of France?", documents, topN: 3, returnDocuments: true })
  for (const result of ranked.results) yield* Console.log(`rerank > ${result.score.toFixed(3)}  ${result.document}`)

  const tei = yield* TeiApi.TeiApi
  const [tokens] = yield* tei.tokenize(documents[0]!)
  yield* Console.log(`tokens > ${tokens?.length} tokens: ${tokens?.map((t) => JSON.stringify(t.text)).join(" ")}`)
  const info = yield* tei.info()
  yield* Console.log(`info   > ${info.modelId}, batch limit ${info.maxClientBatchSize}, max input ${info.maxInputLength} tokens`)
})

program.pipe(
  Effect.provide(backends.pipe(Layer.provide(FetchHttpClient.layer))),
  Effect.catch((error) =>
    Console.error(error._tag === "LlmError" ? `request failed: ${error.message}` : error.message).pipe(
      Effect.andThen(Effect.sync(() => (process.exitCode = 1)))
    )
  ),
  Effect.runPromise
)
