/**
 * Our failures as effect/ai sees them: the matching `AiError` reason, its
 * retryability, `retryAfter`, and our own facts in the metadata.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Stream } from "effect"
import { type AiError, LanguageModel } from "effect/ai"
import { metadataKey } from "../../src/ai/ToAiError.ts"
import { ChatResponse } from "../../src/domain/Chat.ts"
import * as ChatChunk from "../../src/domain/ChatChunk.ts"
import * as Content from "../../src/domain/Content.ts"
import * as LlmError from "../../src/LlmError.ts"
import { TestBackend } from "../../src/testing/index.ts"
import { models } from "./support.ts"

// A reply whose tool-call arguments are cut off.
const cutArguments = new ChatResponse({
  provider: "test",
  model: "m",
  content: [new Content.ToolCallPart({ id: "c1", name: "GetWeather", arguments: "{\"city\":" })],
  finishReason: "tool_calls"
})

const generate = LanguageModel.generateText({ prompt: "Hi" })

const failWith = (reason: LlmError.Reason, status?: number) =>
  Effect.gen(function*() {
    const script = yield* TestBackend.TestBackend
    yield* script.push(TestBackend.fail(reason, status === undefined ? undefined : { status }))
    return yield* Effect.flip(generate)
  })

const ours = (error: AiError.AiError): Record<string, unknown> | undefined => {
  const metadata = "metadata" in error.reason ? (error.reason.metadata as Record<string, unknown>) : undefined
  return metadata?.[metadataKey] as Record<string, unknown> | undefined
}

describe("LlmError as AiError", () => {
  it.effect("RateLimited is RateLimitError with retryAfter, retryable, our reason in the metadata", () =>
    Effect.gen(function*() {
      const error = yield* failWith(new LlmError.RateLimited({ retryAfter: Duration.seconds(2) }), 429)
      assert.strictEqual(error._tag, "AiError")
      assert.strictEqual(error.reason._tag, "RateLimitError")
      assert.isTrue(error.isRetryable)
      assert.strictEqual(Duration.toMillis(error.retryAfter!), 2000)
      assert.deepInclude(ours(error), { reason: "RateLimited", provider: "test", status: 429, retryAfterMs: 2000, retryable: true })
      assert.isString(ours(error)?.["requestId"])
    }).pipe(Effect.provide(models())))

  const cases: ReadonlyArray<readonly [string, LlmError.Reason, number | undefined, string, boolean]> = [
    ["QuotaExhausted", new LlmError.QuotaExhausted({}), 429, "QuotaExhaustedError", false],
    ["Unauthorized 401", new LlmError.Unauthorized({}), 401, "AuthenticationError", false],
    ["InvalidRequest", new LlmError.InvalidRequest({ field: "temperature" }), 400, "InvalidRequestError", false],
    ["ContextLengthExceeded", new LlmError.ContextLengthExceeded({}), 400, "InvalidRequestError", false],
    ["ContentFiltered", new LlmError.ContentFiltered({ detail: "policy" }), 400, "ContentPolicyError", false],
    ["NotFound", new LlmError.NotFound({}), 404, "InvalidRequestError", false],
    ["Overloaded", new LlmError.Overloaded({}), 529, "InternalProviderError", true],
    ["ServerError", new LlmError.ServerError({}), 500, "InternalProviderError", true],
    ["Timeout attempt", new LlmError.Timeout({ phase: "attempt" }), undefined, "InternalProviderError", true],
    ["Timeout total", new LlmError.Timeout({ phase: "total" }), undefined, "UnknownError", false],
    ["Network", new LlmError.Network({}), undefined, "NetworkError", true],
    ["CircuitOpen", new LlmError.CircuitOpen({ retryAfter: Duration.seconds(30) }), undefined, "UnknownError", false],
    ["QueueFull", new LlmError.QueueFull({}), undefined, "UnknownError", false],
    ["InvalidResponse", new LlmError.InvalidResponse({}), 200, "InvalidResponseError", false],
    ["Unsupported", new LlmError.Unsupported({ capability: "json" }), undefined, "InvalidRequestError", false]
  ]
  for (const [name, reason, status, tag, retryable] of cases) {
    it.effect(`${name} is ${tag} (retryable: ${retryable})`, () =>
      Effect.gen(function*() {
        const error = yield* failWith(reason, status)
        assert.strictEqual(error.reason._tag, tag)
        assert.strictEqual(error.isRetryable, retryable)
        assert.strictEqual(error.isRetryable, LlmError.isRetryable(reason), "as retryable as ours")
        if (error.reason._tag !== "NetworkError") assert.strictEqual(ours(error)?.["reason"], reason._tag)
      }).pipe(Effect.provide(models())))
  }

  it.effect("403 is AuthenticationError InsufficientPermissions, 401 InvalidKey", () =>
    Effect.gen(function*() {
      const forbidden = yield* failWith(new LlmError.Unauthorized({}), 403)
      const bad = yield* failWith(new LlmError.Unauthorized({}), 401)
      assert.strictEqual(forbidden.reason._tag === "AuthenticationError" && forbidden.reason.kind, "InsufficientPermissions")
      assert.strictEqual(bad.reason._tag === "AuthenticationError" && bad.reason.kind, "InvalidKey")
    }).pipe(Effect.provide(models())))

  it.effect("InvalidRequest keeps the field as the parameter", () =>
    Effect.gen(function*() {
      const error = yield* failWith(new LlmError.InvalidRequest({ field: "messages.0.content" }), 400)
      assert.strictEqual(error.reason._tag === "InvalidRequestError" && error.reason.parameter, "messages.0.content")
    }).pipe(Effect.provide(models())))

  it.effect("a stream failing after content delivers the parts, then fails with the mapped reason", () =>
    Effect.gen(function*() {
      const script = yield* TestBackend.TestBackend
      yield* script.push(TestBackend.stream(["partial"], { failWith: new LlmError.StreamTruncated({}) }))
      const seen: Array<string> = []
      const error = yield* Effect.flip(Stream.runForEach(
        LanguageModel.streamText({ prompt: "Hi" }),
        (part) => Effect.sync(() => seen.push(part.type))
      ))
      assert.deepStrictEqual(seen, ["text-start", "text-delta"])
      assert.strictEqual(error.reason._tag, "InvalidResponseError")
      assert.strictEqual(ours(error)?.["reason"], "StreamTruncated")
    }).pipe(Effect.provide(models())))

  it.effect("a stream that ends without a Finish fails instead of finishing quietly", () =>
    Effect.gen(function*() {
      const script = yield* TestBackend.TestBackend
      // A raw step: TestBackend.stream would append the Finish chunk for us.
      yield* script.push({ _tag: "Stream", chunks: [new ChatChunk.TextDelta({ text: "cut" })] })
      const error = yield* Effect.flip(Stream.runDrain(LanguageModel.streamText({ prompt: "Hi" })))
      assert.strictEqual(error.reason._tag, "InvalidResponseError")
      assert.include(error.message, "without a finish")
    }).pipe(Effect.provide(models())))

  it.effect("tool-call arguments that are not JSON fail as InvalidOutputError, never a guessed value", () =>
    Effect.gen(function*() {
      const script = yield* TestBackend.TestBackend
      yield* script.push(TestBackend.reply(cutArguments))
      const error = yield* Effect.flip(generate)
      assert.strictEqual(error.reason._tag, "InvalidOutputError")
      assert.include(error.message, "GetWeather")
    }).pipe(Effect.provide(models())))
})
