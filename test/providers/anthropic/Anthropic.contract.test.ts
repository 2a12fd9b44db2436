/**
 * Every kind of Claude request we send is accepted by Steady loaded with the
 * (unofficial, November 2024) Anthropic OpenAPI spec, with no violation
 * listed; a deliberately invalid request is rejected, so the check can fail.
 * The spec predates URL image sources and `tool_choice: none` (Steady flags
 * both), so those two are pinned by the fake-server suite only. It declares no stream response: for streams, the request body
 * is what is checked.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Stream } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import { Content, Message, Tool } from "../../../src/index.ts"
import * as Anthropic from "../../../src/providers/anthropic/Anthropic.ts"
import * as Shared from "../../support/Shared.ts"
import * as Steady from "../../support/Steady.ts"

const weather = Tool.make("get_weather", {
  description: "Weather for a city",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }
})

describe.skipIf(!Shared.available)(`Claude requests against the Anthropic spec${Shared.skipReason}`, () => {
  it.live("every request shape we send is valid, and an invalid one is rejected", () =>
    Effect.gen(function*() {
      const steady = yield* Steady.make(Shared.specPath("anthropic.unofficial-2024-11.openapi.json"))
      const { client, verdicts } = yield* Steady.recording
      const backend = yield* Anthropic.make({
        apiKey: Redacted.make("sk-ant-contract-test-000000"),
        // The spec's paths carry the /v1 prefix.
        baseUrl: `${steady.url}/v1`,
        model: "claude-3-5-sonnet-latest",
        policy: { maxRetries: 0 }
      }).pipe(Effect.provideService(HttpClient.HttpClient, client))

      // Steady answers with generated data; only the verdict on our request matters here.
      const send = <A, E>(effect: Effect.Effect<A, E>) => Effect.ignore(effect)
      yield* send(backend.chat({ messages: [Message.user("Hi")] }))
      yield* send(backend.chat({
        system: "Be brief.",
        messages: [Message.user("Hi"), Message.assistant("Hello."), Message.user("Again")],
        temperature: 0.5,
        topP: 0.9,
        maxTokens: 64,
        user: "user-1"
      }))
      yield* send(backend.chat({ messages: [Message.user("x")], tools: [weather], toolChoice: "auto" }))
      yield* send(backend.chat({ messages: [Message.user("x")], tools: [weather], toolChoice: "required", parallelToolCalls: false }))
      yield* send(backend.chat({
        messages: [
          Message.user("Weather in Paris?"),
          Message.assistant([
            Content.text("Let me check."),
            new Content.ToolCallPart({ id: "toolu_1", name: "get_weather", arguments: "{\"city\":\"Paris\"}" })
          ]),
          Message.tool([Content.toolResult("toolu_1", "{\"temp\":21}", { isError: false })]),
          Message.user("And tomorrow?")
        ],
        tools: [weather],
        toolChoice: Tool.force("get_weather")
      }))
      yield* send(backend.chat({
        messages: [Message.user([
          Content.text("What is this?"),
          Content.imageData("iVBORw0KGgo=", "image/png"),
          Content.imageUrl("data:image/jpeg;base64,/9j/4AAQ")
        ])]
      }))
      yield* send(backend.chat({ messages: [Message.user("Count")], stop: ["\n\n", "END"], topK: 40 }))
      yield* send(Stream.runDrain(backend.stream({ system: "Be brief.", messages: [Message.user("Hi")], stop: ["END"] })))

      const ours = verdicts.slice()
      assert.strictEqual(ours.length, 8)
      for (const verdict of ours) {
        assert.isTrue(verdict.valid, `${verdict.method} ${verdict.url}: ${verdict.errors.join("; ")}`)
        // Steady marks some union mismatches valid but still lists them: none allowed here.
        assert.deepStrictEqual(verdict.errors, [], `${verdict.method} ${verdict.url}`)
      }

      // The check can fail: a request without max_tokens and with a number as content is rejected.
      yield* Steady.assertRejected(client, verdicts, `${steady.url}/v1/messages`, { model: "claude-3-5-sonnet-latest", messages: [{ role: "user", content: 5 }] })
    }).pipe(Effect.provide(FetchHttpClient.layer)), 60_000)
})
