/**
 * effect/ai over `TestBackend`: the adapter layers plus the script control,
 * and a toolkit whose handler counts its runs.
 */
import { Effect, Layer, Schema } from "effect"
import { Tool, Toolkit } from "effect/ai"
import * as EffectAi from "../../src/ai/EffectAi.ts"
import type { RecordedCall } from "../../src/testing/TestBackend.ts"
import { TestBackend } from "../../src/testing/index.ts"

/** LanguageModel + EmbeddingModel over a fresh TestBackend, with its control. */
export const models = (options?: EffectAi.Options, backend?: TestBackend.Options) =>
  Layer.mergeAll(EffectAi.layer(options), EffectAi.embeddingLayer()).pipe(
    Layer.provideMerge(TestBackend.layer(backend))
  )

export const GetWeather = Tool.make("GetWeather", {
  description: "The forecast for a city",
  parameters: Schema.Struct({ city: Schema.String }),
  success: Schema.Struct({ forecast: Schema.String })
})

export const Weather = Toolkit.make(GetWeather)

/** Handlers for `Weather`; `runs` lists the cities the handler was called with. */
export const weatherHandlers = () => {
  const runs: Array<string> = []
  const layer = Weather.toLayer({
    GetWeather: ({ city }) =>
      Effect.sync(() => {
        runs.push(city)
        return { forecast: `sunny in ${city}` }
      })
  })
  return { runs, layer }
}

/** The chat/stream calls the test backend received. */
export const chatCalls = (calls: ReadonlyArray<RecordedCall>) =>
  calls.flatMap((call) => (call.operation === "chat" || call.operation === "stream" ? [call] : []))
