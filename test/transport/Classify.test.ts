/**
 * Classification rows from real compatible servers' wordings (written here
 * from their documented messages): context overflows are
 * ContextLengthExceeded (fallbackable to a larger model) whichever server
 * says it, and a 5xx that says the input is too large is the caller's
 * InvalidRequest, never a retried ServerError.
 */
import { assert, describe, it } from "@effect/vitest"
import * as LlmError from "../../src/LlmError.ts"
import * as Classify from "../../src/transport/Classify.ts"

const classify = (status: number, body: unknown) =>
  Classify.classify({ status, headers: {}, body: typeof body === "string" ? body : JSON.stringify(body) }, 0)

describe("classification of compatible servers' errors", () => {
  const rows: ReadonlyArray<readonly [string, number, unknown, LlmError.ReasonTag]> = [
    ["llama.cpp exceed_context_size_error (type, numeric code)", 400, {
      error: {
        code: 400,
        message: "request (1811 tokens) exceeds the available context size (1024 tokens), try increasing it",
        type: "exceed_context_size_error",
        n_prompt_tokens: 1811,
        n_ctx: 1024
      }
    }, "ContextLengthExceeded"],
    ["llama.cpp wording without the type", 400, { error: { message: "request (9000 tokens) exceeds the available context size (8192 tokens)" } }, "ContextLengthExceeded"],
    ["OpenAI", 400, {
      error: {
        message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
        type: "invalid_request_error",
        param: "messages",
        code: "context_length_exceeded"
      }
    }, "ContextLengthExceeded"],
    ["vLLM (no code)", 400, {
      object: "error",
      message: "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (4000 in the messages, 1000 in the completion).",
      type: "BadRequestError",
      param: null,
      code: 400
    }, "ContextLengthExceeded"],
    ["TGI", 422, { error: "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 4000 `inputs` tokens and 200 `max_new_tokens`", error_type: "validation" }, "ContextLengthExceeded"],
    ["llama.cpp embeddings over the batch size (500)", 500, { error: { code: 500, message: "input (602 tokens) is too large to process. increase the physical batch size (current batch size: 512)", type: "server_error" } }, "InvalidRequest"],
    ["the same as plain text", 500, "input (602 tokens) is too large to process", "InvalidRequest"],
    ["an ordinary 500 stays a ServerError", 500, { error: { message: "internal error", type: "server_error" } }, "ServerError"],
    ["an ordinary 400 stays an InvalidRequest", 400, { error: { message: "messages must not be empty", type: "invalid_request_error" } }, "InvalidRequest"]
  ]
  for (const [label, status, body, expected] of rows) {
    it(`${label} → ${expected}`, () => {
      const reason = classify(status, body)
      assert.strictEqual(reason._tag, expected)
    })
  }

  it("a context overflow may fall back; a too-large input is not retried", () => {
    assert.isTrue(LlmError.isFallbackable(classify(400, { error: { type: "exceed_context_size_error", message: "x" } })))
    const tooLarge = classify(500, { error: { message: "input (602 tokens) is too large to process" } })
    assert.isFalse(LlmError.isRetryable(tooLarge))
    assert.isFalse(LlmError.countsForBreaker(tooLarge))
  })
})
