import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as Message from "../../../src/domain/Message.ts"
import type * as FakeServer from "../../support/FakeServer.ts"
import * as Fixtures from "../../support/OllamaFixtures.ts"
import { setup } from "./setup.ts"

const hi = { messages: [Message.user("Hi")] }
const json = (body: unknown, status = 200): FakeServer.Handler => () => ({ kind: "json", status, body })

describe("Ollama chat replies", () => {
  it.live("a reply becomes text, finish reason, the answering model and usage from the counts", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(json(Fixtures.chatReply({ model: "llama3.2:latest", counts: { prompt: 26, output: 298 } })))
      const reply = yield* backend.chat(hi, { requestId: "ours-1" })
      assert.strictEqual(reply.provider, "ollama")
      assert.strictEqual(reply.text, "Hello! How are you today?")
      assert.strictEqual(reply.finishReason, "stop")
      assert.strictEqual(reply.rawFinishReason, "stop")
      assert.strictEqual(reply.model, "llama3.2:latest")
      assert.strictEqual(reply.requestId, "ours-1")
      assert.deepStrictEqual({ ...reply.usage }, { inputTokens: 26, outputTokens: 298, totalTokens: 324 })
    }))

  it.live("tool calls: object arguments become JSON text, missing ids become call_<n>, given ids are kept", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(json(Fixtures.chatReply({
        content: "",
        toolCalls: [
          { name: "get_weather", arguments: { city: "Tokyo", days: 2 } },
          { name: "get_time", arguments: {}, id: "call_server_7" },
          { name: "ping", arguments: undefined }
        ]
      })))
      const reply = yield* backend.chat(hi)
      assert.strictEqual(reply.finishReason, "tool_calls")
      assert.strictEqual(reply.rawFinishReason, "stop")
      assert.strictEqual(reply.text, "")
      assert.deepStrictEqual(reply.toolCalls.map((c) => [c.id, c.name, c.arguments]), [
        ["call_0", "get_weather", "{\"city\":\"Tokyo\",\"days\":2}"],
        ["call_server_7", "get_time", "{}"],
        ["call_2", "ping", "{}"]
      ])
    }))

  it.live("the same reply gives the same synthesized ids every time (stable)", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(json(Fixtures.chatReply({ toolCalls: [{ name: "a", arguments: {} }, { name: "b", arguments: {} }] })))
      const first = yield* backend.chat(hi)
      const second = yield* backend.chat(hi)
      assert.deepStrictEqual(first.toolCalls.map((c) => c.id), ["call_0", "call_1"])
      assert.deepStrictEqual(second.toolCalls.map((c) => c.id), ["call_0", "call_1"])
    }))

  const reasons: ReadonlyArray<readonly [string | null, string]> = [
    ["stop", "stop"],
    ["length", "length"],
    ["load", "other"],
    [null, "other"]
  ]
  for (const [raw, mapped] of reasons) {
    it.live(`done_reason ${raw ?? "(absent)"} is ${mapped}`, () =>
      Effect.gen(function*() {
        const { backend } = yield* setup(json(Fixtures.chatReply({ doneReason: raw })))
        const reply = yield* backend.chat(hi)
        assert.strictEqual(reply.finishReason, mapped)
        assert.strictEqual(reply.rawFinishReason, raw ?? undefined)
      }))
  }

  it.live("regression: usage is prompt_eval_count/eval_count, not anything counted from the reply", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(json(Fixtures.chatReply({ content: "one two three", counts: { prompt: 1234, output: 567 } })))
      const reply = yield* backend.chat(hi)
      assert.strictEqual(reply.usage?.inputTokens, 1234)
      assert.strictEqual(reply.usage?.outputTokens, 567)
    }))

  it.live("a count Ollama omitted (it drops zeros) is 0; no counts at all is no usage", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup((_, i) => ({
        kind: "json",
        body: Fixtures.chatReply({ counts: i === 0 ? { output: 5 } : {} })
      }))
      const partial = yield* backend.chat(hi)
      const none = yield* backend.chat(hi)
      assert.deepStrictEqual({ ...partial.usage }, { inputTokens: 0, outputTokens: 5, totalTokens: 5 })
      assert.isUndefined(none.usage)
    }))

  it.live("regression: the non-stream call parses one JSON object (a streamed body would not be accepted)", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => Fixtures.stream([Fixtures.chatLine("Hi"), Fixtures.chatDone()]))
      const error = yield* Effect.flip(backend.chat(hi))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      assert.include(error.message, "not JSON")
    }))
})

