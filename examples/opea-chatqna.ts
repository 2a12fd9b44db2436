/**
 * An OPEA deployment end to end: health, a ChatQnA question (whole, then
 * streamed), a reranking and a chat on the text-generation service, all on
 * one pipeline (one stats report at the end).
 *
 *   npm run example examples/opea-chatqna.ts -- --fake       # offline, examples/support/FakeOpea.ts
 *   OPEA_API_ENDPOINT=http://gateway:8888 OPEA_CHAT_URL=http://llm:9000 OPEA_MODEL=Intel/neural-chat-7b-v3-3 \
 *     npm run example examples/opea-chatqna.ts
 */
import { Console, Effect, Layer, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import { LlmBackend, Message, OpeaApi, Reranker } from "../src/index.ts"
import * as Opea from "../src/providers/opea/Opea.ts"
import * as FakeOpea from "./support/FakeOpea.ts"

const model = process.env["OPEA_MODEL"] ?? "Intel/neural-chat-7b-v3-3"

const deployment = process.argv.includes("--fake")
  ? Layer.unwrap(Effect.map(
    Effect.acquireRelease(Effect.promise(() => FakeOpea.serve()), (served) => Effect.promise(served.close)),
    (served) => Opea.layer({ baseUrl: served.url, model })
  ))
  : Opea.layerConfig({ model })

const program = Effect.gen(function*() {
  const opea = yield* OpeaApi.OpeaApi
  const reranker = yield* Reranker.Reranker
  const llm = yield* LlmBackend.LlmBackend

  const health = yield* opea.health()
  yield* Console.log(`health  > ${JSON.stringify(health.details)}`)

  const answer = yield* opea.chatqna("What is OPEA?", { timeout: "60 seconds" })
  yield* Console.log(`chatqna > ${answer.text}`)

  yield* Effect.sync(() => process.stdout.write("stream  > "))
  yield* opea.chatqnaStream({ messages: [Message.user("What does OPEA compose?")], maxTokens: 128 }).pipe(
    Stream.runForEach((chunk) => chunk._tag === "TextDelta" ? Effect.sync(() => process.stdout.write(chunk.text)) : Effect.void)
  )
  yield* Console.log("")

  const ranked = yield* reranker.rerank({
    query: "which service reranks documents",
    documents: ["The embedding service turns text into vectors.", "The reranking service reorders retrieved documents."],
    returnDocuments: true
  })
  for (const result of ranked.results) yield* Console.log(`rerank  > ${result.score.toFixed(2)} ${result.document}`)

  const reply = yield* llm.chat({ messages: [Message.user("Say hi in five words.")], maxTokens: 32 })
  yield* Console.log(`chat    > ${reply.text}`)
  yield* Console.log(yield* llm.monitor.report("text"))
})

program.pipe(
  Effect.provide(deployment.pipe(Layer.provide(FetchHttpClient.layer))),
  Effect.catch((error) =>
    Console.error(`${error._tag}: ${error.message}\nStart OPEA (or pass --fake) and set OPEA_API_ENDPOINT.`).pipe(
      Effect.andThen(Effect.sync(() => (process.exitCode = 1)))
    )
  ),
  Effect.runPromise
)
