import { assert, describe, it } from "@effect/vitest"
import { Duration, Redacted } from "effect"
import * as LlmError from "../src/LlmError.ts"
import * as Classify from "../src/transport/Classify.ts"

const NOW = Date.parse("2026-11-23T12:00:00Z")
const classify = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  Classify.classify({ status, headers, body: typeof body === "string" ? body : JSON.stringify(body) }, NOW)

describe("classifying HTTP failures", () => {
  const cases: ReadonlyArray<readonly [string, number, unknown, LlmError.ReasonTag]> = [
    ["OpenAI 400", 400, { error: { message: "bad", type: "invalid_request_error", param: null, code: null } }, "InvalidRequest"],
    ["422 validation (TGI)", 422, { error: "Input validation error: `inputs` must not be empty", error_type: "validation" }, "InvalidRequest"],
    ["413 request too large (Anthropic)", 413, { type: "error", error: { type: "request_too_large", message: "Request exceeds the maximum allowed number of bytes." } }, "InvalidRequest"],
    ["OpenAI context_length_exceeded", 400, { error: { message: "too long", type: "invalid_request_error", code: "context_length_exceeded" } }, "ContextLengthExceeded"],
    ["Anthropic prompt too long", 400, { type: "error", error: { type: "invalid_request_error", message: "prompt is too long: 201000 tokens > 200000 maximum" } }, "ContextLengthExceeded"],
    ["Azure-style content_filter", 400, { error: { message: "filtered", type: null, code: "content_filter" } }, "ContentFiltered"],
    ["content policy text", 400, { error: { message: "This request violates our content policy." } }, "ContentFiltered"],
    ["401", 401, { error: { message: "Incorrect API key", type: "invalid_request_error", code: "invalid_api_key" } }, "Unauthorized"],
    ["403 Anthropic permission_error", 403, { type: "error", error: { type: "permission_error", message: "no" } }, "Unauthorized"],
    ["403 Gemini PERMISSION_DENIED", 403, { error: { code: 403, message: "denied", status: "PERMISSION_DENIED" } }, "Unauthorized"],
    ["404 Ollama model", 404, { error: "model \"llama9\" not found, try pulling it first" }, "NotFound"],
    ["429 rate_limit_exceeded", 429, { error: { message: "slow down", type: "requests", code: "rate_limit_exceeded" } }, "RateLimited"],
    ["429 Anthropic rate_limit_error", 429, { type: "error", error: { type: "rate_limit_error", message: "slow" } }, "RateLimited"],
    ["429 insufficient_quota", 429, { error: { message: "quota", type: "insufficient_quota", code: "insufficient_quota" } }, "QuotaExhausted"],
    ["429 bare quota message", 429, { error: { code: 429, message: "You exceeded your current quota.", status: "RESOURCE_EXHAUSTED" } }, "QuotaExhausted"],
    ["500", 500, { error: { message: "oops", type: "server_error" } }, "ServerError"],
    ["502 HTML", 502, "<html>Bad Gateway</html>", "ServerError"],
    ["504 empty", 504, "", "ServerError"],
    ["408", 408, "", "ServerError"],
    ["503", 503, { error: { code: 503, message: "The model is overloaded.", status: "UNAVAILABLE" } }, "Overloaded"],
    ["529 Anthropic overloaded", 529, { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }, "Overloaded"],
    ["TGI 429 overloaded", 429, { error: "Model is overloaded", error_type: "overloaded" }, "Overloaded"]
  ]
  for (const [name, status, body, expected] of cases) {
    it(`${name} -> ${expected}`, () => {
      assert.strictEqual(classify(status, body)._tag, expected)
    })
  }

  it("keeps the provider's message as detail and the param as field", () => {
    const reason = classify(400, { error: { message: "Invalid type for 'temperature'", type: "invalid_request_error", param: "temperature" } })
    assert.strictEqual(reason._tag, "InvalidRequest")
    if (reason._tag === "InvalidRequest") {
      assert.strictEqual(reason.field, "temperature")
      assert.strictEqual(reason.detail, "Invalid type for 'temperature'")
    }
  })

  it("a non-JSON body becomes a short detail snippet", () => {
    const reason = classify(502, `<html>${"x".repeat(1000)}</html>`)
    assert.isTrue(reason.detail !== undefined && reason.detail.length <= 201)
  })

  it("reads Retry-After, retry-after-ms and Gemini RetryInfo into retryAfter", () => {
    const a = classify(429, { error: { message: "slow", code: "rate_limit_exceeded" } }, { "retry-after": "3" })
    const b = classify(429, { error: { message: "slow", code: "rate_limit_exceeded" } }, { "retry-after-ms": "250", "retry-after": "3" })
    const c = classify(429, {
      error: {
        code: 429,
        message: "Resource exhausted",
        status: "RESOURCE_EXHAUSTED",
        details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "30s" }]
      }
    })
    assert.deepStrictEqual(a._tag === "RateLimited" ? a.retryAfter : undefined, Duration.seconds(3))
    assert.deepStrictEqual(b._tag === "RateLimited" ? b.retryAfter : undefined, Duration.millis(250))
    assert.strictEqual(c._tag, "RateLimited")
    assert.deepStrictEqual(c._tag === "RateLimited" ? c.retryAfter : undefined, Duration.seconds(30))
  })

  it("an error object inside a 200 stream is classified by its words", () => {
    assert.strictEqual(Classify.classifyInStream({ error: { message: "x", type: "server_error" } }, NOW)._tag, "ServerError")
    assert.strictEqual(Classify.classifyInStream({ type: "error", error: { type: "overloaded_error", message: "x" } }, NOW)._tag, "Overloaded")
    assert.strictEqual(Classify.classifyInStream({ error: { message: "x", type: "rate_limit_error" } }, NOW)._tag, "RateLimited")
    assert.strictEqual(Classify.classifyInStream({ error: "boom" }, NOW)._tag, "ServerError")
  })

  it("scrubs secrets out of the provider's message", () => {
    const key = Redacted.make("sk-live-abcdefghijklmnop")
    const reason = Classify.classify(
      { status: 401, headers: {}, body: JSON.stringify({ error: { message: "Incorrect API key provided: sk-live-abcdefghijklmnop." } }) },
      NOW,
      [key]
    )
    assert.notInclude(reason.detail ?? "", "abcdefghijklmnop")
    assert.include(reason.detail ?? "", "[REDACTED]")
  })
})

