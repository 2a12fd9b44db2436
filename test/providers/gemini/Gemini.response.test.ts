import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { Message } from "../../../src/index.ts"
import type * as FakeServer from "../../support/FakeServer.ts"
import * as Fixtures from "../../support/GeminiFixtures.ts"
import { setup } from "./setup.ts"

const hi = { messages: [Message.user("Hi")] }

describe("Gemini responses", () => {
  it.live("a candidate becomes text, finish reason, ids and usage from usageMetadata", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "json",
        body: Fixtures.response({
          parts: [{ text: "Hello" }, { text: " there." }],
          usage: Fixtures.usageMetadata(12, 3, { cachedContentTokenCount: 4 })
        })
      }))
      const reply = yield* backend.chat(hi)
      assert.strictEqual(reply.text, "Hello there.")
      assert.strictEqual(reply.content.length, 1, "adjacent text parts are one part")
      assert.strictEqual(reply.finishReason, "stop")
      assert.strictEqual(reply.rawFinishReason, "STOP")
      assert.strictEqual(reply.model, "gemini-2.0-flash-001")
      assert.strictEqual(reply.id, "resp_fake_1")
      assert.strictEqual(reply.provider, "gemini")
      assert.deepStrictEqual({ ...reply.usage }, { inputTokens: 12, outputTokens: 3, totalTokens: 15, cachedInputTokens: 4 })
    }))

  it.live("thinking tokens count as output and as reasoning; tool-use prompt tokens as input; totals agree", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "json",
        body: Fixtures.response({ usage: Fixtures.usageMetadata(10, 5, { thoughtsTokenCount: 20, toolUsePromptTokenCount: 2 }) })
      }))
      const reply = yield* backend.chat(hi)
      assert.deepStrictEqual({ ...reply.usage }, { inputTokens: 12, outputTokens: 25, totalTokens: 37, reasoningTokens: 20 })
    }))

  it.live("thought-summary parts are not answer text", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "json",
        body: Fixtures.response({ parts: [{ text: "Let me think...", thought: true }, { text: "42" }] })
      }))
      assert.strictEqual((yield* backend.chat(hi)).text, "42")
    }))

  it.live("function calls become tool calls with JSON arguments and synthesized stable ids; finish is tool_calls", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "json",
        body: Fixtures.response({
          parts: [
            Fixtures.functionCall("get_weather", { city: "Paris" }),
            Fixtures.functionCall("get_time", {}),
            Fixtures.functionCall("lookup", { q: "x" }, "fc-own-id")
          ]
        })
      }))
      const reply = yield* backend.chat(hi)
      assert.strictEqual(reply.finishReason, "tool_calls")
      assert.strictEqual(reply.rawFinishReason, "STOP")
      assert.deepStrictEqual(reply.toolCalls.map((c) => [c.id, c.name, c.arguments]), [
        ["call_0", "get_weather", "{\"city\":\"Paris\"}"],
        ["call_1", "get_time", "{}"],
        ["fc-own-id", "lookup", "{\"q\":\"x\"}"]
      ])
    }))

  const finishes: ReadonlyArray<readonly [string, string]> = [
    ["STOP", "stop"],
    ["MAX_TOKENS", "length"],
    ["MALFORMED_FUNCTION_CALL", "other"],
    ["OTHER", "other"],
    ["LANGUAGE", "other"]
  ]
  for (const [raw, mapped] of finishes) {
    it.live(`finishReason ${raw} is ${mapped}`, () =>
      Effect.gen(function*() {
        const { backend } = yield* setup(() => ({ kind: "json", body: Fixtures.response({ finish: raw }) }))
        const reply = yield* backend.chat(hi)
        assert.strictEqual(reply.finishReason, mapped)
        assert.strictEqual(reply.rawFinishReason, raw)
      }))
  }

  for (const raw of ["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII"]) {
    it.live(`finishReason ${raw} fails as ContentFiltered naming it`, () =>
      Effect.gen(function*() {
        const { backend } = yield* setup(() => ({ kind: "json", body: Fixtures.response({ parts: [], finish: raw }) }))
        const error = yield* Effect.flip(backend.chat(hi))
        assert.strictEqual(error.reason._tag, "ContentFiltered")
        assert.include(error.message, raw)
        assert.strictEqual(error.status, 200)
        assert.isFalse(error.retryable)
      }))
  }

  it.live("a blocked prompt (promptFeedback.blockReason, no candidates) fails as ContentFiltered", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "json", body: Fixtures.blocked("PROHIBITED_CONTENT") }))
      const error = yield* Effect.flip(backend.chat(hi))
      assert.strictEqual(error.reason._tag, "ContentFiltered")
      assert.include(error.message, "prompt blocked (PROHIBITED_CONTENT)")
    }))

  it.live("no candidates and no block reason is InvalidResponse, not an empty answer", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "json", body: { usageMetadata: { promptTokenCount: 3 } } }))
      const error = yield* Effect.flip(backend.chat(hi))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
    }))

  it.live("a success body that does not match the format is InvalidResponse with a snippet", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "json", body: { candidates: "nope" } }))
      const error = yield* Effect.flip(backend.chat(hi))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      if (error.reason._tag === "InvalidResponse") assert.include(error.reason.snippet, "nope")
    }))

  it.live("a success body that is not JSON is InvalidResponse", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "text", body: "<html>proxy</html>" }))
      const error = yield* Effect.flip(backend.chat(hi))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      assert.include(error.message, "not JSON")
    }))

  it.live("an embedding batch with the wrong number of vectors is InvalidResponse", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "json", body: { embeddings: [{ values: [1] }] } }))
      const error = yield* Effect.flip(backend.embed(["a", "b"]))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
    }))
})

