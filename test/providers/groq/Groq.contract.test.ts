/**
 * Groq speaks the OpenAI API: our Groq requests are validated by Steady
 * loaded with the official OpenAI spec (TESTING.md: the OpenAI spec for Groq).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Stream } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import { Content, Message, ResponseFormat, Tool } from "../../../src/index.ts"
import * as GroqBackend from "../../../src/providers/groq/Groq.ts"
import * as Shared from "../../support/Shared.ts"
import * as Steady from "../../support/Steady.ts"

describe.skipIf(!Shared.available)(`Groq requests against the OpenAI spec${Shared.skipReason}`, () => {
  it.live("every request shape we send is valid, and an invalid one is rejected", () =>
    Effect.gen(function*() {
      const steady = yield* Steady.make(Shared.specPath("openai.openapi.yaml"))
      const { client, verdicts } = yield* Steady.recording
      const backend = yield* GroqBackend.make({
        apiKey: Redacted.make("gsk_contract0000000000"),
        baseUrl: steady.url,
        model: "llama-3.3-70b-versatile",
        policy: { maxRetries: 0 }
      }).pipe(Effect.provideService(HttpClient.HttpClient, client))
      const send = <A, E>(effect: Effect.Effect<A, E>) => Effect.ignore(effect)
      const tool = Tool.make("lookup", { parameters: { type: "object", properties: { q: { type: "string" } } } })
      yield* send(backend.chat({ system: "Be brief.", messages: [Message.user("Hi")], maxTokens: 50, temperature: 0.3, stop: ["\n"] }))
      yield* send(backend.chat({
        messages: [
          Message.user("q?"),
          Message.assistant([new Content.ToolCallPart({ id: "c1", name: "lookup", arguments: "{\"q\":\"x\"}" })]),
          Message.tool([Content.toolResult("c1", "found")])
        ],
        tools: [tool],
        toolChoice: Tool.force("lookup")
      }))
      yield* send(backend.chat({ messages: [Message.user("json")], responseFormat: ResponseFormat.json }))
      yield* send(Stream.runDrain(backend.stream({ messages: [Message.user("Hi")] })))
      yield* send(backend.models())
      assert.strictEqual(verdicts.length, 5)
      Steady.assertAllValid(verdicts)
      yield* Steady.assertRejected(client, verdicts, `${steady.url}/chat/completions`, { model: "m", messages: "not a list" })
    }).pipe(Effect.provide(FetchHttpClient.layer)), 60_000)
})
