/**
 * Every kind of request we send to a self-hosted TGI is accepted by Steady
 * loaded with TGI's official OpenAPI spec (routes at the server's root); a
 * deliberately invalid request is rejected, so the check can fail.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Stream } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import * as Content from "../../../src/domain/Content.ts"
import * as Message from "../../../src/domain/Message.ts"
import * as ResponseFormat from "../../../src/domain/ResponseFormat.ts"
import * as Tool from "../../../src/domain/Tool.ts"
import * as Tgi from "../../../src/providers/tgi/Tgi.ts"
import * as Shared from "../../support/Shared.ts"
import * as Steady from "../../support/Steady.ts"

const weather = Tool.make("get_weather", {
  description: "Weather for a city",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }
})

describe.skipIf(!Shared.available)(`TGI requests against the official spec${Shared.skipReason}`, () => {
  it.live("every request kind we send is valid (chat, chat stream, tools, grammar, generate, generate_stream, info, health, models), and an invalid one is rejected", () =>
    Effect.gen(function*() {
      const steady = yield* Steady.make(Shared.specPath("tgi.openapi.json"))
      const { client, verdicts } = yield* Steady.recording
      const { api, backend } = yield* Tgi.build({
        baseUrl: steady.url,
        apiKey: Redacted.make("hf_contract00000000"),
        policy: { maxRetries: 0, circuitBreaker: false }
      }).pipe(Effect.provideService(HttpClient.HttpClient, client))

      // Steady answers with generated data; only the verdict on our request matters here.
      const send = <A, E>(effect: Effect.Effect<A, E>) => Effect.ignore(effect)
      yield* send(backend.chat({
        system: "Be brief.",
        messages: [Message.user("Hi")],
        temperature: 0.5,
        topP: 0.9,
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
          Message.user("And tomorrow?")
        ],
        tools: [weather],
        toolChoice: Tool.force("get_weather")
      }))
      yield* send(backend.chat({ messages: [Message.user("n?")], responseFormat: ResponseFormat.json }))
      yield* send(backend.chat({
        messages: [Message.user("n?")],
        responseFormat: ResponseFormat.jsonSchema("answer", { type: "object", properties: { n: { type: "integer" } } })
      }))
      yield* send(backend.chat({ messages: [Message.user([Content.text("What is this?"), Content.imageUrl("https://example.com/cat.png")])] }))
      yield* send(Stream.runDrain(backend.stream({ messages: [Message.user("Hi")], maxTokens: 16 })))
      yield* send(api.generate({ inputs: "Hello" }))
      yield* send(api.generate({
        inputs: "Hello",
        maxNewTokens: 20,
        temperature: 0.5,
        topP: 0.95,
        topK: 10,
        typicalP: 0.9,
        repetitionPenalty: 1.03,
        frequencyPenalty: 0.1,
        stop: ["\n"],
        doSample: true,
        seed: 7,
        returnFullText: false,
        details: true,
        decoderInputDetails: true,
        topNTokens: 2,
        truncate: 100,
        watermark: false,
        bestOf: 1,
        grammar: { type: "json", value: { type: "object" } },
        adapterId: "my-lora"
      }))
      yield* send(api.generate({ inputs: "Digits", grammar: { type: "regex", value: "[0-9]+" } }))
      yield* send(Stream.runDrain(api.generateStream({ inputs: "Hi", maxNewTokens: 8 })))
      yield* send(api.info())
      yield* send(api.health())
      yield* send(backend.models())

      const ours = verdicts.slice()
      assert.deepStrictEqual(
        ours.map((v) => `${v.method} ${new URL(v.url).pathname}`),
        [
          ...Array.from({ length: 6 }, () => "POST /v1/chat/completions"),
          "POST /generate",
          "POST /generate",
          "POST /generate",
          "POST /generate_stream",
          "GET /info",
          "GET /health",
          "GET /v1/models"
        ]
      )
      Steady.assertAllValid(ours)

      // The check can fail: `inputs` must be a string.
      yield* Steady.assertRejected(client, verdicts, `${steady.url}/generate`, { inputs: 5 })
    }).pipe(Effect.provide(FetchHttpClient.layer)), 60_000)
})
