import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { Message } from "../../../src/index.ts"
import * as FakeServer from "../../support/FakeServer.ts"
import * as Fixtures from "../../support/AnthropicFixtures.ts"
import { MODEL, setup } from "./setup.ts"

const hi = { messages: [Message.user("Hi")] }

describe("Claude responses", () => {
  it.live("a message becomes text, finish reason, ids, and usage counting cache writes and reads as input", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "json",
        headers: { "request-id": "req_011CProvider" },
        body: Fixtures.message({ usage: Fixtures.usage(10, 7, { creation: 5, read: 20 }) })
      }))
      const reply = yield* backend.chat(hi, { requestId: "ours-1" })
      assert.strictEqual(reply.text, "Hello there.")
      assert.strictEqual(reply.finishReason, "stop")
      assert.strictEqual(reply.rawFinishReason, "end_turn")
      assert.strictEqual(reply.model, "claude-sonnet-4-5-20250929")
      assert.strictEqual(reply.id, "msg_fake_01")
      assert.strictEqual(reply.provider, "anthropic")
      assert.strictEqual(reply.requestId, "ours-1")
      assert.strictEqual(reply.providerRequestId, "req_011CProvider")
      assert.deepStrictEqual({ ...reply.usage }, { inputTokens: 35, outputTokens: 7, totalTokens: 42, cachedInputTokens: 20 })
    }))

  it.live("usage without cache fields has no cached count", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "json", body: Fixtures.message({ usage: Fixtures.usage(12, 3) }) }))
      const reply = yield* backend.chat(hi)
      assert.deepStrictEqual({ ...reply.usage }, { inputTokens: 12, outputTokens: 3, totalTokens: 15 })
    }))

  it.live("tool_use blocks come back as tool calls with their input as JSON text, after the text", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "json",
        body: Fixtures.message({
          stop: "tool_use",
          content: [
            Fixtures.text("Checking."),
            Fixtures.toolUse("toolu_a", "get_weather", { city: "Paris", days: [1, 2] }),
            Fixtures.toolUse("toolu_b", "get_time", {})
          ]
        })
      }))
      const reply = yield* backend.chat(hi)
      assert.strictEqual(reply.finishReason, "tool_calls")
      assert.strictEqual(reply.text, "Checking.")
      assert.deepStrictEqual(reply.content.map((p) => p._tag), ["Text", "ToolCall", "ToolCall"])
      assert.deepStrictEqual(reply.toolCalls.map((c) => [c.id, c.name, JSON.parse(c.arguments)]), [
        ["toolu_a", "get_weather", { city: "Paris", days: [1, 2] }],
        ["toolu_b", "get_time", {}]
      ])
    }))

  it.live("thinking and redacted thinking blocks are not part of the answer, and do not fail it", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "json",
        body: Fixtures.message({
          content: [
            Fixtures.thinking("Let me think about primes."),
            { type: "redacted_thinking", data: "EmwKAhgBEgy3va" },
            Fixtures.text("2, 3, 5."),
            { type: "some_future_block", payload: 1 }
          ]
        })
      }))
      const reply = yield* backend.chat(hi)
      assert.strictEqual(reply.text, "2, 3, 5.")
      assert.strictEqual(reply.content.length, 1)
    }))

  const stops: ReadonlyArray<readonly [string | null, string]> = [
    ["end_turn", "stop"],
    ["stop_sequence", "stop"],
    ["max_tokens", "length"],
    ["model_context_window_exceeded", "length"],
    ["tool_use", "tool_calls"],
    ["refusal", "refusal"],
    ["pause_turn", "other"],
    [null, "other"]
  ]
  for (const [raw, mapped] of stops) {
    it.live(`stop_reason ${raw} is ${mapped}, keeping the raw word`, () =>
      Effect.gen(function*() {
        const { backend } = yield* setup(() => ({ kind: "json", body: Fixtures.message({ stop: raw }) }))
        const reply = yield* backend.chat(hi)
        assert.strictEqual(reply.finishReason, mapped)
        assert.strictEqual(reply.rawFinishReason, raw ?? undefined)
      }))
  }

  it.live("a success body without content blocks is InvalidResponse with a snippet", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "json", body: { id: "msg_1", type: "message", content: "nope" } }))
      const error = yield* Effect.flip(backend.chat(hi))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      if (error.reason._tag === "InvalidResponse") assert.include(error.reason.snippet, "nope")
    }))

  it.live("fractional or negative token counts are InvalidResponse, not a crash", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "json", body: Fixtures.message({ usage: { input_tokens: 1.5, output_tokens: -1 } }) }))
      const error = yield* Effect.flip(backend.chat(hi))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
    }))

  it.live("a tool_use block without a name is InvalidResponse", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "json",
        body: Fixtures.message({ content: [{ type: "tool_use", id: "toolu_x", input: {} }] })
      }))
      const error = yield* Effect.flip(backend.chat(hi))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      assert.include(error.message, "tool_use")
    }))

  it.live("a success body that is not JSON is InvalidResponse", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "text", body: "<html>gateway</html>" }))
      const error = yield* Effect.flip(backend.chat(hi))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      assert.include(error.message, "not JSON")
    }))
})

