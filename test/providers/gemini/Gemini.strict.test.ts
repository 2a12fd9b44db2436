/**
 * Gemini's function declarations have no strict mode: a strict tool is
 * refused with Unsupported("strictTools") before anything is sent, like
 * Anthropic and Ollama refuse it, never silently dropped.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { Message } from "../../../src/index.ts"
import * as Fixtures from "../../support/GeminiFixtures.ts"
import { setup } from "./setup.ts"

const request = (strict: boolean) => ({
  messages: [Message.user("Weather?")],
  tools: [{ name: "weather", parameters: { type: "object", properties: { city: { type: "string" } } }, strict }]
})

describe("Gemini strict tools", () => {
  it.live("are Unsupported(strictTools) in chat and stream; nothing is sent", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(() => ({ kind: "json", body: Fixtures.response() }))
      const chat = yield* Effect.flip(backend.chat(request(true)))
      const streamed = yield* Effect.flip(Stream.runDrain(backend.stream(request(true))))
      for (const error of [chat, streamed]) {
        assert.strictEqual(error.reason._tag, "Unsupported")
        assert.strictEqual(error.reason._tag === "Unsupported" ? error.reason.capability : undefined, "strictTools")
      }
      assert.strictEqual(server.requests.length, 0)
      yield* backend.chat(request(false))
      assert.strictEqual(server.requests.length, 1, "a non-strict tool is sent")
    }))
})
