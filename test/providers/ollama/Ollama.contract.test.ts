/**
 * Every kind of Ollama request we send is accepted by Steady loaded with
 * Ollama's official OpenAPI spec (server `http://localhost:11434`, paths
 * `/api/...`, so the base URL is Steady's root); a deliberately invalid
 * request is rejected, so the check can fail.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Stream } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import * as Content from "../../../src/domain/Content.ts"
import * as Message from "../../../src/domain/Message.ts"
import * as ResponseFormat from "../../../src/domain/ResponseFormat.ts"
import * as Tool from "../../../src/domain/Tool.ts"
import * as Ollama from "../../../src/providers/ollama/Ollama.ts"
import * as Shared from "../../support/Shared.ts"
import * as Steady from "../../support/Steady.ts"

const weather = Tool.make("get_weather", {
  description: "Weather for a city",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }
})
const PNG = "iVBORw0KGgo="

describe.skipIf(!Shared.available)(`Ollama requests against the official spec${Shared.skipReason}`, () => {
  it.live("every request kind we send is valid (chat, chat stream, generate, embed, tags, show, pull), and an invalid one is rejected", () =>
    Effect.gen(function*() {
      const steady = yield* Steady.make(Shared.specPath("ollama.openapi.yaml"))
      const { client, verdicts } = yield* Steady.recording
      const options: Ollama.Options = {
        baseUrl: steady.url,
        apiKey: Redacted.make("ollama-contract-token"),
        model: "llama3.2",
        embeddingModel: "all-minilm",
        keepAlive: "10m",
        policy: { maxRetries: 0, circuitBreaker: false }
      }
      const backend = yield* Ollama.make(options).pipe(Effect.provideService(HttpClient.HttpClient, client))
      const api = yield* Ollama.makeApi(options).pipe(Effect.provideService(HttpClient.HttpClient, client))

      // Steady answers with generated data; only the verdict on our request matters here.
      const send = <A, E>(effect: Effect.Effect<A, E>) => Effect.ignore(effect)
      yield* send(backend.chat({
        system: "Be brief.",
        messages: [Message.user("Hi")],
        temperature: 0.5,
        topP: 0.9,
        topK: 40,
        maxTokens: 64,
        stop: ["\n"],
        seed: 1,
        presencePenalty: 0.1,
        frequencyPenalty: 0.1
      }))
      yield* send(backend.chat({
        messages: [
          Message.user("Weather in Paris?"),
          Message.assistant([new Content.ToolCallPart({ id: "call_0", name: "get_weather", arguments: "{\"city\":\"Paris\"}" })]),
          Message.tool([Content.toolResult("call_0", "21 degrees")]),
          Message.assistant("It is 21 degrees."),
          Message.user("And tomorrow?")
        ],
        tools: [weather]
      }))
      yield* send(backend.chat({ messages: [Message.user("n?")], responseFormat: ResponseFormat.json }))
      yield* send(backend.chat({
        messages: [Message.user("n?")],
        responseFormat: ResponseFormat.jsonSchema("answer", { type: "object", properties: { n: { type: "integer" } }, required: ["n"] })
      }))
      yield* send(backend.chat({ messages: [Message.user([Content.text("What is this?"), Content.imageData(PNG, "image/png")])] }))
      yield* send(Stream.runDrain(backend.stream({ messages: [Message.user("Hi")], maxTokens: 16 })))
      yield* send(api.generate({ prompt: "Why is the sky blue?", system: "Be brief.", suffix: "", images: [PNG], format: ResponseFormat.json, raw: false, temperature: 0.2 }))
      yield* send(Stream.runDrain(api.generateStream({ prompt: "Hi", maxTokens: 8 })))
      yield* send(backend.embed("hello"))
      yield* send(backend.embed({ input: ["a", "b"], dimensions: 256 }))
      yield* send(backend.models())
      yield* send(api.show("llama3.2"))
      yield* send(Stream.runDrain(api.pull("llama3.2")))
      yield* send(api.version())

      const ours = verdicts.slice()
      assert.deepStrictEqual(
        ours.map((v) => `${v.method} ${new URL(v.url).pathname}`),
        [
          ...Array.from({ length: 6 }, () => "POST /api/chat"),
          "POST /api/generate",
          "POST /api/generate",
          "POST /api/embed",
          "POST /api/embed",
          "GET /api/tags",
          "POST /api/show",
          "POST /api/pull",
          "GET /api/version"
        ]
      )
      Steady.assertAllValid(ours)

      // The check can fail: a message whose content is a number is rejected.
      yield* Steady.assertRejected(client, verdicts, `${steady.url}/api/chat`, { model: "llama3.2", messages: [{ role: "user", content: 5 }] })
    }).pipe(Effect.provide(FetchHttpClient.layer)), 60_000)
})
