/**
 * Azure OpenAI's first stream chunk carries the prompt filter results with
 * `id: ""` and `model: ""`: metadata comes from the first non-empty values,
 * streamed or not.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { ChatChunk, Message } from "../../../src/index.ts"
import * as FakeServer from "../../support/FakeServer.ts"
import * as Fixtures from "../../support/OpenAiFixtures.ts"
import { setup } from "../../support/openAi.ts"

const hi = { messages: [Message.user("Hi")] }

const filterResults = { id: "", object: "", created: 0, model: "", choices: [], prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }] }

describe("metadata from the first non-empty values", () => {
  it.live("a stream whose first chunk has empty id and model reports the later ones", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "chunks",
        chunks: FakeServer.sse([
          filterResults,
          Fixtures.chunk({ role: "assistant", content: "" }),
          Fixtures.chunk({ content: "Hi" }, "stop")
        ])
      }))
      const response = yield* ChatChunk.collect(backend.stream(hi), "openai")
      assert.strictEqual(response.id, "chatcmpl-fake2")
      assert.strictEqual(response.model, "gpt-4o-mini-2024-07-18")
      assert.strictEqual(response.text, "Hi")
    }))

  it.live("a stream that never names its model keeps the requested one", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "chunks",
        chunks: FakeServer.sse([filterResults, { ...Fixtures.chunk({ content: "Hi" }, "stop"), model: "", id: "" }])
      }))
      const chunks = yield* Stream.runCollect(backend.stream(hi))
      const response = yield* ChatChunk.collect(Stream.fromIterable(chunks), "openai")
      assert.strictEqual(response.model, "gpt-4o-mini")
      assert.isUndefined(response.id)
    }))

  it.live("a non-streamed body with empty id and model", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "json", body: { ...Fixtures.completion({}), id: "", model: "" } }))
      const response = yield* backend.chat(hi)
      assert.strictEqual(response.model, "gpt-4o-mini")
      assert.isUndefined(response.id)
    }))
})
