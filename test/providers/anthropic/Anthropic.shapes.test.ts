/**
 * Stream shapes seen from real Anthropic-compatible servers (bodies written
 * here): a repeated message_start for the same message is ignored (another
 * message's is still a failure); tool input given whole in
 * content_block_start is kept; blocks and stop_reason carried inside
 * message_start are kept.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { ChatChunk, Message } from "../../../src/index.ts"
import * as Fixtures from "../../support/AnthropicFixtures.ts"
import { setup } from "./setup.ts"

const hi = { messages: [Message.user("Hi")] }

const startWith = (message: Record<string, unknown>) =>
  Fixtures.frame("message_start", {
    type: "message_start",
    message: { id: "msg_1", type: "message", role: "assistant", model: "claude-x", content: [], stop_reason: null, usage: { input_tokens: 5, output_tokens: 1 }, ...message }
  })

const collect = (chunks: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const { backend } = yield* setup(() => ({ kind: "chunks", chunks }))
    return yield* ChatChunk.collect(backend.stream(hi), "anthropic")
  })

describe("Anthropic stream shapes", () => {
  it.live("a repeated message_start with the same id is ignored", () =>
    Effect.gen(function*() {
      const response = yield* collect([
        startWith({}),
        Fixtures.blockStart(0, Fixtures.text("")),
        Fixtures.textDelta(0, "Hi"),
        startWith({}),
        Fixtures.textDelta(0, " there"),
        Fixtures.blockStop(0),
        Fixtures.messageDelta("end_turn", 3),
        Fixtures.messageStop
      ])
      assert.strictEqual(response.text, "Hi there")
      assert.strictEqual(response.id, "msg_1")
      assert.strictEqual(response.finishReason, "stop")
    }))

  it.live("a message_start for another message still fails", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "chunks",
        chunks: [startWith({}), Fixtures.blockStart(0, Fixtures.text("")), startWith({ id: "msg_2" })]
      }))
      const error = yield* Effect.flip(Stream.runDrain(backend.stream(hi)))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
    }))

  it.live("a tool_use whose input arrives whole in content_block_start keeps that input", () =>
    Effect.gen(function*() {
      const response = yield* collect([
        startWith({}),
        Fixtures.blockStart(0, Fixtures.toolUse("toolu_1", "weather", { city: "Paris", days: 2 })),
        Fixtures.blockStop(0),
        Fixtures.messageDelta("tool_use", 9),
        Fixtures.messageStop
      ])
      assert.strictEqual(response.toolCalls.length, 1)
      assert.deepStrictEqual(JSON.parse(response.toolCalls[0]!.arguments), { city: "Paris", days: 2 })
      assert.strictEqual(response.finishReason, "tool_calls")
    }))

  it.live("streamed input still wins over the {} placeholder, and no input at all is {}", () =>
    Effect.gen(function*() {
      const streamed = yield* collect(Fixtures.toolStream("toolu_2", "weather", ["{\"city\":", "\"Rome\"}"]))
      assert.deepStrictEqual(JSON.parse(streamed.toolCalls[0]!.arguments), { city: "Rome" })
      const empty = yield* collect([
        startWith({}),
        Fixtures.blockStart(0, Fixtures.toolUse("toolu_3", "now", {})),
        Fixtures.blockStop(0),
        Fixtures.messageDelta("tool_use", 2),
        Fixtures.messageStop
      ])
      assert.strictEqual(empty.toolCalls[0]!.arguments, "{}")
    }))

  it.live("content blocks and stop_reason inside message_start are kept", () =>
    Effect.gen(function*() {
      const chunks: Array<ChatChunk.ChatChunk> = []
      const { backend } = yield* setup(() => ({
        kind: "chunks",
        chunks: [
          startWith({
            content: [Fixtures.text("Checking."), Fixtures.toolUse("toolu_9", "lookup", { q: "x" })],
            stop_reason: "tool_use",
            usage: { input_tokens: 5, output_tokens: 7 }
          }),
          Fixtures.messageStop
        ]
      }))
      yield* Stream.runForEach(backend.stream(hi), (chunk) => Effect.sync(() => chunks.push(chunk)))
      const response = yield* ChatChunk.collect(Stream.fromIterable(chunks), "anthropic")
      assert.strictEqual(response.text, "Checking.")
      assert.strictEqual(response.toolCalls.length, 1)
      assert.deepStrictEqual(JSON.parse(response.toolCalls[0]!.arguments), { q: "x" })
      assert.strictEqual(response.finishReason, "tool_calls")
      assert.strictEqual(response.usage?.outputTokens, 7)
      assert.strictEqual(chunks.filter((chunk) => chunk._tag === "ToolCall").length, 1, "the call is emitted once")
    }))
})

describe("Anthropic blocks of types we do not translate", () => {
  it.live("thinking and server-tool blocks are skipped quietly; an unknown type with a warning", () =>
    Effect.gen(function*() {
      const response = yield* collect([
        startWith({}),
        Fixtures.blockStart(0, Fixtures.thinking("hmm")),
        Fixtures.blockStop(0),
        Fixtures.blockStart(1, { type: "web_search_tool_result", tool_use_id: "srvtoolu_1", content: [] }),
        Fixtures.blockStop(1),
        Fixtures.blockStart(2, { type: "hologram", data: "..." }),
        Fixtures.blockStop(2),
        Fixtures.blockStart(3, Fixtures.text("")),
        Fixtures.textDelta(3, "Done."),
        Fixtures.blockStop(3),
        Fixtures.messageDelta("end_turn", 3),
        Fixtures.messageStop
      ])
      assert.strictEqual(response.text, "Done.")
      assert.strictEqual(response.warnings?.length, 1)
      assert.include(response.warnings?.[0] ?? "", "hologram")
    }))

  it.live("the same in a non-streamed message", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "json",
        body: Fixtures.message({ content: [Fixtures.thinking("hmm"), { type: "hologram" }, Fixtures.text("Done.")] })
      }))
      const response = yield* backend.chat(hi)
      assert.strictEqual(response.text, "Done.")
      assert.deepStrictEqual(response.warnings?.map((w) => w.includes("hologram")), [true])
    }))
})
