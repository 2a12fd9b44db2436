/**
 * Every kind of OpenAI request we send is accepted by Steady loaded with the
 * official OpenAPI spec; a deliberately invalid request is rejected, so the
 * check can fail.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Stream } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import { Content, Message, OpenAi, ResponseFormat, Tool } from "../../../src/index.ts"
import * as Shared from "../../support/Shared.ts"
import * as Steady from "../../support/Steady.ts"

const weather = Tool.make("get_weather", {
  description: "Weather for a city",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
  strict: true
})

describe.skipIf(!Shared.available)(`OpenAI requests against the official spec${Shared.skipReason}`, () => {
  it.live("every request shape we send is valid, and an invalid one is rejected", () =>
    Effect.gen(function*() {
      const steady = yield* Steady.make(Shared.specPath("openai.openapi.yaml"))
      const { client, verdicts } = yield* Steady.recording
      const backend = yield* OpenAi.make({
        apiKey: Redacted.make("sk-contract-test-key-000000"),
        baseUrl: steady.url,
        model: "gpt-4o-mini",
        embeddingModel: "text-embedding-3-small",
        organization: "org-test",
        project: "proj-test",
        policy: { maxRetries: 0 }
      }).pipe(Effect.provideService(HttpClient.HttpClient, client))

      // Steady answers with generated data; only the verdict on our request matters here.
      const send = <A, E>(effect: Effect.Effect<A, E>) => Effect.ignore(effect)
      yield* send(backend.chat({ system: "Be brief.", messages: [Message.user("Hi")], temperature: 0.5, maxTokens: 64, stop: ["\n"], seed: 1, user: "u-1" }))
      yield* send(backend.chat({
        messages: [
          Message.user("Weather in Paris?"),
          Message.assistant([new Content.ToolCallPart({ id: "call_1", name: "get_weather", arguments: "{\"city\":\"Paris\"}" })]),
          Message.tool([Content.toolResult("call_1", "{\"temp\":21}")]),
          Message.assistant("It is 21 degrees."),
          Message.user("And tomorrow?")
        ],
        tools: [weather],
        toolChoice: Tool.force("get_weather"),
        parallelToolCalls: false
      }))
      yield* send(backend.chat({ messages: [Message.user("x")], tools: [weather], toolChoice: "auto" }))
      yield* send(backend.chat({
        messages: [Message.user("n?")],
        responseFormat: ResponseFormat.jsonSchema("answer", { type: "object", properties: { n: { type: "integer" } }, required: ["n"], additionalProperties: false }, { strict: true })
      }))
      yield* send(backend.chat({ messages: [Message.user("n?")], responseFormat: ResponseFormat.json }))
      yield* send(backend.chat({
        messages: [Message.user([
          Content.text("What is this?"),
          Content.imageUrl("https://example.com/cat.png", "low"),
          Content.imageData("iVBORw0KGgo=", "image/png")
        ])]
      }))
      yield* send(Stream.runDrain(backend.stream({ messages: [Message.user("Hi")], presencePenalty: 0.5, frequencyPenalty: 0.1 })))
      yield* send(backend.embed("hello"))
      yield* send(backend.embed({ input: ["a", "b"], dimensions: 256 }))
      yield* send(backend.models())

      const ours = verdicts.slice()
      assert.strictEqual(ours.length, 10)
      Steady.assertAllValid(ours)

      // The check can fail: a message whose content is a number is rejected.
      yield* Steady.assertRejected(client, verdicts, `${steady.url}/chat/completions`, { model: "gpt-4o-mini", messages: [{ role: "user", content: 5 }] })
    }).pipe(Effect.provide(FetchHttpClient.layer)), 60_000)
})
