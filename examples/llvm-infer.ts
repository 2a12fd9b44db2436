/**
 * A generic REST model server: list models, describe one, run it on JSON
 * input with the answer decoded by a Schema, run an explicit batch, and a
 * completion through `LlmBackend` over the server's completions route.
 *
 *   npm run example examples/llvm-infer.ts -- --fake         # offline, examples/support/FakeLlvm.ts
 *   LLVM_BASE_URL=http://models:8090 LLVM_COMPLETIONS_ROUTE=/v1/completions LLVM_MODEL=sentiment \
 *     npm run example examples/llvm-infer.ts
 */
import { Console, Effect, Layer, Schema } from "effect"
import { FetchHttpClient } from "effect/http"
import { LlmBackend, LlvmApi, Message } from "../src/index.ts"
import * as Llvm from "../src/providers/llvm/Llvm.ts"
import * as FakeLlvm from "./support/FakeLlvm.ts"

const model = process.env["LLVM_MODEL"] ?? "sentiment"
const routes = { completions: "/v1/completions" }

const server = process.argv.includes("--fake")
  ? Layer.unwrap(Effect.map(
    Effect.acquireRelease(Effect.promise(() => FakeLlvm.serve()), (served) => Effect.promise(served.close)),
    (served) => Llvm.layer({ baseUrl: served.url, model, routes })
  ))
  : Llvm.layerConfig({ model })

const Sentiment = Schema.Struct({ label: Schema.Literals(["positive", "negative", "neutral"]), score: Schema.Number })

const program = Effect.gen(function*() {
  const api = yield* LlvmApi.LlvmApi
  const llm = yield* LlmBackend.LlmBackend

  const models = yield* api.listModels()
  yield* Console.log(`models  > ${models.map((m) => m.id).join(", ")}`)
  const info = yield* api.modelInfo(model)
  yield* Console.log(`info    > ${JSON.stringify(info.details)}`)

  // Typed at the edge: a reply that does not match is an InvalidResponse, not a surprise later.
  const one = yield* api.infer(model, { text: "I love this library" }, { output: Sentiment })
  yield* Console.log(`infer   > ${one.label} (${one.score})`)

  const many = yield* api.batchInfer(model, [{ text: "great" }, { text: "awful" }, { text: "a table" }], { output: Sentiment })
  yield* Console.log(`batch   > ${many.map((r) => r.label).join(", ")}`)

  // The id is one encoded path segment: the server sees /models/no%2Fsuch%3Fmodel/infer.
  const missing = yield* Effect.result(api.infer("no/such?model", { text: "x" }))
  yield* Console.log(`missing > ${missing._tag === "Failure" ? missing.failure.reason._tag : "found?"}`)

  const reply = yield* llm.chat({ messages: [Message.user("Describe this client in five words:")], maxTokens: 16 })
  yield* Console.log(`chat    > ${reply.text.trim()}`)
  const stats = yield* llm.monitor.stats
  yield* Console.log(`stats   > ${stats.total_requests} calls, ${stats.failed_requests} failed, one pipeline`)
})

program.pipe(
  Effect.provide(server.pipe(Layer.provide(FetchHttpClient.layer))),
  Effect.catch((error) =>
    Console.error(`${error._tag}: ${error.message}\nStart the model server (or pass --fake) and set LLVM_BASE_URL.`).pipe(
      Effect.andThen(Effect.sync(() => (process.exitCode = 1)))
    )
  ),
  Effect.runPromise
)
