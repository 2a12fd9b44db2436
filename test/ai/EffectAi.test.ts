/**
 * effect/ai's own functions over our backend (TestBackend): text, stream,
 * object, a toolkit round trip, embeddings, and what each request became.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Schema, Stream } from "effect"
import { EmbeddingModel, LanguageModel, Prompt } from "effect/ai"
import * as EffectAi from "../../src/ai/EffectAi.ts"
import * as ChatChunk from "../../src/domain/ChatChunk.ts"
import * as Usage from "../../src/domain/Usage.ts"
import { TestBackend } from "../../src/testing/index.ts"
import { chatCalls, models, Weather, weatherHandlers } from "./support.ts"

const usage = Usage.make({ inputTokens: 12, outputTokens: 5, cachedInputTokens: 4 })

describe("EffectAi.languageModel", () => {
  it.effect("generateText returns the backend's text, finish reason and usage", () =>
    Effect.gen(function*() {
      const script = yield* TestBackend.TestBackend
      yield* script.push(TestBackend.reply("Paris.", { usage, model: "answering-model" }))
      const response = yield* LanguageModel.generateText({ prompt: "Capital of France?" })
      assert.strictEqual(response.text, "Paris.")
      assert.strictEqual(response.finishReason, "stop")
      assert.strictEqual(response.usage.inputTokens.total, 12)
      assert.strictEqual(response.usage.inputTokens.cacheRead, 4)
      assert.strictEqual(response.usage.inputTokens.uncached, 8)
      assert.strictEqual(response.usage.outputTokens.total, 5)
      const meta = response.content.find((part) => part.type === "response-metadata")
      assert.strictEqual(meta?.modelId, "answering-model")
      const calls = chatCalls(yield* script.calls)
      assert.strictEqual(calls.length, 1)
      assert.strictEqual(calls[0]!.operation, "chat")
      assert.deepStrictEqual(calls[0]!.request.messages.map((m) => m.role), ["user"])
    }).pipe(Effect.provide(models())))

  it.effect("a prompt becomes system, user (text and image), assistant tool call and tool result", () =>
    Effect.gen(function*() {
      const script = yield* TestBackend.TestBackend
      yield* script.push(TestBackend.reply("ok"))
      const prompt = Prompt.make([
        { role: "system", content: "Be brief." },
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "file", mediaType: "image/png", data: new Uint8Array([1, 2, 3]) },
            { type: "file", mediaType: "image/jpeg", data: new URL("https://example.com/cat.jpg") }
          ]
        },
        {
          role: "assistant",
          content: [
            { type: "text", text: "Let me look." },
            { type: "tool-call", id: "call_1", name: "GetWeather", params: { city: "Oslo" }, providerExecuted: false }
          ]
        },
        {
          role: "tool",
          content: [{ type: "tool-result", id: "call_1", name: "GetWeather", isFailure: false, result: { forecast: "rain" } }]
        }
      ])
      yield* LanguageModel.generateText({ prompt })
      const request = chatCalls(yield* script.calls)[0]!.request
      assert.strictEqual(request.system, "Be brief.")
      assert.deepStrictEqual(request.messages.map((m) => m.role), ["user", "assistant", "tool"])
      const [user, assistant, tool] = request.messages
      assert.deepStrictEqual(user!.content.map((p) => p._tag), ["Text", "Image", "Image"])
      const [, png, jpeg] = user!.content as ReadonlyArray<any>
      assert.deepStrictEqual({ ...png.source }, { _tag: "ImageData", mediaType: "image/png", data: "AQID" })
      assert.deepStrictEqual({ ...jpeg.source }, { _tag: "ImageUrl", url: "https://example.com/cat.jpg" })
      const call = assistant!.content[1] as any
      assert.deepStrictEqual({ ...call }, { _tag: "ToolCall", id: "call_1", name: "GetWeather", arguments: "{\"city\":\"Oslo\"}" })
      const result = tool!.content[0] as any
      assert.deepStrictEqual({ ...result }, {
        _tag: "ToolResult",
        toolCallId: "call_1",
        name: "GetWeather",
        content: "{\"forecast\":\"rain\"}"
      })
    }).pipe(Effect.provide(models())))

  it.effect("content the request cannot carry fails before any call (a PDF; a system turn mid-conversation)", () =>
    Effect.gen(function*() {
      const script = yield* TestBackend.TestBackend
      const pdf = yield* Effect.flip(LanguageModel.generateText({
        prompt: [{ role: "user", content: [{ type: "file", mediaType: "application/pdf", data: "JVBERi0=" }] }]
      }))
      assert.strictEqual(pdf.reason._tag, "InvalidUserInputError")
      assert.include(pdf.message, "application/pdf")
      const late = yield* Effect.flip(LanguageModel.generateText({
        prompt: [{ role: "user", content: "hi" }, { role: "system", content: "late" }]
      }))
      assert.strictEqual(late.reason._tag, "InvalidUserInputError")
      assert.strictEqual((yield* script.calls).length, 0)
    }).pipe(Effect.provide(models())))

  it.effect("streamText delivers text-start, deltas, text-end and one finish with the usage that came after Finish", () =>
    Effect.gen(function*() {
      const script = yield* TestBackend.TestBackend
      yield* script.push(TestBackend.stream([
        new ChatChunk.Metadata({ id: "resp_1", model: "m-2024" }),
        "Hel",
        "lo",
        new ChatChunk.Finish({ reason: "stop" }),
        new ChatChunk.UsageChunk({ usage })
      ]))
      const parts = yield* Stream.runCollect(LanguageModel.streamText({ prompt: "Hi" }))
      assert.deepStrictEqual(parts.map((p) => p.type), [
        "response-metadata",
        "text-start",
        "text-delta",
        "text-delta",
        "text-end",
        "finish"
      ])
      const deltas = parts.flatMap((p) => (p.type === "text-delta" ? [p.delta] : []))
      assert.deepStrictEqual(deltas, ["Hel", "lo"])
      const finish = parts.at(-1)!
      assert.strictEqual(finish.type === "finish" && finish.usage.outputTokens.total, 5)
      assert.strictEqual(chatCalls(yield* script.calls)[0]!.operation, "stream")
    }).pipe(Effect.provide(models())))

  it.effect("a router's Reset fails the effect/ai stream with a retryable error (effect/ai parts cannot discard)", () =>
    Effect.gen(function*() {
      const script = yield* TestBackend.TestBackend
      yield* script.push(TestBackend.stream(["Hel", new ChatChunk.Reset({ reason: "StreamTruncated" }), "Hello"]))
      const error = yield* Effect.flip(Stream.runCollect(LanguageModel.streamText({ prompt: "Hi" })))
      assert.strictEqual(error.reason._tag, "InternalProviderError")
      assert.isTrue(error.isRetryable)
    }).pipe(Effect.provide(models())))

  it.effect("streamText maps streamed tool-call pieces to tool-params parts and one tool-call", () =>
    Effect.gen(function*() {
      const script = yield* TestBackend.TestBackend
      yield* script.push(TestBackend.stream([
        new ChatChunk.ToolCallDelta({ index: 0, id: "call_9", name: "GetWeather", argumentsDelta: "{\"city\":" }),
        new ChatChunk.ToolCallDelta({ index: 0, argumentsDelta: "\"Rome\"}" }),
        new ChatChunk.ToolCall({ index: 0, id: "call_9", name: "GetWeather", arguments: "{\"city\":\"Rome\"}" }),
        new ChatChunk.Finish({ reason: "tool_calls" })
      ]))
      const parts = yield* Stream.runCollect(
        LanguageModel.streamText({ prompt: "Weather in Rome?", toolkit: Weather, disableToolCallResolution: true })
      )
      assert.deepStrictEqual(parts.map((p) => p.type), [
        "tool-params-start",
        "tool-params-delta",
        "tool-params-delta",
        "tool-params-end",
        "tool-call",
        "finish"
      ])
      const call = parts.find((p) => p.type === "tool-call")
      assert.deepStrictEqual(call?.type === "tool-call" && call.params, { city: "Rome" })
      const finish = parts.at(-1)!
      assert.strictEqual(finish.type === "finish" && finish.reason, "tool-calls")
    }).pipe(Effect.provide(Layer.merge(models(), weatherHandlers().layer))))

  it.effect("generateObject sends a JSON schema response format and decodes the answer", () =>
    Effect.gen(function*() {
      const script = yield* TestBackend.TestBackend
      yield* script.push(TestBackend.reply("{\"name\":\"Ada\",\"born\":1815}"))
      const Person = Schema.Struct({ name: Schema.String, born: Schema.Number })
      const response = yield* LanguageModel.generateObject({ prompt: "Who wrote the first program?", schema: Person, objectName: "person" })
      assert.deepStrictEqual(response.value, { name: "Ada", born: 1815 })
      const format = chatCalls(yield* script.calls)[0]!.request.responseFormat
      assert.strictEqual(format?._tag, "JsonSchema")
      assert.strictEqual(format?._tag === "JsonSchema" && format.name, "person")
      const schema = format?._tag === "JsonSchema" ? format.schema : {}
      assert.deepStrictEqual(schema["required"], ["name", "born"])
    }).pipe(Effect.provide(models())))

  it.effect("a toolkit round trip: effect/ai runs the handler once, and the next turn carries call and result", () => {
    const handlers = weatherHandlers()
    return Effect.gen(function*() {
      const script = yield* TestBackend.TestBackend
      yield* script.push(
        TestBackend.toolCalls([{ id: "call_1", name: "GetWeather", arguments: { city: "Lima" } }]),
        TestBackend.reply("Sunny in Lima.")
      )
      const first = yield* LanguageModel.generateText({ prompt: "Weather in Lima?", toolkit: Weather })
      assert.deepStrictEqual(handlers.runs, ["Lima"])
      assert.strictEqual(first.finishReason, "tool-calls")
      assert.deepStrictEqual(first.toolResults.map((r) => r.result), [{ forecast: "sunny in Lima" }])
      const tools = chatCalls(yield* script.calls)[0]!.request.tools ?? []
      assert.deepStrictEqual(tools.map((t) => t.name), ["GetWeather"])
      assert.strictEqual(tools[0]!.description, "The forecast for a city")
      assert.deepStrictEqual((tools[0]!.parameters["properties"] as any)?.city, { type: "string" })

      const history = Prompt.concat(Prompt.make("Weather in Lima?"), Prompt.fromResponseParts(first.content))
      const second = yield* LanguageModel.generateText({ prompt: history, toolkit: Weather })
      assert.strictEqual(second.text, "Sunny in Lima.")
      assert.deepStrictEqual(handlers.runs, ["Lima"], "no tool call in the second answer, so no second run")
      const request = chatCalls(yield* script.calls)[1]!.request
      assert.deepStrictEqual(request.messages.map((m) => m.role), ["user", "assistant", "tool"])
      const result = request.messages[2]!.content[0] as any
      assert.strictEqual(result.toolCallId, "call_1")
      assert.strictEqual(result.content, "{\"forecast\":\"sunny in Lima\"}")
    }).pipe(Effect.provide(Layer.merge(models(), handlers.layer)))
  })

  it.effect("settings and call options reach the request: the model's, then withOptions over them", () =>
    Effect.gen(function*() {
      const script = yield* TestBackend.TestBackend
      yield* script.push(TestBackend.reply("a"), TestBackend.reply("b"))
      yield* LanguageModel.generateText({ prompt: "x" })
      yield* LanguageModel.generateText({ prompt: "y" }).pipe(EffectAi.withOptions({ temperature: 1.5, model: "other" }))
      const [first, second] = chatCalls(yield* script.calls)
      assert.strictEqual(first!.request.temperature, 0.2)
      assert.strictEqual(first!.request.maxTokens, 64)
      assert.strictEqual(second!.request.temperature, 1.5)
      assert.strictEqual(second!.model, "other")
      assert.strictEqual(second!.request.maxTokens, 64)
    }).pipe(Effect.provide(models({ temperature: 0.2, maxTokens: 64 }))))
})

describe("EffectAi.embeddingModel", () => {
  it.effect("embedMany is one backend call with every input, vectors in order", () =>
    Effect.gen(function*() {
      const script = yield* TestBackend.TestBackend
      yield* script.push(TestBackend.embeddings([[1, 0], [0, 1]]))
      const model = yield* EmbeddingModel.EmbeddingModel
      const response = yield* model.embedMany(["a", "b"])
      assert.deepStrictEqual(response.embeddings.map((e) => e.vector), [[1, 0], [0, 1]])
      const calls = yield* script.calls
      assert.strictEqual(calls.length, 1)
      assert.deepStrictEqual(calls[0]!.operation === "embed" && calls[0]!.request.input, ["a", "b"])
    }).pipe(Effect.provide(models())))

  it.effect("a vector count that does not match the inputs fails as InvalidOutputError", () =>
    Effect.gen(function*() {
      const script = yield* TestBackend.TestBackend
      yield* script.push(TestBackend.embeddings([[1]]))
      const model = yield* EmbeddingModel.EmbeddingModel
      const error = yield* Effect.flip(model.embedMany(["a", "b"]))
      assert.strictEqual(error.reason._tag, "InvalidOutputError")
    }).pipe(Effect.provide(models())))
})
