/**
 * effect/ai over the real OpenAI backend against a local fake server: what
 * goes on the wire for a toolkit round trip, a stream read back as parts,
 * a structured object, embeddings, and a 429 reaching effect/ai with its
 * Retry-After after the pipeline gave up.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Schema, Stream } from "effect"
import { LanguageModel, Prompt } from "effect/ai"
import * as EffectAi from "../../src/ai/EffectAi.ts"
import * as FakeServer from "../support/FakeServer.ts"
import * as Fixtures from "../support/OpenAiFixtures.ts"
import { KEY, setup } from "../support/openAi.ts"
import { Weather, weatherHandlers } from "./support.ts"

const provideModel = (backend: Parameters<typeof EffectAi.languageModel>[0]) =>
  Effect.provideServiceEffect(LanguageModel.LanguageModel, EffectAi.languageModel(backend))

describe("EffectAi over the OpenAI backend (fake server)", () => {
  it.live("a toolkit round trip: tools and messages on the wire, the handler run by effect/ai", () => {
    const handlers = weatherHandlers()
    return Effect.gen(function*() {
      const { backend, server } = yield* setup((_, index) =>
        index === 0
          ? { kind: "json", body: Fixtures.completion({ content: null, finish: "tool_calls", toolCalls: [{ id: "call_7", name: "GetWeather", arguments: "{\"city\":\"Kyiv\"}" }] }) }
          : { kind: "json", body: Fixtures.completion({ content: "Sunny in Kyiv." }) }
      )
      const program = Effect.gen(function*() {
        const first = yield* LanguageModel.generateText({
          prompt: [{ role: "system", content: "Be brief." }, { role: "user", content: "Weather in Kyiv?" }],
          toolkit: Weather
        })
        const history = Prompt.concat(
          Prompt.make([{ role: "system", content: "Be brief." }, { role: "user", content: "Weather in Kyiv?" }]),
          Prompt.fromResponseParts(first.content)
        )
        const second = yield* LanguageModel.generateText({ prompt: history, toolkit: Weather })
        return { first, second }
      })
      const { first, second } = yield* program.pipe(provideModel(backend), Effect.provide(handlers.layer))
      assert.deepStrictEqual(handlers.runs, ["Kyiv"])
      assert.strictEqual(first.usage.inputTokens.total, 12)
      assert.strictEqual(second.text, "Sunny in Kyiv.")
      assert.strictEqual(server.requests.length, 2)

      const one = server.requests[0]!.json as any
      assert.deepStrictEqual(one.messages, [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Weather in Kyiv?" }
      ])
      assert.strictEqual(one.tools[0].type, "function")
      assert.strictEqual(one.tools[0].function.name, "GetWeather")
      assert.strictEqual(one.tools[0].function.parameters.properties.city.type, "string")
      assert.strictEqual(one.tool_choice, "auto")

      const two = server.requests[1]!.json as any
      assert.deepStrictEqual(two.messages.map((m: any) => m.role), ["system", "user", "assistant", "tool"])
      assert.strictEqual(two.messages[2].tool_calls[0].id, "call_7")
      assert.strictEqual(two.messages[2].tool_calls[0].function.arguments, "{\"city\":\"Kyiv\"}")
      assert.strictEqual(two.messages[3].tool_call_id, "call_7")
      assert.strictEqual(two.messages[3].content, "{\"forecast\":\"sunny in Kyiv\"}")
    })
  })

  it.live("streamText reads the SSE answer as parts, with usage from the trailing usage chunk", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(() => ({
        kind: "chunks",
        chunks: FakeServer.sse([
          Fixtures.chunk({ role: "assistant", content: "" }),
          Fixtures.chunk({ content: "Hi " }),
          Fixtures.chunk({ content: "there" }),
          Fixtures.chunk({}, "stop"),
          Fixtures.usageChunk(7, 2)
        ])
      }))
      const parts = yield* Stream.runCollect(LanguageModel.streamText({ prompt: "Hello" })).pipe(provideModel(backend))
      const text = parts.flatMap((p) => (p.type === "text-delta" ? [p.delta] : [])).join("")
      assert.strictEqual(text, "Hi there")
      const finish = parts.at(-1)!
      assert.strictEqual(finish.type, "finish")
      assert.strictEqual(finish.type === "finish" && finish.reason, "stop")
      assert.strictEqual(finish.type === "finish" && finish.usage.inputTokens.total, 7)
      assert.strictEqual((server.requests[0]!.json as any).stream, true)
    }))

  it.live("generateObject sends response_format json_schema and decodes the content", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(() => ({
        kind: "json",
        body: Fixtures.completion({ content: "{\"city\":\"Quito\",\"altitude\":2850}" })
      }))
      const Place = Schema.Struct({ city: Schema.String, altitude: Schema.Number })
      const response = yield* LanguageModel.generateObject({ prompt: "A high capital", schema: Place, objectName: "place" })
        .pipe(provideModel(backend))
      assert.deepStrictEqual(response.value, { city: "Quito", altitude: 2850 })
      const format = (server.requests[0]!.json as any).response_format
      assert.strictEqual(format.type, "json_schema")
      assert.strictEqual(format.json_schema.name, "place")
      assert.deepStrictEqual(format.json_schema.schema.required, ["city", "altitude"])
    }))

  it.live("embedMany is one /embeddings request with every input", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(() => ({
        kind: "json",
        body: { object: "list", model: "text-embedding-3-small", data: [{ object: "embedding", index: 0, embedding: [0.5, 0.5] }, { object: "embedding", index: 1, embedding: [1, 0] }], usage: { prompt_tokens: 2, total_tokens: 2 } }
      }))
      const model = yield* EffectAi.embeddingModel(backend)
      const response = yield* model.embedMany(["x", "y"])
      assert.deepStrictEqual(response.embeddings.map((e) => e.vector), [[0.5, 0.5], [1, 0]])
      assert.strictEqual(response.usage.inputTokens, 2)
      assert.strictEqual(server.requests.length, 1)
      assert.deepStrictEqual((server.requests[0]!.json as any).input, ["x", "y"])
    }))

  it.live("a 429 with Retry-After reaches effect/ai as RateLimitError with retryAfter, and no key in the error", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(() => ({
        kind: "json",
        status: 429,
        headers: { "retry-after": "3" },
        body: Fixtures.errorBody("Rate limit reached", "requests", "rate_limit_exceeded")
      }))
      const error = yield* Effect.flip(LanguageModel.generateText({ prompt: "Hi" }).pipe(provideModel(backend)))
      assert.strictEqual(error.reason._tag, "RateLimitError")
      assert.strictEqual(Duration.toMillis(error.retryAfter!), 3000)
      assert.isTrue(error.isRetryable)
      assert.strictEqual(server.requests.length, 1, "the test backend has retries off: one attempt")
      assert.notInclude(JSON.stringify(error), KEY)
      assert.notInclude(error.message, KEY)
    }))
})
