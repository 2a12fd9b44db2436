/**
 * effect/ai programs on our backends: `LanguageModel.generateText` with a
 * toolkit whose handler effect/ai runs, `streamText`, `generateObject`, and
 * a rate limit arriving as effect/ai's `RateLimitError`. Offline: the backend
 * is `TestBackend`, scripted with what the "model" answers; swap in
 * `OpenAi.layer(...)` (or any backend) and nothing else changes.
 *
 *   npm run example examples/effect-ai.ts
 */
import { Console, Duration, Effect, Layer, Schema, Stream } from "effect"
import { LanguageModel, Prompt, Tool, Toolkit } from "effect/ai"
import { EffectAi } from "../src/ai/index.ts"
import { LlmError, Usage } from "../src/index.ts"
import { TestBackend } from "../src/testing/index.ts"

// ---- Plain effect/ai code: it knows LanguageModel, not our backends. -----

const GetWeather = Tool.make("GetWeather", {
  description: "Current temperature for a city",
  parameters: Schema.Struct({ city: Schema.String }),
  success: Schema.Struct({ celsius: Schema.Number })
})
const Tools = Toolkit.make(GetWeather)
const ToolsLive = Tools.toLayer({ GetWeather: ({ city }) => Effect.succeed({ celsius: city === "Oslo" ? -3 : 21 }) })

const Trip = Schema.Struct({ city: Schema.String, days: Schema.Number, pack: Schema.Array(Schema.String) })

const app = Effect.gen(function*() {
  // 1. A tool round trip: the model calls GetWeather, effect/ai runs it, we send the result back.
  const question = Prompt.make("Is it cold in Oslo?")
  const first = yield* LanguageModel.generateText({ prompt: question, toolkit: Tools })
  yield* Console.log(`tool calls: ${first.toolCalls.map((c) => `${c.name}(${JSON.stringify(c.params)})`).join(", ")}`)
  yield* Console.log(`tool results: ${first.toolResults.map((r) => JSON.stringify(r.result)).join(", ")}`)
  const second = yield* LanguageModel.generateText({
    prompt: Prompt.concat(question, Prompt.fromResponseParts(first.content)),
    toolkit: Tools
  })
  yield* Console.log(`answer: ${second.text} (${second.usage.inputTokens.total} tokens in)`)

  // 2. A stream, as effect/ai parts.
  const streamed = yield* LanguageModel.streamText({ prompt: "Say hello slowly" }).pipe(
    Stream.filter((part) => part.type === "text-delta"),
    Stream.map((part) => part.delta),
    Stream.runCollect
  )
  yield* Console.log(`streamed: ${JSON.stringify(streamed)}`)

  // 3. A structured object, decoded with a Schema (sent as a JSON-schema response format).
  const trip = yield* LanguageModel.generateObject({ prompt: "Plan 3 days in Oslo", schema: Trip, objectName: "trip" })
  yield* Console.log(`object: ${JSON.stringify(trip.value)}`)

  // 4. Our pipeline's errors reach effect/ai code as AiError reasons.
  const error = yield* Effect.flip(LanguageModel.generateText({ prompt: "One more?" }))
  yield* Console.log(`error: ${error.reason._tag}, retryable ${error.isRetryable}, retry after ${Duration.format(error.retryAfter ?? Duration.zero)}`)
})

// ---- Offline wiring: the "model" answers from a script. -------------------

const script = Effect.gen(function*() {
  const control = yield* TestBackend.TestBackend
  yield* control.push(
    TestBackend.toolCalls([{ id: "call_1", name: "GetWeather", arguments: { city: "Oslo" } }]),
    TestBackend.reply("Yes: -3 °C in Oslo. Bring a coat.", { usage: Usage.make({ inputTokens: 42, outputTokens: 11 }) }),
    TestBackend.stream(["Hel", "lo ", "there"]),
    TestBackend.reply(JSON.stringify({ city: "Oslo", days: 3, pack: ["coat", "boots"] })),
    TestBackend.fail(new LlmError.RateLimited({ retryAfter: Duration.seconds(20) }), { status: 429 })
  )
})

const Live = Layer.mergeAll(EffectAi.layer({ temperature: 0.2 }), ToolsLive).pipe(
  Layer.provideMerge(TestBackend.layer())
)

Effect.andThen(script, app).pipe(Effect.provide(Live), Effect.runPromise)
