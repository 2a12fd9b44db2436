/**
 * What Ollama's API cannot express fails with a typed error naming the
 * capability or the field, before anything is sent: never a silent drop.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import type { ChatRequestInput } from "../../../src/domain/Chat.ts"
import * as Content from "../../../src/domain/Content.ts"
import * as Message from "../../../src/domain/Message.ts"
import * as ResponseFormat from "../../../src/domain/ResponseFormat.ts"
import * as Tool from "../../../src/domain/Tool.ts"
import { PNG, route, setup } from "./setup.ts"

const weather = Tool.make("get_weather", { parameters: { type: "object", properties: { city: { type: "string" } } } })

describe("Ollama requests Ollama cannot express fail before anything is sent", () => {
  const cases: ReadonlyArray<readonly [string, ChatRequestInput, string, string]> = [
    ["an image by URL (Ollama cannot fetch)", { messages: [Message.user([Content.text("x"), Content.imageUrl("https://example.com/cat.png")])] }, "Unsupported", "imageUrl"],
    ["an image detail", { messages: [Message.user([Content.imageData(PNG, "image/png", "high")])] }, "Unsupported", "imageDetail"],
    ["a required tool choice", { messages: [Message.user("x")], tools: [weather], toolChoice: "required" }, "Unsupported", "toolChoice"],
    ["a forced tool", { messages: [Message.user("x")], tools: [weather], toolChoice: Tool.force("get_weather") }, "Unsupported", "toolChoice"],
    ["parallelToolCalls false", { messages: [Message.user("x")], tools: [weather], parallelToolCalls: false }, "Unsupported", "parallelToolCalls"],
    ["a strict tool", { messages: [Message.user("x")], tools: [Tool.make("f", { parameters: {}, strict: true })] }, "Unsupported", "strictTools"],
    ["an end-user id", { messages: [Message.user("x")], user: "u-1" }, "Unsupported", "user"],
    ["a schema description", { messages: [Message.user("x")], responseFormat: ResponseFormat.jsonSchema("a", {}, { description: "d" }) }, "Unsupported", "responseFormatDescription"],
    ["an error-flagged tool result", {
      messages: [
        Message.user("x"),
        Message.assistant([new Content.ToolCallPart({ id: "c", name: "f", arguments: "{}" })]),
        Message.tool([Content.toolResult("c", "boom", { isError: true })])
      ]
    }, "Unsupported", "toolResultError"]
  ]
  for (const [name, request, reason, capability] of cases) {
    it.live(`${name}: ${reason} (${capability})`, () =>
      Effect.gen(function*() {
        const { backend, server } = yield* setup(route)
        const error = yield* Effect.flip(backend.chat(request))
        assert.strictEqual(error.reason._tag, reason)
        assert.strictEqual(error.reason._tag === "Unsupported" ? error.reason.capability : undefined, capability)
        const streamed = yield* Effect.flip(Stream.runDrain(backend.stream(request)))
        assert.strictEqual(streamed.reason._tag, reason)
        assert.strictEqual(server.requests.length, 0)
      }))
  }

  const invalidArguments: ReadonlyArray<readonly [string, string]> = [
    ["not JSON", "{\"city\": Par"],
    ["not an object", "[1, 2]"]
  ]
  for (const [name, args] of invalidArguments) {
    it.live(`tool call arguments that are ${name} are InvalidRequest naming the field`, () =>
      Effect.gen(function*() {
        const { backend, server } = yield* setup(route)
        const error = yield* Effect.flip(backend.chat({
          messages: [Message.user("x"), Message.assistant([Content.text("ok"), new Content.ToolCallPart({ id: "c", name: "f", arguments: args })])]
        }))
        assert.strictEqual(error.reason._tag, "InvalidRequest")
        assert.strictEqual(error.reason._tag === "InvalidRequest" ? error.reason.field : undefined, "messages.1.content.1.arguments")
        assert.strictEqual(server.requests.length, 0)
      }))
  }

  it.live("a tool result whose tool cannot be named is InvalidRequest naming the field", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(route)
      const error = yield* Effect.flip(backend.chat({ messages: [Message.user("x"), Message.tool([Content.toolResult("call_9", "r")])] }))
      assert.strictEqual(error.reason._tag === "InvalidRequest" ? error.reason.field : undefined, "messages.1.content.0.name")
      assert.strictEqual(server.requests.length, 0)
    }))
})