describe("Gemini error bodies", () => {
  const cases: ReadonlyArray<readonly [string, FakeServer.Action, string]> = [
    ["400", { kind: "json", status: 400, body: Fixtures.errorBody(400, "INVALID_ARGUMENT", "Invalid value at 'generation_config.temperature'") }, "InvalidRequest"],
    ["400 API_KEY_INVALID", { kind: "json", status: 400, body: Fixtures.apiKeyInvalid }, "Unauthorized"],
    ["400 over the context", {
      kind: "json",
      status: 400,
      body: Fixtures.errorBody(400, "INVALID_ARGUMENT", "The input token count (1048577) exceeds the maximum number of tokens allowed (1048576).")
    }, "ContextLengthExceeded"],
    ["403", { kind: "json", status: 403, body: Fixtures.errorBody(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers.") }, "Unauthorized"],
    ["404", { kind: "json", status: 404, body: Fixtures.errorBody(404, "NOT_FOUND", "models/gemini-9 is not found for API version v1beta") }, "NotFound"],
    ["429 with RetryInfo", { kind: "json", status: 429, body: Fixtures.rateLimited("23s") }, "RateLimited"],
    ["500", { kind: "json", status: 500, body: Fixtures.errorBody(500, "INTERNAL", "An internal error has occurred.") }, "ServerError"],
    ["503", { kind: "json", status: 503, body: Fixtures.overloaded }, "Overloaded"],
    ["400 array form", { kind: "json", status: 400, body: [Fixtures.apiKeyInvalid] }, "Unauthorized"],
    ["502 non-JSON", { kind: "text", status: 502, body: "<html><body>Bad Gateway</body></html>" }, "ServerError"]
  ]

  for (const [name, action, reason] of cases) {
    it.live(`${name} is ${reason}, with status and Gemini's message`, () =>
      Effect.gen(function*() {
        const { backend } = yield* setup(() => action)
        const error = yield* Effect.flip(backend.chat(hi, { requestId: "ours-1" }))
        assert.strictEqual(error.reason._tag, reason)
        assert.strictEqual(error.provider, "gemini")
        assert.strictEqual(error.model, "gemini-2.0-flash")
        assert.strictEqual(error.requestId, "ours-1")
        assert.strictEqual(error.status, Number(name.slice(0, 3)))
        const body = action.kind === "json" ? action.body : undefined
        const said = body === undefined
          ? "Bad Gateway"
          : (Array.isArray(body) ? body[0] : body as { error: { message: string } }).error.message
        assert.include(error.message, said)
      }))
  }

  it.live("429 RetryInfo.retryDelay is read into the reason as the wait", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "json", status: 429, body: Fixtures.rateLimited("23s") }))
      const error = yield* Effect.flip(backend.chat(hi))
      assert.deepStrictEqual(error.retryAfter, Duration.seconds(23))
      assert.isTrue(error.retryable)
      assert.isTrue(error.keyFault)
    }))

  it.live("a bad key (400 API_KEY_INVALID) is the key's fault and not retryable", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "json", status: 400, body: Fixtures.apiKeyInvalid }))
      const error = yield* Effect.flip(backend.chat(hi))
      assert.isTrue(error.keyFault)
      assert.isFalse(error.retryable)
      assert.include(error.message, "API key not valid")
    }))

  it.live("errors from embeddings and models are classified the same way", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "json", status: 404, body: Fixtures.errorBody(404, "NOT_FOUND", "models/x is not found") }))
      assert.strictEqual((yield* Effect.flip(backend.embed("a"))).reason._tag, "NotFound")
      assert.strictEqual((yield* Effect.flip(backend.models())).reason._tag, "NotFound")
    }))

  it.live("a refused connection is Network", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "reset" }))
      assert.strictEqual((yield* Effect.flip(backend.chat(hi))).reason._tag, "Network")
    }))
})
