import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema, SchemaIssue, Stream } from "effect"
import { Chat, ChatChunk, Content, Embedding, Message, ResponseFormat, Tool, Usage } from "../../src/index.ts"
import * as Validate from "../../src/pipeline/Validate.ts"

describe("domain values", () => {
  it("message helpers build validated turns", () => {
    const user = Message.user([Content.text("Look:"), Content.imageUrl("https://example.com/a.png", "high")])
    assert.strictEqual(user.role, "user")
    assert.deepStrictEqual(user.content.map((p) => p._tag), ["Text", "Image"])
    assert.strictEqual(Message.assistant("ok").content[0]!._tag, "Text")
    assert.strictEqual(Message.tool([Content.toolResult("c1", "42", { isError: false })]).content[0]!.toolCallId, "c1")
  })

  it("constructors reject invalid values; the thrown cause names the field", () => {
    const issue = (f: () => unknown): string => {
      try {
        f()
      } catch (error) {
        return SchemaIssue.makeFormatterDefault()((error as { cause: SchemaIssue.Issue }).cause)
      }
      return "did not throw"
    }
    assert.include(issue(() => Content.imageData("not base64!", "image/png")), "[\"data\"]")
    assert.include(issue(() => Content.imageUrl("ftp://x")), "[\"url\"]")
    assert.include(issue(() => Tool.make("bad name!", { parameters: {} })), "[\"name\"]")
    assert.include(issue(() => Message.user([])), "[\"content\"]")
  })

  it("a chat request survives a JSON round trip through its schema", () => {
    const request = new Chat.ChatRequest({
      model: "m",
      system: "s",
      messages: [Message.user("hi"), Message.assistant([new Content.ToolCallPart({ id: "1", name: "f", arguments: "{}" })])],
      tools: [Tool.make("f", { parameters: { type: "object" } })],
      toolChoice: "required",
      responseFormat: ResponseFormat.jsonSchema("x", { type: "object" }),
      temperature: 0
    })
    const json = JSON.parse(JSON.stringify(Schema.encodeSync(Chat.ChatRequest)(request)))
    const back = Schema.decodeUnknownSync(Chat.ChatRequest)(json)
    assert.deepStrictEqual(Schema.encodeSync(Chat.ChatRequest)(back), Schema.encodeSync(Chat.ChatRequest)(request))
  })

  it("Usage.make totals input and output when no total is given", () => {
    assert.strictEqual(Usage.make({ inputTokens: 3, outputTokens: 4 }).totalTokens, 7)
  })

  it("ChatResponse.text joins text parts and toolCalls lists calls", () => {
    const response = new Chat.ChatResponse({
      provider: "p",
      model: "m",
      content: [Content.text("a"), new Content.ToolCallPart({ id: "1", name: "f", arguments: "{}" }), Content.text("b")],
      finishReason: "tool_calls"
    })
    assert.strictEqual(response.text, "ab")
    assert.strictEqual(response.toolCalls.length, 1)
  })

  it.effect("ChatChunk.collect folds a stream into the response a chat call would give", () =>
    Effect.gen(function*() {
      const response = yield* ChatChunk.collect(
        Stream.make(
          new ChatChunk.Metadata({ id: "r1", model: "m1", requestId: "q" }),
          new ChatChunk.TextDelta({ text: "Hel" }),
          new ChatChunk.TextDelta({ text: "lo" }),
          new ChatChunk.ToolCallDelta({ index: 0, id: "c", name: "f", argumentsDelta: "{}" }),
          new ChatChunk.ToolCall({ index: 0, id: "c", name: "f", arguments: "{}" }),
          new ChatChunk.Finish({ reason: "tool_calls", raw: "tool_calls" }),
          new ChatChunk.UsageChunk({ usage: Usage.make({ inputTokens: 1, outputTokens: 2 }) })
        ),
        "p"
      )
      assert.strictEqual(response.text, "Hello")
      assert.strictEqual(response.id, "r1")
      assert.strictEqual(response.model, "m1")
      assert.strictEqual(response.finishReason, "tool_calls")
      assert.strictEqual(response.toolCalls[0]!.name, "f")
      assert.strictEqual(response.usage?.totalTokens, 3)
    }))

  it("isContent separates content chunks from metadata chunks", () => {
    assert.isTrue(ChatChunk.isContent(new ChatChunk.TextDelta({ text: "x" })))
    assert.isTrue(ChatChunk.isContent(new ChatChunk.ToolCallDelta({ index: 0, argumentsDelta: "" })))
    assert.isFalse(ChatChunk.isContent(new ChatChunk.Finish({ reason: "stop" })))
    assert.isFalse(ChatChunk.isContent(new ChatChunk.Metadata({})))
  })
})

