/**
 * Gemini stream shapes beyond whole parts (bodies written here from the
 * documented `FunctionCall` / `PartialArg` types): function-call arguments
 * streamed in pieces are assembled; unknown fields and event content are
 * ignored; a part of a kind we do not translate is skipped with a warning,
 * never silently; text and complete calls around it are kept.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { ChatChunk, Message } from "../../../src/index.ts"
import * as PartialArgs from "../../../src/providers/gemini/PartialArgs.ts"
import * as Fixtures from "../../support/GeminiFixtures.ts"
import { setup } from "./setup.ts"

const hi = { messages: [Message.user("Plan a trip")] }

const streamOf = (frames: ReadonlyArray<unknown>) =>
  Effect.gen(function*() {
    const { backend } = yield* setup(() => ({ kind: "chunks", chunks: Fixtures.sse(frames) }))
    const chunks = yield* Stream.runCollect(backend.stream(hi))
    return { chunks, response: yield* ChatChunk.collect(Stream.fromIterable(chunks), "gemini") }
  })

describe("Gemini streamed function-call arguments", () => {
  it.live("pieces with partialArgs and willContinue, later ones without a name, make one call", () =>
    Effect.gen(function*() {
      const { chunks, response } = yield* streamOf([
        Fixtures.frame([{ text: "Sure." }]),
        Fixtures.frame([{ functionCall: { name: "book", willContinue: true, partialArgs: [{ jsonPath: "$.city", stringValue: "Par", willContinue: true }] } }]),
        Fixtures.frame([{ functionCall: { willContinue: true, partialArgs: [{ jsonPath: "$.city", stringValue: "is" }, { jsonPath: "$.nights", numberValue: 3 }] } }]),
        Fixtures.frame([{ functionCall: { willContinue: true, partialArgs: [{ jsonPath: "$.stops[0].name", stringValue: "Louvre" }, { jsonPath: "$['late checkout']", boolValue: true }, { jsonPath: "$.note", nullValue: "NULL_VALUE" }] } }]),
        Fixtures.frame([{ functionCall: { willContinue: false } }], "STOP")
      ])
      assert.strictEqual(response.text, "Sure.")
      assert.strictEqual(response.toolCalls.length, 1)
      assert.strictEqual(response.toolCalls[0]!.name, "book")
      assert.deepStrictEqual(JSON.parse(response.toolCalls[0]!.arguments), {
        city: "Paris",
        nights: 3,
        stops: [{ name: "Louvre" }],
        "late checkout": true,
        note: null
      })
      assert.strictEqual(response.finishReason, "tool_calls")
      assert.isUndefined(response.warnings)
      // The deltas of the call add up to its arguments.
      const deltas = chunks.filter((c): c is ChatChunk.ToolCallDelta => c._tag === "ToolCallDelta")
      assert.strictEqual(deltas.map((d) => d.argumentsDelta).join(""), response.toolCalls[0]!.arguments)
    }))

  it.live("a whole call next to a streamed one: both kept, in order, with distinct ids", () =>
    Effect.gen(function*() {
      const { response } = yield* streamOf([
        Fixtures.frame([Fixtures.functionCall("first", { a: 1 })]),
        Fixtures.frame([{ functionCall: { name: "second", willContinue: true } }]),
        Fixtures.frame([{ functionCall: { partialArgs: [{ jsonPath: "$.b", numberValue: 2 }] } }], "STOP")
      ])
      assert.deepStrictEqual(response.toolCalls.map((call) => [call.name, JSON.parse(call.arguments)]), [["first", { a: 1 }], ["second", { b: 2 }]])
      assert.strictEqual(new Set(response.toolCalls.map((call) => call.id)).size, 2)
    }))

  it.live("a piece with an unreadable path drops that call with a warning; text stays", () =>
    Effect.gen(function*() {
      const { response } = yield* streamOf([
        Fixtures.frame([{ text: "Hm." }]),
        Fixtures.frame([{ functionCall: { name: "book", willContinue: true, partialArgs: [{ jsonPath: "$..city[?(@.x)]", stringValue: "x" }] } }]),
        Fixtures.frame([{ functionCall: { willContinue: false } }], "STOP")
      ])
      assert.strictEqual(response.text, "Hm.")
      assert.strictEqual(response.toolCalls.length, 0)
      assert.strictEqual(response.warnings?.length, 1)
      assert.include(response.warnings?.[0] ?? "", "book")
    }))

  it.live("a nameless piece with no call in progress is skipped with a warning", () =>
    Effect.gen(function*() {
      const { response } = yield* streamOf([
        Fixtures.frame([{ text: "Ok" }, { functionCall: { partialArgs: [{ jsonPath: "$.x", numberValue: 1 }] } }], "STOP")
      ])
      assert.strictEqual(response.text, "Ok")
      assert.strictEqual(response.warnings?.length, 1)
    }))
})

describe("Gemini forward compatibility", () => {
  it.live("unknown fields and content-free frames are ignored; unknown part kinds are skipped with a warning", () =>
    Effect.gen(function*() {
      const { chunks, response } = yield* streamOf([
        { ...Fixtures.frame([{ text: "Hello", thoughtSignature: "c2ln", brandNewField: 1 }]), modelStatus: { stage: "GA" } },
        { usageMetadata: Fixtures.usageMetadata(7, 1), someNewEnvelope: { x: 1 } },
        Fixtures.frame([{ executableCode: { language: "PYTHON", code: "print(1)" } }, { text: " world" }], "STOP")
      ])
      assert.strictEqual(response.text, "Hello world")
      assert.strictEqual(response.finishReason, "stop")
      assert.strictEqual(response.warnings?.length, 1)
      assert.include(response.warnings?.[0] ?? "", "executableCode")
      assert.isTrue(chunks.some((c) => c._tag === "Metadata" && c.warnings !== undefined), "the warning is a Metadata chunk")
    }))

  it.live("a non-streamed answer reports skipped parts in warnings too", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "json",
        body: Fixtures.response({ parts: [{ text: "Result:" }, { codeExecutionResult: { outcome: "OUTCOME_OK", output: "1" } }] })
      }))
      const response = yield* backend.chat(hi)
      assert.strictEqual(response.text, "Result:")
      assert.strictEqual(response.warnings?.length, 1)
      assert.include(response.warnings?.[0] ?? "", "codeExecutionResult")
    }))
})

describe("JSON paths", () => {
  it("reads names, indices and quoted names; refuses what it does not understand", () => {
    assert.deepStrictEqual(PartialArgs.parsePath("$.foo.bar[0].data"), ["foo", "bar", 0, "data"])
    assert.deepStrictEqual(PartialArgs.parsePath("$['a b'][\"c\"]"), ["a b", "c"])
    assert.isUndefined(PartialArgs.parsePath("$"))
    assert.isUndefined(PartialArgs.parsePath("foo"))
    assert.isUndefined(PartialArgs.parsePath("$..x"))
    assert.isUndefined(PartialArgs.parsePath("$[*]"))
  })
})
