/**
 * Chat and stream with OpenAI, configured from the environment.
 *
 *   OPENAI_API_KEY=sk-... npm run example examples/openai-chat.ts
 *
 * Point it anywhere that speaks the OpenAI API with OPENAI_BASE_URL, e.g. the
 * fake server in examples/support/FakeOpenAi.ts:
 *
 *   npm run example examples/support/FakeOpenAi.ts &       # http://127.0.0.1:8787/v1
 *   OPENAI_API_KEY=anything OPENAI_BASE_URL=http://127.0.0.1:8787/v1 npm run example examples/openai-chat.ts
 */
import { Console, Effect, Layer, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import { LlmBackend, Message, OpenAi } from "../src/index.ts"

const program = Effect.gen(function*() {
  const llm = yield* LlmBackend.LlmBackend

  const reply = yield* llm.chat({
    system: "You are terse.",
    messages: [Message.user("Name three prime numbers.")],
    maxTokens: 60
  })
  yield* Console.log(`chat   > ${reply.text}`)
  yield* Console.log(`         model ${reply.model}, finish ${reply.finishReason}, tokens in/out ${reply.usage?.inputTokens}/${reply.usage?.outputTokens}`)

  yield* Effect.sync(() => process.stdout.write("stream > "))
  yield* llm.stream({ messages: [Message.user("Count from one to five.")], maxTokens: 60 }).pipe(
    Stream.runForEach((chunk) => {
      switch (chunk._tag) {
        case "TextDelta":
          return Effect.sync(() => process.stdout.write(chunk.text))
        case "Usage":
          return Console.log(`\n         tokens in/out ${chunk.usage.inputTokens}/${chunk.usage.outputTokens}`)
        default:
          return Effect.void
      }
    })
  )
})

const OpenAiLive = OpenAi.layerConfig({ model: process.env["OPENAI_MODEL"] ?? "gpt-4o-mini" }).pipe(
  Layer.provide(FetchHttpClient.layer)
)

const failWith = (message: string) =>
  Console.error(message).pipe(Effect.andThen(Effect.sync(() => (process.exitCode = 1))))

program.pipe(
  Effect.provide(OpenAiLive),
  Effect.catchTag("LlmError", (error) => failWith(`request failed: ${error.message}`)),
  Effect.catchTag("ConfigError", (error) =>
    failWith(`configuration missing: ${error.message}\nSet OPENAI_API_KEY (and OPENAI_BASE_URL for a local server).`)),
  Effect.catchTag("BackendConfigError", (error) => failWith(error.message)),
  Effect.runPromise
)