describe("Claude error bodies", () => {
  const cases: ReadonlyArray<readonly [string, number, FakeServer.Action, string]> = [
    ["400 invalid_request_error", 400, { kind: "json", status: 400, body: Fixtures.errorBody("invalid_request_error", "messages: field required") }, "InvalidRequest"],
    ["400 prompt too long", 400, {
      kind: "json",
      status: 400,
      body: Fixtures.errorBody("invalid_request_error", "prompt is too long: 210345 tokens > 200000 maximum")
    }, "ContextLengthExceeded"],
    ["400 credit balance", 400, {
      kind: "json",
      status: 400,
      body: Fixtures.errorBody("invalid_request_error", "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.")
    }, "QuotaExhausted"],
    ["401 authentication_error", 401, { kind: "json", status: 401, body: Fixtures.errorBody("authentication_error", "invalid x-api-key") }, "Unauthorized"],
    ["403 permission_error", 403, { kind: "json", status: 403, body: Fixtures.errorBody("permission_error", "Your API key does not have permission to use the specified resource.") }, "Unauthorized"],
    ["404 not_found_error", 404, { kind: "json", status: 404, body: Fixtures.errorBody("not_found_error", "model: claude-9") }, "NotFound"],
    ["413 request_too_large", 413, { kind: "json", status: 413, body: Fixtures.errorBody("request_too_large", "Request exceeds the maximum allowed number of bytes.") }, "InvalidRequest"],
    ["429 rate_limit_error", 429, {
      kind: "json",
      status: 429,
      headers: { "retry-after": "7" },
      body: Fixtures.errorBody("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit")
    }, "RateLimited"],
    ["500 api_error", 500, { kind: "json", status: 500, body: Fixtures.errorBody("api_error", "An unexpected error has occurred internal to Anthropic's systems.") }, "ServerError"],
    ["529 overloaded_error", 529, { kind: "json", status: 529, body: Fixtures.errorBody("overloaded_error", "Overloaded") }, "Overloaded"],
    ["502 non-JSON", 502, { kind: "text", status: 502, body: "<html><body>Bad Gateway</body></html>" }, "ServerError"]
  ]

  for (const [name, status, action, reason] of cases) {
    it.live(`${name} is ${reason}, with status, ids and the provider's message`, () =>
      Effect.gen(function*() {
        const { backend } = yield* setup(() => ({ ...action, headers: { ...("headers" in action ? action.headers : {}), "request-id": "req_p" } }))
        const error = yield* Effect.flip(backend.chat(hi, { requestId: "ours-1" }))
        assert.strictEqual(error.reason._tag, reason)
        assert.strictEqual(error.provider, "anthropic")
        assert.strictEqual(error.model, MODEL)
        assert.strictEqual(error.requestId, "ours-1")
        assert.strictEqual(error.providerRequestId, "req_p")
        assert.strictEqual(error.status, status)
        const said = action.kind === "json" ? (action.body as { error: { message: string } }).error.message : "Bad Gateway"
        assert.include(error.message, said)
      }))
  }

  it.live("429 retry-after is read into the reason", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({
        kind: "json",
        status: 429,
        headers: { "retry-after": "7" },
        body: Fixtures.errorBody("rate_limit_error", "slow down")
      }))
      const error = yield* Effect.flip(backend.chat(hi))
      assert.deepStrictEqual(error.retryAfter, Duration.seconds(7))
      assert.isTrue(error.retryable)
    }))

  it.live("429 without retry-after waits until the exhausted anthropic-ratelimit reset (RFC 3339)", () =>
    Effect.gen(function*() {
      const reset = new Date(Date.now() + 30_000).toISOString()
      const { backend } = yield* setup(() => ({
        kind: "json",
        status: 429,
        headers: {
          "anthropic-ratelimit-requests-limit": "50",
          "anthropic-ratelimit-requests-remaining": "12",
          "anthropic-ratelimit-requests-reset": new Date(Date.now() + 5_000).toISOString(),
          "anthropic-ratelimit-input-tokens-limit": "40000",
          "anthropic-ratelimit-input-tokens-remaining": "0",
          "anthropic-ratelimit-input-tokens-reset": reset
        },
        body: Fixtures.errorBody("rate_limit_error", "input tokens per minute exceeded")
      }))
      const error = yield* Effect.flip(backend.chat(hi))
      assert.strictEqual(error.reason._tag, "RateLimited")
      const wait = Duration.toMillis(error.retryAfter ?? Duration.zero)
      // The exhausted limit's reset (30 s), not the one with requests left (5 s).
      assert.isAbove(wait, 25_000)
      assert.isAtMost(wait, 30_000)
    }))

  it.live("a refused connection is Network", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "reset" }))
      const error = yield* Effect.flip(backend.chat(hi))
      assert.strictEqual(error.reason._tag, "Network")
    }))
})
