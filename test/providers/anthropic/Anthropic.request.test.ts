import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { Content, Message, ResponseFormat, Tool } from "../../../src/index.ts"
import type { ChatRequestInput } from "../../../src/domain/Chat.ts"
import * as FakeServer from "../../support/FakeServer.ts"
import * as Fixtures from "../../support/AnthropicFixtures.ts"
import { KEY, MODEL, setup } from "./setup.ts"

const ok: FakeServer.Handler = () => ({ kind: "json", body: Fixtures.message() })
const weatherSchema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] }
const weather = Tool.make("get_weather", { description: "Weather for a city", parameters: weatherSchema })
const bodyOf = (server: FakeServer.FakeServer, i = 0) => server.requests[i]!.json as Record<string, unknown>

describe("Claude requests on the wire", () => {
  it.live("a plain chat sends model, max_tokens, the system prompt outside the turns, and x-api-key auth", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok)
      yield* backend.chat({ system: "Be brief.", messages: [Message.user("Hi")], temperature: 0.2, maxTokens: 50 })
      const [request] = server.requests
      assert.strictEqual(request!.method, "POST")
      assert.strictEqual(request!.url, "/v1/messages")
      assert.strictEqual(request!.headers["x-api-key"], KEY)
      assert.strictEqual(request!.headers["anthropic-version"], "2023-06-01")
      assert.isUndefined(request!.headers["authorization"], "never a Bearer token")
      assert.strictEqual(request!.headers["content-type"], "application/json")
      assert.deepStrictEqual(request!.json, {
        model: MODEL,
        max_tokens: 50,
        system: "Be brief.",
        messages: [{ role: "user", content: "Hi" }],
        temperature: 0.2
      })
    }))

  it.live("without maxTokens the backend's default output budget is sent as the required max_tokens", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok)
      yield* backend.chat({ messages: [Message.user("Hi")] })
      assert.deepStrictEqual(bodyOf(server), { model: MODEL, max_tokens: 4096, messages: [{ role: "user", content: "Hi" }] })
      const custom = yield* setup(ok, { maxTokens: 1000, version: "2024-01-01" })
      yield* custom.backend.chat({ messages: [Message.user("Hi")] })
      assert.strictEqual(bodyOf(custom.server)["max_tokens"], 1000)
      assert.strictEqual(custom.server.requests[0]!.headers["anthropic-version"], "2024-01-01")
    }))

  it.live("tools, a forced tool with parallel calls off, and a prior tool round trip map to Claude's blocks", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok)
      yield* backend.chat({
        model: "claude-opus-4-1",
        messages: [
          Message.user("Weather in Paris?"),
          Message.assistant([
            Content.text("Let me check."),
            new Content.ToolCallPart({ id: "toolu_1", name: "get_weather", arguments: "{\"city\":\"Paris\"}" })
          ]),
          Message.tool([Content.toolResult("toolu_1", "{\"temp\":21}"), Content.toolResult("toolu_2", "boom", { isError: true })]),
          Message.user("And tomorrow?")
        ],
        tools: [weather, Tool.make("get_time", { parameters: { type: "object", properties: {} } })],
        toolChoice: Tool.force("get_weather"),
        parallelToolCalls: false
      })
      assert.deepStrictEqual(bodyOf(server), {
        model: "claude-opus-4-1",
        max_tokens: 4096,
        messages: [
          { role: "user", content: "Weather in Paris?" },
          {
            role: "assistant",
            content: [
              { type: "text", text: "Let me check." },
              { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } }
            ]
          },
          // The tool turn and the next user turn are one user turn: Claude wants alternation.
          {
            role: "user",
            content: [
              { type: "tool_result", tool_use_id: "toolu_1", content: "{\"temp\":21}" },
              { type: "tool_result", tool_use_id: "toolu_2", content: "boom", is_error: true },
              { type: "text", text: "And tomorrow?" }
            ]
          }
        ],
        tools: [
          { name: "get_weather", description: "Weather for a city", input_schema: weatherSchema },
          { name: "get_time", input_schema: { type: "object", properties: {} } }
        ],
        tool_choice: { type: "tool", name: "get_weather", disable_parallel_tool_use: true }
      })
    }))

  it.live("tool choices: auto, required is any, none, and parallel calls off without a choice", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok)
      const ask = (extra: Partial<ChatRequestInput>) => backend.chat({ messages: [Message.user("x")], tools: [weather], ...extra })
      yield* ask({ toolChoice: "auto" })
      yield* ask({ toolChoice: "required" })
      yield* ask({ toolChoice: "none", parallelToolCalls: false })
      yield* ask({ parallelToolCalls: false })
      yield* ask({ toolChoice: "required", parallelToolCalls: true })
      yield* ask({})
      assert.deepStrictEqual(server.requests.map((r) => (r.json as Record<string, unknown>)["tool_choice"]), [
        { type: "auto" },
        { type: "any" },
        { type: "none" },
        { type: "auto", disable_parallel_tool_use: true },
        { type: "any" },
        undefined
      ])
    }))

  it.live("consecutive turns of one role are merged into one turn of blocks", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok)
      yield* backend.chat({
        messages: [
          Message.user("First."),
          Message.user("Second."),
          Message.assistant("One."),
          Message.assistant([new Content.ToolCallPart({ id: "toolu_9", name: "get_time", arguments: "" })]),
          Message.tool([Content.toolResult("toolu_9", "noon")])
        ]
      })
      assert.deepStrictEqual(bodyOf(server)["messages"], [
        { role: "user", content: [{ type: "text", text: "First." }, { type: "text", text: "Second." }] },
        {
          role: "assistant",
          content: [{ type: "text", text: "One." }, { type: "tool_use", id: "toolu_9", name: "get_time", input: {} }]
        },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_9", content: "noon" }] }
      ])
    }))

  it.live("images go as base64 sources or URL sources; a base64 data: URL becomes a base64 source", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok)
      yield* backend.chat({
        messages: [Message.user([
          Content.text("What is this?"),
          Content.imageData("iVBORw0KGgo=", "image/png"),
          Content.imageUrl("https://example.com/cat.jpg"),
          Content.imageUrl("data:image/webp;base64,UklGRg==", "auto")
        ])]
      })
      assert.deepStrictEqual(bodyOf(server)["messages"], [{
        role: "user",
        content: [
          { type: "text", text: "What is this?" },
          { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
          { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
          { type: "image", source: { type: "base64", media_type: "image/webp", data: "UklGRg==" } }
        ]
      }])
    }))

  it.live("a stream asks for SSE with stream: true, and sampling, stop sequences and user map across", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(() => ({ kind: "chunks", chunks: Fixtures.textStream(["Hi"]) }))
      yield* Stream.runDrain(backend.stream({
        messages: [Message.user("Hi")],
        stop: ["\n\nHuman:"],
        topK: 40,
        topP: 0.9,
        temperature: 1,
        user: "user-42"
      }))
      assert.strictEqual(server.requests[0]!.headers["accept"], "text/event-stream")
      assert.strictEqual(server.requests[0]!.headers["x-api-key"], KEY)
      assert.deepStrictEqual(bodyOf(server), {
        model: MODEL,
        max_tokens: 4096,
        messages: [{ role: "user", content: "Hi" }],
        temperature: 1,
        top_p: 0.9,
        top_k: 40,
        stop_sequences: ["\n\nHuman:"],
        metadata: { user_id: "user-42" },
        stream: true
      })
    }))

  const refused: ReadonlyArray<readonly [string, ChatRequestInput, string, string | undefined]> = [
    ["JSON output", { messages: [Message.user("x")], responseFormat: ResponseFormat.json }, "Unsupported", "responseFormat"],
    ["JSON schema output", {
      messages: [Message.user("x")],
      responseFormat: ResponseFormat.jsonSchema("a", { type: "object" })
    }, "Unsupported", "responseFormat"],
    ["a seed", { messages: [Message.user("x")], seed: 7 }, "Unsupported", "seed"],
    ["a presence penalty", { messages: [Message.user("x")], presencePenalty: 0.5 }, "Unsupported", "presencePenalty"],
    ["a frequency penalty", { messages: [Message.user("x")], frequencyPenalty: 0.5 }, "Unsupported", "frequencyPenalty"],
    ["a strict tool", {
      messages: [Message.user("x")],
      tools: [Tool.make("f", { parameters: { type: "object" }, strict: true })]
    }, "Unsupported", "strictTools"],
    ["an image detail level", { messages: [Message.user([Content.imageUrl("https://e.com/a.png", "high")])] }, "Unsupported", "imageDetail"],
    ["a temperature above 1", { messages: [Message.user("x")], temperature: 1.5 }, "InvalidRequest", "temperature"],
    ["tool arguments that are not JSON", {
      messages: [Message.user("x"), Message.assistant([new Content.ToolCallPart({ id: "t", name: "f", arguments: "{city: Paris" })])]
    }, "InvalidRequest", "messages.1.content.0.arguments"],
    ["tool arguments that are a JSON array", {
      messages: [Message.user("x"), Message.assistant([new Content.ToolCallPart({ id: "t", name: "f", arguments: "[1]" })])]
    }, "InvalidRequest", "messages.1.content.0.arguments"],
    ["a data: URL that is not base64", {
      messages: [Message.user([Content.imageUrl("data:image/png,rawbytes")])]
    }, "InvalidRequest", "messages.0.content.0.source.url"],
    ["a turn with only empty text", { messages: [Message.user("")] }, "InvalidRequest", "messages.0.content"]
  ]

  for (const [name, request, reason, detail] of refused) {
    it.live(`${name} is ${reason} (${detail}) for chat and stream, and nothing is sent`, () =>
      Effect.gen(function*() {
        const { backend, server } = yield* setup(ok)
        for (const error of [yield* Effect.flip(backend.chat(request)), yield* Effect.flip(Stream.runDrain(backend.stream(request)))]) {
          assert.strictEqual(error.reason._tag, reason)
          assert.strictEqual(error.provider, "anthropic")
          const named = error.reason._tag === "Unsupported"
            ? error.reason.capability
            : error.reason._tag === "InvalidRequest"
            ? error.reason.field
            : undefined
          assert.strictEqual(named, detail)
        }
        assert.strictEqual(server.requests.length, 0)
      }))
  }

  it.live("plain text output is what Claude does anyway, so ResponseFormat.text is accepted", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok)
      yield* backend.chat({ messages: [Message.user("x")], responseFormat: ResponseFormat.text })
      assert.isFalse("response_format" in bodyOf(server))
    }))

  it.live("embeddings are Unsupported (Anthropic has none) and send nothing", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(ok)
      assert.isFalse(backend.capabilities.embed)
      assert.isTrue(backend.capabilities.chat && backend.capabilities.stream && backend.capabilities.models)
      const error = yield* Effect.flip(backend.embed("hello"))
      assert.strictEqual(error.reason._tag, "Unsupported")
      assert.strictEqual(server.requests.length, 0)
    }))

  it.live("models are collected across pages with after_id, dates as unix seconds", () =>
    Effect.gen(function*() {
      const pages = [
        { data: [{ type: "model", id: "claude-opus-4-1", display_name: "Claude Opus 4.1", created_at: "2025-08-05T00:00:00Z" }], has_more: true, first_id: "claude-opus-4-1", last_id: "claude-opus-4-1" },
        { data: [{ type: "model", id: "claude-sonnet-4-5", display_name: "Claude Sonnet 4.5", created_at: "2025-09-29T12:30:00.5Z" }], has_more: true, first_id: "claude-sonnet-4-5", last_id: "claude-sonnet-4-5" },
        { data: [{ type: "model", id: "claude-haiku-4-5", display_name: "Claude Haiku 4.5", created_at: "not a date" }], has_more: false, first_id: "claude-haiku-4-5", last_id: "claude-haiku-4-5" }
      ]
      const { backend, server } = yield* setup((_, i) => ({ kind: "json", body: pages[i] }))
      const models = yield* backend.models()
      assert.deepStrictEqual(server.requests.map((r) => [r.method, r.url]), [
        ["GET", "/v1/models?limit=1000"],
        ["GET", "/v1/models?limit=1000&after_id=claude-opus-4-1"],
        ["GET", "/v1/models?limit=1000&after_id=claude-sonnet-4-5"]
      ])
      assert.strictEqual(server.requests[1]!.headers["x-api-key"], KEY)
      assert.deepStrictEqual(models.map((m) => [m.provider, m.id, m.displayName, m.created]), [
        ["anthropic", "claude-opus-4-1", "Claude Opus 4.1", 1754352000],
        ["anthropic", "claude-sonnet-4-5", "Claude Sonnet 4.5", 1759149000],
        ["anthropic", "claude-haiku-4-5", "Claude Haiku 4.5", undefined]
      ])
    }))

  it.live("a model list that repeats its cursor fails instead of paging forever", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(() => ({
        kind: "json",
        body: { data: [{ id: "claude-x", display_name: "X", created_at: "2025-01-01T00:00:00Z" }], has_more: true, last_id: "claude-x" }
      }))
      const error = yield* Effect.flip(backend.models())
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      assert.strictEqual(server.requests.length, 2)
    }))
})
