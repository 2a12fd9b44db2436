/**
 * Three API keys for one backend, against a local fake that limits one key
 * to 3 requests a second and rejects another as invalid. The pool rotates
 * away from the rate-limited key while it cools down, ejects the invalid key
 * after its first 401, and the report shows each key's story (names only).
 *
 *   npm run example examples/key-pool.ts
 *
 * From the environment the same pool is `OPENAI_API_KEYS=limited:sk-...,invalid:sk-...,good:sk-...`.
 */
import { Console, Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { Message, OpenAi } from "../src/index.ts"
import * as FakeOpenAi from "./support/FakeOpenAi.ts"

const program = Effect.gen(function*() {
  const fake = yield* Effect.acquireRelease(
    Effect.promise(() =>
      FakeOpenAi.serve({ latencyMs: 30, keys: { "sk-limited-example": { perSecond: 3 }, "sk-invalid-example": "invalid" } })
    ),
    (served) => Effect.promise(() => served.close())
  )

  const llm = yield* OpenAi.make({
    baseUrl: fake.url,
    model: "fake-model",
    apiKeys: [
      { name: "limited", value: Redacted.make("sk-limited-example") },
      { name: "invalid", value: Redacted.make("sk-invalid-example") },
      { name: "good", value: Redacted.make("sk-good-example") }
    ],
    policy: { maxConcurrentRequests: 4, keyStrategy: "round-robin" }
  })

  const outcomes = yield* Effect.forEach(
    Array.from({ length: 24 }, (_, i) => i),
    (i) =>
      llm.chat({ messages: [Message.user(`question ${i}`)] }).pipe(
        Effect.as("ok"),
        Effect.catchTag("LlmError", (error) => Effect.succeed(error.reason._tag))
      ),
    { concurrency: "unbounded" }
  )
  const tally = outcomes.reduce<Record<string, number>>((acc, o) => ({ ...acc, [o]: (acc[o] ?? 0) + 1 }), {})
  yield* Console.log(`24 calls: ${JSON.stringify(tally)}; the server saw ${fake.hits.get("/chat/completions")} requests\n`)
  yield* Console.log(yield* llm.monitor.report("text"))
})

program.pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer), Effect.runPromise)