describe("Ollama malformed success bodies", () => {
  const cases: ReadonlyArray<readonly [string, FakeServer.Action]> = [
    ["not JSON", { kind: "text", body: "<html>proxy</html>" }],
    ["a message that is not an object", { kind: "json", body: { model: "m", message: "nope", done: true } }],
    ["no message", { kind: "json", body: { model: "m", done: true } }],
    ["done:false", { kind: "json", body: { ...Fixtures.chatReply(), done: false } }],
    ["a tool call without a name", { kind: "json", body: Fixtures.chatReply({ toolCalls: [{ name: "", arguments: {} }] }) }]
  ]
  for (const [name, action] of cases) {
    it.live(`${name} is InvalidResponse`, () =>
      Effect.gen(function*() {
        const { backend } = yield* setup(() => action)
        const error = yield* Effect.flip(backend.chat(hi))
        assert.strictEqual(error.reason._tag, "InvalidResponse")
        assert.strictEqual(error.status, 200)
      }))
  }
})

describe("Ollama error bodies ({error: \"...\"})", () => {
  const cases: ReadonlyArray<readonly [number, string, string]> = [
    [400, "invalid options: num_predict must be an integer", "InvalidRequest"],
    [400, "registry.ollama.ai/library/gemma:2b does not support tools", "InvalidRequest"],
    [404, "model \"llama9\" not found, try pulling it first", "NotFound"],
    [500, "the model failed to generate a response", "ServerError"],
    [503, "server busy, please try again. maximum pending requests exceeded", "Overloaded"]
  ]
  for (const [status, message, reason] of cases) {
    it.live(`${status} "${message.slice(0, 30)}..." is ${reason}, with status and Ollama's message`, () =>
      Effect.gen(function*() {
        const { backend } = yield* setup(json(Fixtures.errorBody(message), status))
        const error = yield* Effect.flip(backend.chat(hi, { requestId: "ours-2" }))
        assert.strictEqual(error.reason._tag, reason)
        assert.strictEqual(error.provider, "ollama")
        assert.strictEqual(error.status, status)
        assert.strictEqual(error.model, "llama3.2")
        assert.strictEqual(error.requestId, "ours-2")
        assert.include(error.message, message)
      }))
  }

  it.live("a 404 for an unknown model is not retryable but may fall back", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(json(Fixtures.errorBody("model 'x' not found"), 404))
      const error = yield* Effect.flip(backend.embed("x"))
      assert.strictEqual(error.reason._tag, "NotFound")
      assert.isFalse(error.retryable)
      assert.isTrue(error.fallbackable)
    }))

  it.live("a 401 from an authenticating proxy that echoes the key: Unauthorized, the key scrubbed", () =>
    Effect.gen(function*() {
      const key = "ollama-proxy-secret-0123456789"
      const { backend } = yield* setup(
        (request) => ({ kind: "json", status: 401, body: Fixtures.errorBody(`invalid token ${request.headers["authorization"]}`) }),
        { apiKey: Redacted.make(key) }
      )
      const error = yield* Effect.flip(backend.chat(hi))
      assert.strictEqual(error.reason._tag, "Unauthorized")
      for (const text of [error.message, String(error), JSON.stringify(error)]) assert.notInclude(text, key)
      assert.include(error.message, "[REDACTED]")
    }))

  it.live("a 502 from a proxy with an HTML body is ServerError", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "text", status: 502, body: "<html>Bad Gateway</html>" }))
      const error = yield* Effect.flip(backend.models())
      assert.strictEqual(error.reason._tag, "ServerError")
    }))

  it.live("a refused connection is Network", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "reset" }))
      const error = yield* Effect.flip(backend.chat(hi))
      assert.strictEqual(error.reason._tag, "Network")
    }))

  it.live("the extras classify errors the same way", () =>
    Effect.gen(function*() {
      const { api } = yield* setup(json(Fixtures.errorBody("model 'nope' not found"), 404))
      const shown = yield* Effect.flip(api.show("nope"))
      const generated = yield* Effect.flip(api.generate({ prompt: "x" }))
      assert.strictEqual(shown.reason._tag, "NotFound")
      assert.strictEqual(shown.model, "nope")
      assert.strictEqual(generated.reason._tag, "NotFound")
    }))
})