describe("reason traits", () => {
  const all: ReadonlyArray<readonly [LlmError.Reason, retryable: boolean, fallbackable: boolean, keyFault: boolean, breaker: boolean]> = [
    [new LlmError.RateLimited({}), true, true, true, false],
    [new LlmError.QuotaExhausted({}), false, true, true, false],
    [new LlmError.Unauthorized({}), false, true, true, false],
    [new LlmError.InvalidRequest({}), false, false, false, false],
    [new LlmError.ContextLengthExceeded({}), false, true, false, false],
    [new LlmError.ContentFiltered({}), false, false, false, false],
    [new LlmError.NotFound({}), false, true, false, false],
    [new LlmError.Overloaded({}), true, true, false, true],
    [new LlmError.ServerError({}), true, true, false, true],
    [new LlmError.Timeout({ phase: "attempt" }), true, true, false, true],
    [new LlmError.Timeout({ phase: "total" }), false, true, false, false],
    [new LlmError.Network({}), true, true, false, true],
    [new LlmError.CircuitOpen({ retryAfter: Duration.seconds(1) }), false, true, false, false],
    [new LlmError.QueueFull({}), false, true, false, false],
    [new LlmError.StreamTruncated({}), false, false, false, true],
    [new LlmError.InvalidResponse({}), false, true, false, true],
    [new LlmError.Unsupported({ capability: "embed" }), false, true, false, false]
  ]
  for (const [reason, retryable, fallbackable, keyFault, breaker] of all) {
    const label = reason._tag === "Timeout" ? `Timeout(${reason.phase})` : reason._tag
    it(`${label}: retryable=${retryable} fallbackable=${fallbackable} keyFault=${keyFault} breaker=${breaker}`, () => {
      const error = LlmError.make("openai", reason)
      assert.deepStrictEqual(
        [error.retryable, error.fallbackable, error.keyFault, LlmError.countsForBreaker(reason)],
        [retryable, fallbackable, keyFault, breaker]
      )
    })
  }
})

describe("LlmError", () => {
  it("has a message with provider, reason, status, detail, wait and ids", () => {
    const error = LlmError.make("openai", new LlmError.RateLimited({ detail: "Rate limit reached", retryAfter: Duration.seconds(2) }), {
      status: 429,
      model: "gpt-4o",
      requestId: "req_1",
      providerRequestId: "req_abc"
    })
    assert.strictEqual(
      error.message,
      "openai: rate limited (HTTP 429) - Rate limit reached [retry after 2s] (model gpt-4o, request req_1, provider request req_abc)"
    )
    assert.strictEqual(error._tag, "LlmError")
    assert.instanceOf(error, Error)
  })

  it("Unsupported names the capability", () => {
    const error = LlmError.unsupported("tei", "chat")
    assert.strictEqual(error.reason._tag, "Unsupported")
    assert.include(error.message, "unsupported capability 'chat'")
  })
})
