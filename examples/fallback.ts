/**
 * Fail-over with a `Router`, offline: two local fake OpenAI-compatible
 * servers, the primary broken two ways (its streams are cut mid-answer, its
 * plain chat answers 503), the fallback healthy. The stream shows the `Reset`
 * chunk and then the fallback's complete answer; the report shows who did what.
 *
 *   npm run example examples/fallback.ts
 */
import { Effect, Redacted, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import { ChatChunk, Message, OpenAi, Router } from "../src/index.ts"
import * as FakeOpenAi from "./support/FakeOpenAi.ts"

const server = (options: FakeOpenAi.ServeOptions) =>
  Effect.acquireRelease(Effect.promise(() => FakeOpenAi.serve(options)), (s) => Effect.promise(s.close))

const program = Effect.gen(function*() {
  const broken = yield* server({ cutStreamsAfter: 3, chatStatus: 503 })
  const healthy = yield* server({})
  const backend = (url: string, model: string) =>
    OpenAi.make({ apiKey: Redacted.make("sk-fake"), baseUrl: url, model, policy: { initialRetryDelay: 100 } })
  const router = yield* Router.make({
    targets: [
      { backend: yield* backend(broken.url, "primary-model"), name: "primary" },
      { backend: yield* backend(healthy.url, "fallback-model"), name: "fallback" }
    ],
    timeout: "10 seconds"
  })
  const question = { messages: [Message.user("tell me about fail-over in a few words")] }

  console.log("stream:")
  yield* router.stream(question).pipe(
    Stream.runForEach((chunk) =>
      Effect.sync(() => {
        if (chunk._tag === "TextDelta") process.stdout.write(chunk.text)
        if (chunk._tag === "Reset") process.stdout.write(`\n  [reset: ${chunk.reason} on ${chunk.from}, restarting on ${chunk.to}]\n`)
      })
    )
  )
  const collected = yield* ChatChunk.collect(router.stream(question))
  console.log(`\ncollected: "${collected.text}" from ${collected.provider} (${collected.model})`)

  const reply = yield* router.chat(question)
  console.log(`chat: "${reply.text}" from ${reply.model} (the primary answered 503; one retry, then the fallback)`)

  console.log(yield* router.monitor.report())
}).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer))

Effect.runPromise(program)
