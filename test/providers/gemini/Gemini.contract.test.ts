/**
 * Every kind of Gemini request we send is accepted by Steady loaded with the
 * (unofficial, generated) Gemini v1beta OpenAPI spec; a deliberately invalid
 * request is rejected, so the check can fail. The spec's server is the bare
 * host and its paths start with /v1beta, so our base URL is `<steady>/v1beta`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Stream } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { Content, Message, ResponseFormat, Tool } from "../../../src/index.ts"
import * as Gemini from "../../../src/providers/gemini/Gemini.ts"
import * as Fixtures from "../../support/GeminiFixtures.ts"
import * as Shared from "../../support/Shared.ts"
import * as Steady from "../../support/Steady.ts"

const weather = Tool.make("get_weather", {
  description: "Weather for a city",
  parameters: { type: "object", properties: { city: { type: "string" }, days: { type: "integer", minimum: 1 } }, required: ["city"] }
})

describe.skipIf(!Shared.available)(`Gemini requests against the v1beta spec${Shared.skipReason}`, () => {
  it.live("every request shape we send is valid, and an invalid one is rejected", () =>
    Effect.gen(function*() {
      const steady = yield* Steady.make(Shared.specPath("gemini-native.unofficial.openapi.json"))
      const { client, verdicts } = yield* Steady.recording
      const backend = yield* Gemini.make({
        apiKey: Redacted.make(Fixtures.KEY),
        baseUrl: `${steady.url}/v1beta`,
        model: "gemini-2.0-flash",
        embeddingModel: "text-embedding-004",
        policy: { maxRetries: 0, circuitBreaker: false }
      }).pipe(Effect.provideService(HttpClient.HttpClient, client))

      // Steady answers with generated data; only the verdict on our request matters here.
      const send = <A, E>(effect: Effect.Effect<A, E>) => Effect.ignore(effect)
      yield* send(backend.chat({
        system: "Be brief.",
        messages: [Message.user("Hi")],
        temperature: 0.5,
        topP: 0.9,
        topK: 20,
        maxTokens: 64,
        stop: ["\n"],
        seed: 1,
        presencePenalty: 0.1,
        frequencyPenalty: 0.2
      }))
      yield* send(backend.chat({
        messages: [
          Message.user("Weather in Paris?"),
          Message.assistant([new Content.ToolCallPart({ id: "call_0", name: "get_weather", arguments: "{\"city\":\"Paris\"}" })]),
          Message.tool([Content.toolResult("call_0", "{\"temp\":21}"), Content.toolResult("call_0", "sunny", { name: "get_weather", isError: true })]),
          Message.assistant("It is 21 degrees."),
          Message.user("And tomorrow?")
        ],
        tools: [weather],
        toolChoice: Tool.force("get_weather")
      }))
      yield* send(backend.chat({ messages: [Message.user("x")], tools: [weather, Tool.make("now", { parameters: { type: "object" } })], toolChoice: "auto" }))
      yield* send(backend.chat({ messages: [Message.user("x")], tools: [weather], toolChoice: "none" }))
      yield* send(backend.chat({
        messages: [Message.user("n?")],
        responseFormat: ResponseFormat.jsonSchema("answer", {
          type: "object",
          properties: { n: { type: "integer" }, tags: { type: "array", items: { type: "string" } }, note: { type: ["string", "null"] } },
          required: ["n"],
          additionalProperties: false
        })
      }))
      yield* send(backend.chat({ messages: [Message.user("n?")], responseFormat: ResponseFormat.json }))
      yield* send(backend.chat({
        messages: [Message.user([
          Content.text("What is this?"),
          Content.imageData("iVBORw0KGgo=", "image/png"),
          Content.imageUrl("https://generativelanguage.googleapis.com/v1beta/files/abc123")
        ])]
      }))
      yield* send(Stream.runDrain(backend.stream({ system: "Be brief.", messages: [Message.user("Hi")], maxTokens: 32 })))
      yield* send(backend.embed("hello"))
      yield* send(backend.embed({ input: ["a", "b"], dimensions: 256 }))
      yield* send(backend.models())

      // Steady reports the path without the query; a valid stream verdict
      // means the spec's required `alt=sse` was there.
      const kinds = [":generateContent", ":streamGenerateContent", ":embedContent", ":batchEmbedContents", "/v1beta/models"]
      for (const kind of kinds) assert.isTrue(verdicts.some((v) => v.url.endsWith(kind)), `a ${kind} request was sent`)
      assert.strictEqual(verdicts.filter((v) => v.url.endsWith(":generateContent")).length, 7)
      for (const verdict of verdicts) {
        if (verdict.url.endsWith(":batchEmbedContents")) continue
        assert.isTrue(verdict.valid, `${verdict.method} ${verdict.url}: ${verdict.errors.join("; ")}`)
      }
      // Known spec defect: its EmbedContentRequest lacks `model`, but the real
      // API requires it in every batch request (PROVIDERS.md; Google's own
      // @google/genai sets `requests[].model` for the Gemini API). Everything
      // else about the batch body must be valid.
      const batch = verdicts.find((v) => v.url.endsWith(":batchEmbedContents"))!
      assert.deepStrictEqual(batch.errors, [
        "E3009 body.requests.0: Unknown property: model",
        "E3009 body.requests.1: Unknown property: model"
      ])

      // The check can fail: contents as a string, and a part with an unknown field, are rejected.
      const invalid = yield* HttpClientRequest.post(`${steady.url}/v1beta/models/gemini-2.0-flash:generateContent`).pipe(
        HttpClientRequest.setHeader("x-goog-api-key", Fixtures.KEY),
        HttpClientRequest.bodyJsonUnsafe({ contents: [{ role: "user", parts: [{ text: 5 }] }] }),
        client.execute
      )
      assert.strictEqual(invalid.status, 400)
      const last = verdicts[verdicts.length - 1]!
      assert.isFalse(last.valid)
      assert.isAbove(last.errors.length, 0)
    }).pipe(Effect.provide(FetchHttpClient.layer)), 60_000)
})
