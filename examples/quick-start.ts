import { Effect, Layer, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { LlmBackend, Message, OpenAi } from "effect-llm-backends"

const OpenAiLive = OpenAi.layer({ apiKey: Redacted.make(process.env.OPENAI_API_KEY!), model: "gpt-4o-mini" })
  .pipe(Layer.provide(FetchHttpClient.layer))

const program = Effect.gen(function*() {
  const llm = yield* LlmBackend.LlmBackend
  const reply = yield* llm.chat({ system: "Be brief.", messages: [Message.user("Hello!")] })
  console.log(reply.text, reply.usage?.totalTokens)
})

program.pipe(Effect.provide(OpenAiLive), Effect.runPromise)
