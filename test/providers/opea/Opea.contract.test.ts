/**
 * OPEA's OpenAI-style requests (chat, chat stream, embeddings) are accepted
 * by Steady loaded with the official OpenAI spec; a deliberately invalid
 * request is rejected, so the check can fail. OPEA serves these routes at
 * `/v1/...` below each microservice's root while the spec's paths are
 * relative to `https://api.openai.com/v1`, so the client in front of Steady
 * drops that one `/v1` segment. (Reranking and ChatQnA are not OpenAI
 * routes: their bodies are pinned by the wire suites.)
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Stream } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import * as Content from "../../../src/domain/Content.ts"
import * as Message from "../../../src/domain/Message.ts"
import * as ResponseFormat from "../../../src/domain/ResponseFormat.ts"
import * as Opea from "../../../src/providers/opea/Opea.ts"
import * as Shared from "../../support/Shared.ts"
import * as Steady from "../../support/Steady.ts"

describe.skipIf(!Shared.available)(`OPEA OpenAI-style requests against the OpenAI spec${Shared.skipReason}`, () => {
  it.live("chat, chat stream and embeddings requests are valid, and an invalid one is rejected", () =>
    Effect.gen(function*() {
      const steady = yield* Steady.make(Shared.specPath("openai.openapi.yaml"))
      const { client, verdicts } = yield* Steady.recording
      const unprefixed = HttpClient.mapRequest(client, (request) =>
        HttpClientRequest.setUrl(request, request.url.replace(/^(https?:\/\/[^/]+)\/v1\//, "$1/")))
      const { backend } = yield* Opea.build({
        baseUrl: steady.url,
        apiKey: Redacted.make("opea-contract-token"),
        model: "Intel/neural-chat-7b-v3-3",
        embeddingModel: "BAAI/bge-base-en-v1.5",
        policy: { maxRetries: 0, circuitBreaker: false }
      }).pipe(Effect.provideService(HttpClient.HttpClient, unprefixed))

      // Steady answers with generated data; only the verdict on our request matters here.
      const send = <A, E>(effect: Effect.Effect<A, E>) => Effect.ignore(effect)
      yield* send(backend.chat({
        system: "Be brief.",
        messages: [Message.user("Hi"), Message.assistant("Hello"), Message.user("What is OPEA?")],
        temperature: 0.5,
        topP: 0.9,
        maxTokens: 64,
        stop: ["\n"],
        seed: 1,
        presencePenalty: 0.1,
        frequencyPenalty: 0.1,
        user: "u-1"
      }))
      yield* send(backend.chat({ messages: [Message.user("n?")], responseFormat: ResponseFormat.json }))
      yield* send(backend.chat({ messages: [Message.user([Content.text("What is this?"), Content.imageUrl("https://example.com/a.png")])] }))
      yield* send(Stream.runDrain(backend.stream({ messages: [Message.user("Hi")], maxTokens: 16 })))
      yield* send(backend.embed("hello"))
      yield* send(backend.embed({ input: ["a", "b"], dimensions: 256 }))

      const ours = verdicts.slice()
      assert.deepStrictEqual(
        ours.map((v) => `${v.method} ${new URL(v.url).pathname}`),
        [
          ...Array.from({ length: 4 }, () => "POST /chat/completions"),
          "POST /embeddings",
          "POST /embeddings"
        ]
      )
      Steady.assertAllValid(ours)

      // The check can fail: a message whose content is a number is rejected.
      yield* Steady.assertRejected(client, verdicts, `${steady.url}/chat/completions`, {
        model: "m",
        messages: [{ role: "user", content: 5 }]
      })
    }).pipe(Effect.provide(FetchHttpClient.layer)), 60_000)
})