describe("input validation (typed errors naming the field)", () => {
  const field = (effect: Effect.Effect<unknown, { reason: { _tag: string; field?: string } }>) =>
    Effect.map(Effect.flip(effect), (error) => [error.reason._tag, error.reason.field])

  it.effect("temperature out of range", () =>
    Effect.gen(function*() {
      const got = yield* field(Validate.chatRequest("p", { messages: [Message.user("x")], temperature: 3 }))
      assert.deepStrictEqual(got, ["InvalidRequest", "temperature"])
    }))

  it.effect("empty messages", () =>
    Effect.gen(function*() {
      const got = yield* field(Validate.chatRequest("p", { messages: [] }))
      assert.deepStrictEqual(got, ["InvalidRequest", "messages"])
    }))

  it.effect("a malformed nested part names its path", () =>
    Effect.gen(function*() {
      const bad = { messages: [{ role: "user", content: [{ _tag: "Text", text: 5 }] }] } as never
      const got = yield* field(Validate.chatRequest("p", bad))
      assert.deepStrictEqual(got, ["InvalidRequest", "messages.0.content.0.text"])
    }))

  it.effect("maxTokens must be a positive integer", () =>
    Effect.gen(function*() {
      const got = yield* field(Validate.chatRequest("p", { messages: [Message.user("x")], maxTokens: 0 }))
      assert.deepStrictEqual(got, ["InvalidRequest", "maxTokens"])
    }))

  it.effect("embedding input must not be empty; bare strings are accepted", () =>
    Effect.gen(function*() {
      const got = yield* field(Validate.embedRequest("p", []))
      assert.deepStrictEqual(got, ["InvalidRequest", "input"])
      const ok = yield* Validate.embedRequest("p", "hello")
      assert.deepStrictEqual(ok.input, ["hello"])
      assert.instanceOf(ok, Embedding.EmbedRequest)
    }))

  it.effect("a request id must be header-safe (no header injection)", () =>
    Effect.gen(function*() {
      const got = yield* field(Validate.callOptions("p", { requestId: "abc\r\nx-evil: 1" }))
      assert.deepStrictEqual(got, ["InvalidRequest", "options.requestId"])
    }))

  it.effect("a timeout must be a positive duration", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* field(Validate.callOptions("p", { timeout: -5 })), ["InvalidRequest", "options.timeout"])
      assert.deepStrictEqual(yield* field(Validate.callOptions("p", { timeout: "soon" as never })), ["InvalidRequest", "options.timeout"])
      const ok = yield* Validate.callOptions("p", { timeout: "5 seconds", priority: "high" })
      assert.strictEqual(ok.priority, "high")
    }))

  it.effect("priority must be high, normal or low", () =>
    Effect.gen(function*() {
      const got = yield* field(Validate.callOptions("p", { priority: "urgent" as never }))
      assert.deepStrictEqual(got, ["InvalidRequest", "options.priority"])
    }))

  it.effect("no model anywhere names `model`", () =>
    Effect.gen(function*() {
      const got = yield* field(Validate.model("p", undefined, undefined))
      assert.deepStrictEqual(got, ["InvalidRequest", "model"])
    }))
})