describe("Ollama embeddings, models and extras", () => {
  it.live("embeddings keep input order and report prompt_eval_count as input tokens", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(json(Fixtures.embedReply([[0.1, 0.2], [0.3, 0.4]], 12)))
      const reply = yield* backend.embed(["a", "b"])
      assert.deepStrictEqual(reply.embeddings, [[0.1, 0.2], [0.3, 0.4]])
      assert.strictEqual(reply.model, "all-minilm")
      assert.deepStrictEqual({ ...reply.usage }, { inputTokens: 12, outputTokens: 0, totalTokens: 12 })
    }))

  it.live("fewer vectors than inputs is InvalidResponse, not a short answer", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(json(Fixtures.embedReply([[0.1]])))
      const error = yield* Effect.flip(backend.embed(["a", "b"]))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
    }))

  it.live("tags become models: name as id, modification time, family/size/quantization label", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(json(Fixtures.tagsReply))
      const models = yield* backend.models()
      assert.deepStrictEqual(models.map((m) => ({ ...m })), [
        { provider: "ollama", id: "llama3.2:latest", displayName: "llama 3.2B Q4_K_M", created: Math.floor(Date.parse("2025-05-04T17:37:44.706-07:00") / 1000) },
        { provider: "ollama", id: "all-minilm:latest" }
      ])
    }))

  it.live("show gives details, parameters, template, context length and capabilities", () =>
    Effect.gen(function*() {
      const { api } = yield* setup(json(Fixtures.showReply))
      const details = yield* api.show("llama3.2")
      assert.strictEqual(details.model, "llama3.2")
      assert.strictEqual(details.contextLength, 131_072)
      assert.deepStrictEqual(details.capabilities, ["completion", "tools"])
      assert.isTrue(details.has("tools"))
      assert.isFalse(details.has("vision"))
      assert.strictEqual(details.details?.family, "llama")
      assert.strictEqual(details.details?.parameterSize, "3.2B")
      assert.strictEqual(details.details?.quantizationLevel, "Q4_K_M")
      assert.isUndefined(details.details?.parentModel)
      assert.include(details.parameters, "num_ctx")
      assert.include(details.template, ".System")
    }))

  it.live("show without model_info or capabilities has no context length and no capabilities", () =>
    Effect.gen(function*() {
      const { api } = yield* setup(json({ parameters: "", template: "{{ .Prompt }}" }))
      const details = yield* api.show("tiny")
      assert.isUndefined(details.contextLength)
      assert.isUndefined(details.parameters)
      assert.deepStrictEqual(details.capabilities, [])
    }))

  it.live("generate gives text, finish reason and usage from the counts", () =>
    Effect.gen(function*() {
      const { api } = yield* setup(json(Fixtures.generateReply("Paris.")))
      const reply = yield* api.generate({ prompt: "Capital of France?" })
      assert.strictEqual(reply.text, "Paris.")
      assert.strictEqual(reply.finishReason, "stop")
      assert.strictEqual(reply.model, "gemma4")
      assert.deepStrictEqual({ ...reply.usage }, { inputTokens: 11, outputTokens: 18, totalTokens: 29 })
    }))

  it.live("a generate reply that is not done is InvalidResponse", () =>
    Effect.gen(function*() {
      const { api } = yield* setup(json(Fixtures.generateLine("partial")))
      const error = yield* Effect.flip(api.generate({ prompt: "x" }))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
    }))

  it.live("generate with no model anywhere is InvalidRequest naming model", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup(json(Fixtures.generateReply()), { model: undefined })
      const error = yield* Effect.flip(api.generate({ prompt: "x" }))
      assert.strictEqual(error.reason._tag === "InvalidRequest" ? error.reason.field : undefined, "model")
      assert.strictEqual(server.requests.length, 0)
    }))
})
