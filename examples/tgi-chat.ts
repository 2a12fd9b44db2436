/**
 * Chat with a Hugging Face TGI server, then its native routes: a generation
 * with details, tokens as they are generated, and the server's info.
 *
 *   npm run example examples/tgi-chat.ts -- --fake                  # offline, examples/hf-fake.ts
 *   TGI_BASE_URL=http://localhost:8080 npm run example examples/tgi-chat.ts
 *   HF_TOKEN=hf_... TGI_MODEL=meta-llama/Llama-3.1-8B-Instruct npm run example examples/tgi-chat.ts
 *
 * With only `HF_TOKEN`, chat goes to Hugging Face's router and the native
 * routes fail with `Unsupported` (the router has none): the example says so.
 */
import { Console, Effect, Layer, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import { LlmBackend, Message, TgiApi } from "../src/index.ts"
import * as Tgi from "../src/providers/tgi/Tgi.ts"
import * as Fake from "./hf-fake.ts"

const live = process.argv.includes("--fake")
  ? Layer.unwrap(
    Effect.map(
      Effect.acquireRelease(Effect.promise(() => Fake.serveTgi()), (served) => Effect.promise(served.close)),
      (served) => Tgi.layer({ baseUrl: served.url })
    )
  )
  : Tgi.layerConfig()

const program = Effect.gen(function*() {
  const reply = yield* LlmBackend.chat({ system: "You are terse.", messages: [Message.user("Name three prime numbers.")], maxTokens: 60 })
  yield* Console.log(`chat     > ${reply.text}\n           model ${reply.model}, finish ${reply.finishReason}`)

  yield* Effect.sync(() => process.stdout.write("stream   > "))
  yield* LlmBackend.stream({ messages: [Message.user("Count from one to five.")], maxTokens: 60 }).pipe(
    Stream.runForEach((chunk) => chunk._tag === "TextDelta" ? Effect.sync(() => process.stdout.write(chunk.text)) : Effect.void)
  )
  yield* Console.log("")

  const tgi = yield* TgiApi.TgiApi
  const native = Effect.gen(function*() {
    const generated = yield* tgi.generate({ inputs: "The capital of France is", maxNewTokens: 16, details: true })
    yield* Console.log(`generate > ${generated.text} (${generated.rawFinishReason}, ${generated.details?.generatedTokens} tokens)`)
    yield* Effect.sync(() => process.stdout.write("tokens   > "))
    yield* tgi.generateStream({ inputs: "Once upon a time", maxNewTokens: 32, details: true }).pipe(
      Stream.runForEach((event) =>
        event._tag === "Token"
          ? Effect.sync(() => process.stdout.write(`[${event.token.text}]`))
          : Console.log(`\n           done: ${event.response.usage?.inputTokens} in / ${event.response.usage?.outputTokens} out`)
      )
    )
    const info = yield* tgi.info()
    yield* Console.log(`info     > ${info.modelId}, max input ${info.maxInputTokens} tokens, TGI ${info.version}`)
  })
  yield* native.pipe(
    Effect.catchReason("LlmError", "Unsupported", (reason) => Console.log(`native   > skipped: ${reason.detail}`))
  )
})

program.pipe(
  Effect.provide(live.pipe(Layer.provide(FetchHttpClient.layer))),
  Effect.catch((error) =>
    Console.error(error._tag === "LlmError" ? `request failed: ${error.message}` : error.message).pipe(
      Effect.andThen(Effect.sync(() => (process.exitCode = 1)))
    )
  ),
  Effect.runPromise
)
