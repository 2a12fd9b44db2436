import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { ChatChunk, LlmBackend, LlmError, Message } from "../../src/index.ts"
import { TestBackend } from "../../src/testing/index.ts"

const hi = { messages: [Message.user("Hi")] }
const run = <A, E>(effect: Effect.Effect<A, E, LlmBackend.LlmBackend | TestBackend.TestBackend>, options?: TestBackend.Options) =>
  Effect.provide(effect, TestBackend.layer(options))

describe("TestBackend", () => {
  it.effect("answers scripted replies in order and records the calls", () =>
    run(Effect.gen(function*() {
      const control = yield* TestBackend.TestBackend
      yield* control.push(TestBackend.reply("one"), TestBackend.reply("two"))
      const a = yield* LlmBackend.chat(hi)
      const b = yield* LlmBackend.chat({ ...hi, model: "other" }, { requestId: "r-2" })
      assert.deepStrictEqual([a.text, b.text], ["one", "two"])
      const calls = yield* control.calls
      assert.deepStrictEqual(calls.map((c) => [c.operation, "model" in c ? c.model : undefined]), [
        ["chat", "test-model"],
        ["chat", "other"]
      ])
      assert.strictEqual(calls[1]!.requestId, "r-2")
      assert.strictEqual(yield* control.remaining, 0)
    })))

  it.effect("fails with any scripted reason, as an LlmError", () =>
    run(
      Effect.gen(function*() {
        const error = yield* Effect.flip(LlmBackend.chat(hi))
        assert.strictEqual(error.reason._tag, "RateLimited")
        assert.strictEqual(error.status, 429)
        assert.strictEqual(error.provider, "test")
      }),
      { script: [TestBackend.fail(new LlmError.RateLimited({ detail: "slow down" }), { status: 429 })] }
    ))

  it.effect("streams scripted chunks and can fail mid-stream", () =>
    run(
      Effect.gen(function*() {
        const ok = yield* Stream.runCollect(LlmBackend.stream(hi))
        assert.deepStrictEqual(ok.map((c) => c._tag), ["TextDelta", "TextDelta", "Finish"])
        const partial: Array<string> = []
        const error = yield* Effect.flip(
          Stream.runForEach(LlmBackend.stream(hi), (chunk) =>
            Effect.sync(() => chunk._tag === "TextDelta" && partial.push(chunk.text)))
        )
        assert.deepStrictEqual(partial, ["Hal"])
        assert.strictEqual(error.reason._tag, "StreamTruncated")
      }),
      {
        script: [
          TestBackend.stream(["Hel", "lo"]),
          TestBackend.stream(["Hal"], { failWith: new LlmError.StreamTruncated({}) })
        ]
      }
    ))

  it.effect("a reply step also serves a stream, and a stream step a chat", () =>
    run(
      Effect.gen(function*() {
        const streamed = yield* ChatChunk.collect(LlmBackend.stream(hi))
        const chatted = yield* LlmBackend.chat(hi)
        assert.deepStrictEqual([streamed.text, chatted.text], ["from reply", "from stream"])
      }),
      { script: [TestBackend.reply("from reply"), TestBackend.stream(["from ", "stream"])] }
    ))

  it.effect("scripted tool calls, embeddings and models", () =>
    run(
      Effect.gen(function*() {
        const tools = yield* LlmBackend.chat(hi)
        assert.deepStrictEqual(tools.toolCalls.map((c) => [c.name, c.arguments]), [["lookup", "{\"q\":\"x\"}"]])
        const vectors = yield* LlmBackend.embed(["a", "b"])
        assert.deepStrictEqual(vectors.embeddings, [[1, 0], [0, 1]])
        const models = yield* LlmBackend.models()
        assert.deepStrictEqual(models.map((m) => m.id), ["m-1"])
      }),
      {
        script: [
          TestBackend.toolCalls([{ id: "c1", name: "lookup", arguments: { q: "x" } }]),
          TestBackend.embeddings([[1, 0], [0, 1]]),
          TestBackend.models(["m-1"])
        ]
      }
    ))

  it.effect("validates input like a real backend (and records nothing for invalid calls)", () =>
    run(Effect.gen(function*() {
      const error = yield* Effect.flip(LlmBackend.chat({ messages: [Message.user("x")], topP: 7 }))
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      assert.strictEqual((yield* (yield* TestBackend.TestBackend).calls).length, 0)
    })))

  it.effect("a call with no scripted step left is a defect, not an invented answer", () =>
    run(Effect.gen(function*() {
      const exit = yield* Effect.exit(LlmBackend.chat(hi))
      assert.isTrue(exit._tag === "Failure")
      assert.include(String(exit), "no scripted step left")
    })))
})
