/**
 * The gateway reading OpenAI requests, as pure translation: every request
 * field mapped, or refused as `InvalidRequest` naming the client's field.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type * as Content from "../../src/domain/Content.ts"
import * as Tool from "../../src/domain/Tool.ts"
import * as OpenAiWire from "../../src/gateway/OpenAiWire.ts"

const hi = [{ role: "user", content: "Hi" }]
const refused = (body: unknown) =>
  Effect.map(Effect.flip(OpenAiWire.chatCall(body)), (error) => {
    assert.strictEqual(error.reason._tag, "InvalidRequest")
    return error.reason._tag === "InvalidRequest" ? error.reason.field : undefined
  })

describe("OpenAiWire.chatCall", () => {
  it.effect("maps every sampling field onto our request", () =>
    Effect.gen(function*() {
      const call = yield* OpenAiWire.chatCall({
        model: "m", messages: hi, temperature: 0.5, top_p: 0.9, max_tokens: 10, stop: "END", seed: 7,
        presence_penalty: 0.1, frequency_penalty: -0.2, user: "u1", parallel_tool_calls: false, n: 1, logprobs: false
      })
      const r = call.request
      assert.deepStrictEqual(
        [r.model, r.temperature, r.topP, r.maxTokens, r.stop, r.seed, r.presencePenalty, r.frequencyPenalty, r.user, r.parallelToolCalls],
        ["m", 0.5, 0.9, 10, ["END"], 7, 0.1, -0.2, "u1", false]
      )
      assert.deepStrictEqual([call.stream, call.includeUsage, call.model], [false, false, "m"])
    }))

  it.effect("max_completion_tokens wins over max_tokens; nulls are absent", () =>
    Effect.gen(function*() {
      const call = yield* OpenAiWire.chatCall({ model: "m", messages: hi, max_tokens: 5, max_completion_tokens: 9, temperature: null, stop: ["a", "b"] })
      assert.strictEqual(call.request.maxTokens, 9)
      assert.isFalse("temperature" in call.request)
      assert.deepStrictEqual(call.request.stop, ["a", "b"])
    }))

  it.effect("stream and the usage chunk are only what the client asked", () =>
    Effect.gen(function*() {
      const plain = yield* OpenAiWire.chatCall({ model: "m", messages: hi, stream: true })
      assert.deepStrictEqual([plain.stream, plain.includeUsage], [true, false])
      const usage = yield* OpenAiWire.chatCall({ model: "m", messages: hi, stream: true, stream_options: { include_usage: true } })
      assert.deepStrictEqual([usage.stream, usage.includeUsage], [true, true])
    }))

  it.effect("n > 1 and logprobs are refused naming the field", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* refused({ model: "m", messages: hi, n: 2 }), "n")
      assert.strictEqual(yield* refused({ model: "m", messages: hi, logprobs: true }), "logprobs")
    }))

  it.effect("system and developer messages become the system prompt; after the conversation they are refused", () =>
    Effect.gen(function*() {
      const call = yield* OpenAiWire.chatCall({
        model: "m",
        messages: [{ role: "system", content: "A" }, { role: "developer", content: [{ type: "text", text: "B" }] }, ...hi]
      })
      assert.strictEqual(call.request.system, "A\n\nB")
      assert.strictEqual(call.request.messages.length, 1)
      assert.strictEqual(yield* refused({ model: "m", messages: [...hi, { role: "system", content: "late" }] }), "messages.1.role")
    }))

  it.effect("images: URLs as URLs, data: URLs as base64 data; a bad one names its url", () =>
    Effect.gen(function*() {
      const call = yield* OpenAiWire.chatCall({
        model: "m",
        messages: [{
          role: "user",
          content: [
            { type: "text", text: "look" },
            { type: "image_url", image_url: { url: "https://x.test/a.png", detail: "low" } },
            { type: "image_url", image_url: { url: "data:image/PNG;base64,iVBORw0KGgo=" } }
          ]
        }]
      })
      const parts = call.request.messages[0]!.content as ReadonlyArray<Content.UserPart>
      assert.strictEqual(parts[0]!._tag, "Text")
      const [url, data] = [parts[1] as Content.ImagePart, parts[2] as Content.ImagePart]
      assert.deepStrictEqual([url.source._tag, url.detail], ["ImageUrl", "low"])
      assert.strictEqual(data.source._tag, "ImageData")
      if (data.source._tag === "ImageData") assert.deepStrictEqual([data.source.mediaType, data.source.data], ["image/png", "iVBORw0KGgo="])
      const bad = (url: string) => refused({ model: "m", messages: [{ role: "user", content: [{ type: "text", text: "a" }, { type: "image_url", image_url: { url } }] }] })
      assert.strictEqual(yield* bad("data:image/png;base64,not base64!"), "messages.0.content.1.image_url.url")
      assert.strictEqual(yield* bad("ftp://x.test/a.png"), "messages.0.content.1.image_url.url")
    }))

  it.effect("assistant tool calls, then consecutive tool messages merged into one turn", () =>
    Effect.gen(function*() {
      const call = yield* OpenAiWire.chatCall({
        model: "m",
        messages: [
          ...hi,
          { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }, { id: "c2", function: { name: "g", arguments: "{\"a\":1}" } }] },
          { role: "tool", tool_call_id: "c1", content: "one" },
          { role: "tool", tool_call_id: "c2", content: [{ type: "text", text: "tw" }, { type: "text", text: "o" }] },
          { role: "user", content: "thanks" }
        ]
      })
      const roles = call.request.messages.map((m) => m.role)
      assert.deepStrictEqual(roles, ["user", "assistant", "tool", "user"])
      const assistant = call.request.messages[1]!.content as ReadonlyArray<Content.AssistantPart>
      assert.deepStrictEqual(assistant.map((p) => p._tag === "ToolCall" ? [p.id, p.name, p.arguments] : p._tag), [["c1", "f", "{}"], ["c2", "g", "{\"a\":1}"]])
      const results = call.request.messages[2]!.content as ReadonlyArray<Content.ToolResultPart>
      assert.deepStrictEqual(results.map((r) => [r.toolCallId, r.content]), [["c1", "one"], ["c2", "two"]])
    }))

  it.effect("an assistant message with neither content nor tool calls, or a bad call, names the field", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* refused({ model: "m", messages: [...hi, { role: "assistant", content: "" }] }), "messages.1.content")
      assert.strictEqual(
        yield* refused({ model: "m", messages: [...hi, { role: "assistant", tool_calls: [{ id: "c", function: { name: "", arguments: "{}" } }] }] }),
        "messages.1.tool_calls.0.function.name"
      )
      assert.strictEqual(yield* refused({ model: "m", messages: [{ role: "tool", tool_call_id: "", content: "r" }] }), "messages.0.tool_call_id")
    }))

  it.effect("tools and tool_choice map; bad names are refused naming the field", () =>
    Effect.gen(function*() {
      const call = yield* OpenAiWire.chatCall({
        model: "m", messages: hi,
        tools: [{ type: "function", function: { name: "get_weather", description: "d", parameters: { type: "object", properties: { city: { type: "string" } } }, strict: true } }, { type: "function", function: { name: "noargs" } }],
        tool_choice: { type: "function", function: { name: "get_weather" } }
      })
      const [first, second] = call.request.tools!
      assert.deepStrictEqual([first!.name, first!.description, first!.strict], ["get_weather", "d", true])
      assert.deepStrictEqual(second!.parameters, { type: "object", properties: {} })
      assert.deepStrictEqual(call.request.toolChoice, Tool.force("get_weather"))
      assert.strictEqual((yield* OpenAiWire.chatCall({ model: "m", messages: hi, tool_choice: "required" })).request.toolChoice, "required")
      assert.strictEqual(yield* refused({ model: "m", messages: hi, tools: [{ type: "function", function: { name: "has space" } }] }), "tools.0.function.name")
      assert.strictEqual(yield* refused({ model: "m", messages: hi, tool_choice: { type: "function", function: { name: "" } } }), "tool_choice.function.name")
    }))

  it.effect("response formats: text, json_object, json_schema; a bad schema name is refused", () =>
    Effect.gen(function*() {
      const format = (response_format: unknown) => Effect.map(OpenAiWire.chatCall({ model: "m", messages: hi, response_format }), (c) => c.request.responseFormat)
      assert.strictEqual((yield* format({ type: "text" }))?._tag, "Text")
      assert.strictEqual((yield* format({ type: "json_object" }))?._tag, "Json")
      const schema = yield* format({ type: "json_schema", json_schema: { name: "answer", description: "d", schema: { type: "object" }, strict: true } })
      assert.strictEqual(schema?._tag, "JsonSchema")
      if (schema?._tag === "JsonSchema") assert.deepStrictEqual([schema.name, schema.description, schema.strict, schema.schema], ["answer", "d", true, { type: "object" }])
      assert.strictEqual(
        yield* refused({ model: "m", messages: hi, response_format: { type: "json_schema", json_schema: { name: "no spaces allowed" } } }),
        "response_format.json_schema.name"
      )
      assert.strictEqual(yield* refused({ model: "m", messages: hi, response_format: { type: "xml" } }), "response_format")
    }))

  it.effect("out-of-range settings and an empty conversation name the client's field", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* refused({ model: "m", messages: hi, max_tokens: 0 }), "max_tokens")
      assert.strictEqual(yield* refused({ model: "m", messages: hi, max_completion_tokens: -1 }), "max_completion_tokens")
      assert.strictEqual(yield* refused({ model: "m", messages: hi, top_p: 2 }), "top_p")
      assert.strictEqual(yield* refused({ model: "m", messages: hi, presence_penalty: 3 }), "presence_penalty")
      assert.strictEqual(yield* refused({ model: "m", messages: hi, stop: [""] }), "stop.0")
      assert.strictEqual(yield* refused({ model: "m", messages: [] }), "messages")
      assert.strictEqual(yield* refused({ model: "m", messages: [{ role: "system", content: "only" }] }), "messages")
      assert.strictEqual(yield* refused({ model: "m", messages: [{ role: "user", content: [] }] }), "messages.0.content")
      assert.strictEqual(yield* refused({ messages: hi }), "model")
      assert.strictEqual(yield* refused({ model: "m", messages: [{ role: "robot", content: "x" }] }), "messages.0.role")
    }))
})

describe("OpenAiWire.embedCall", () => {
  it.effect("a string is one input; dimensions kept; base64 refused naming encoding_format", () =>
    Effect.gen(function*() {
      const one = yield* OpenAiWire.embedCall({ model: "e", input: "a", dimensions: 8 })
      assert.deepStrictEqual(one.request, { model: "e", input: ["a"], dimensions: 8 })
      const error = yield* Effect.flip(OpenAiWire.embedCall({ model: "e", input: ["a"], encoding_format: "base64" }))
      assert.strictEqual(error.reason._tag === "InvalidRequest" ? error.reason.field : undefined, "encoding_format")
    }))
})
