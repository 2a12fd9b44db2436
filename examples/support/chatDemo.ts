/**
 * The demo the per-backend chat examples share: one chat call and one
 * streamed call against whatever `LlmBackend` layer they pass, with typed
 * failures reported and a non-zero exit code.
 */
import { Console, Effect, type Layer, Stream } from "effect"
import { LlmBackend, Message } from "../../src/index.ts"

const program = Effect.gen(function*() {
  const llm = yield* LlmBackend.LlmBackend

  const reply = yield* llm.chat({
    system: "You are terse.",
    messages: [Message.user("Name three prime numbers.")],
    maxTokens: 60
  })
  yield* Console.log(`chat   > ${reply.text}`)
  yield* Console.log(
    `         model ${reply.model}, finish ${reply.finishReason}, tokens in/out ${reply.usage?.inputTokens}/${reply.usage?.outputTokens}`
  )

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

const failWith = (message: string) => Console.error(message).pipe(Effect.andThen(Effect.sync(() => (process.exitCode = 1))))

/** Runs the demo on `backend`; `hint` says which variables to set when configuration is missing. */
export const run = <E extends { readonly _tag: string; readonly message: string }>(
  backend: Layer.Layer<LlmBackend.LlmBackend, E>,
  hint: string
) =>
  program.pipe(
    Effect.provide(backend),
    Effect.catch((error) =>
      failWith(
        error._tag === "ConfigError"
          ? `configuration missing: ${error.message}\n${hint}`
          : error._tag === "LlmError"
          ? `request failed: ${error.message}`
          : error.message
      )
    ),
    Effect.runPromise
  )
