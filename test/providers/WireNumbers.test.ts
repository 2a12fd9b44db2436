/**
 * Numbers from a body that our domain values refuse must fail the decode,
 * never the construction of the value (a defect).
 *
 * A token count no `Usage` can hold (negative, a fraction, past 2^50) is a
 * bad body: the call fails with a typed `InvalidResponse` naming the field,
 * never a defect from the `Usage` constructor (which is what a server
 * answering `prompt_tokens: -1` used to cause). Gemini, which reads its
 * usage leniently, ignores such a count; and the largest counts allowed still
 * add up to safe integers.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Redacted, Schema, Stream } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import { Message } from "../../src/index.ts"
import { WireCount } from "../../src/internal/WireCount.ts"
import * as LlmError from "../../src/LlmError.ts"
import * as Anthropic from "../../src/providers/anthropic/Anthropic.ts"
import * as GeminiFromWire from "../../src/providers/gemini/fromWire.ts"
import * as Ollama from "../../src/providers/ollama/Ollama.ts"
import * as OpenAi from "../../src/providers/openai/OpenAi.ts"
import * as TgiWire from "../../src/providers/tgi/Wire.ts"

// Every request answered with `body` (JSON, or NDJSON/SSE text as given).
const answering = (body: string, contentType = "application/json") =>
  Layer.succeed(HttpClient.HttpClient)(
    HttpClient.make((request) => Effect.succeed(HttpClientResponse.fromWeb(request, new Response(body, { headers: { "content-type": contentType } }))))
  )

const bad = [-1, 1.5, 2 ** 60, 2 ** 50 + 1] as const
const common = { apiKey: Redacted.make("sk-test-key"), baseUrl: "http://llm.invalid/v1", model: "m", policy: { maxRetries: 0 } }
const hi = { messages: [Message.user("Hi")] }

// The call's exit must be a typed InvalidResponse whose detail names `field`.
const assertNamesField = (exit: Exit.Exit<unknown, unknown>, field: string, label: string) => {
  assert.isTrue(Exit.isFailure(exit), `${label}: succeeded`)
  if (Exit.isSuccess(exit)) return
  assert.isFalse(Cause.hasDies(exit.cause), `${label}: died: ${String(Cause.squash(exit.cause))}`)
  const error = Cause.squash(exit.cause) as LlmError.LlmError
  assert.strictEqual(error.reason._tag, "InvalidResponse", label)
  assert.include((error.reason as LlmError.InvalidResponse).detail, field, label)
}

const completion = (prompt: number) =>
  JSON.stringify({
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 0,
    model: "m",
    choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
    usage: { prompt_tokens: prompt, completion_tokens: 1, total_tokens: 2 }
  })

describe("token counts a Usage cannot hold", () => {
  it.effect("OpenAI: a body or a stream's usage chunk with one is InvalidResponse naming the field", () =>
    Effect.gen(function*() {
      for (const count of bad) {
        const chat = yield* Effect.exit(Effect.flatMap(OpenAi.make(common), (b) => b.chat(hi)).pipe(Effect.provide(answering(completion(count)))))
        assertNamesField(chat, `["prompt_tokens"]`, `chat ${count}`)
        const frames = [
          { id: "c", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta: { role: "assistant", content: "hi" }, finish_reason: "stop" }] },
          { id: "c", object: "chat.completion.chunk", created: 0, model: "m", choices: [], usage: { prompt_tokens: 1, completion_tokens: count, total_tokens: 2 } }
        ].map((f) => `data: ${JSON.stringify(f)}\n\n`).join("") + "data: [DONE]\n\n"
        const streamed = yield* Effect.exit(
          Effect.flatMap(OpenAi.make(common), (b) => Stream.runCollect(b.stream(hi))).pipe(Effect.provide(answering(frames, "text/event-stream")))
        )
        assertNamesField(streamed, `["completion_tokens"]`, `stream ${count}`)
      }
    }))

  it.effect("Claude: a message whose usage carries one is InvalidResponse naming the field", () =>
    Effect.gen(function*() {
      for (const count of bad) {
        const body = JSON.stringify({
          id: "msg_1",
          type: "message",
          role: "assistant",
          model: "m",
          content: [{ type: "text", text: "hi" }],
          stop_reason: "end_turn",
          usage: { input_tokens: 3, output_tokens: count }
        })
        const exit = yield* Effect.exit(Effect.flatMap(Anthropic.make(common), (b) => b.chat(hi)).pipe(Effect.provide(answering(body))))
        assertNamesField(exit, `["output_tokens"]`, `${count}`)
      }
    }))

  it.effect("Ollama: a reply or a stream's last line with one is InvalidResponse naming the field", () =>
    Effect.gen(function*() {
      for (const count of bad) {
        const last = { model: "m", message: { role: "assistant", content: "hi" }, done: true, done_reason: "stop", prompt_eval_count: count, eval_count: 1 }
        const options = { baseUrl: "http://ollama.invalid", model: "m", policy: { maxRetries: 0 } }
        const chat = yield* Effect.exit(Effect.flatMap(Ollama.make(options), (b) => b.chat(hi)).pipe(Effect.provide(answering(JSON.stringify(last)))))
        assertNamesField(chat, `["prompt_eval_count"]`, `chat ${count}`)
        const lines = [JSON.stringify({ model: "m", message: { role: "assistant", content: "hi" }, done: false }), JSON.stringify(last)].join("\n") + "\n"
        const streamed = yield* Effect.exit(
          Effect.flatMap(Ollama.make(options), (b) => Stream.runCollect(b.stream(hi))).pipe(Effect.provide(answering(lines, "application/x-ndjson")))
        )
        assertNamesField(streamed, `["prompt_eval_count"]`, `stream ${count}`)
      }
    }))

  it("TGI: generate details with one fail the wire Schema at the field", () => {
    for (const count of bad) {
      const decoded = Schema.decodeUnknownResult(TgiWire.GenerateReply)({ generated_text: "x", details: { finish_reason: "length", generated_tokens: count } })
      assert.strictEqual(decoded._tag, "Failure", `${count}`)
      if (decoded._tag === "Failure") assert.include(decoded.failure.message, `["generated_tokens"]`)
    }
  })

  it("Gemini: such a count is ignored, the others kept; the largest allowed counts add up to a safe integer", () => {
    for (const count of bad) {
      const usage = GeminiFromWire.usage({ promptTokenCount: count, candidatesTokenCount: 4, totalTokenCount: 9 })
      assert.deepStrictEqual([usage?.inputTokens, usage?.outputTokens, usage?.totalTokens], [0, 4, 9], `${count}`)
    }
    const max = 2 ** 50
    const largest = GeminiFromWire.usage({ promptTokenCount: max, toolUsePromptTokenCount: max, candidatesTokenCount: max, thoughtsTokenCount: max })
    assert.strictEqual(largest?.inputTokens, 2 * max)
    assert.isTrue(Number.isSafeInteger(largest!.totalTokens))
  })

  it.effect("OpenAI: a stream's tool-call piece whose index is not an integer is InvalidResponse naming the field", () =>
    Effect.gen(function*() {
      for (const index of [1.5, 2 ** 60]) {
        const chunk = {
          id: "c",
          object: "chat.completion.chunk",
          created: 0,
          model: "m",
          choices: [{ index: 0, delta: { role: "assistant", tool_calls: [{ index, id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }] }, finish_reason: "tool_calls" }]
        }
        const exit = yield* Effect.exit(
          Effect.flatMap(OpenAi.make(common), (b) => Stream.runCollect(b.stream(hi))).pipe(
            Effect.provide(answering(`data: ${JSON.stringify(chunk)}\n\ndata: [DONE]\n\n`, "text/event-stream"))
          )
        )
        assertNamesField(exit, `["tool_calls"][0]["index"]`, `${index}`)
      }
    }))

  it("the wire count takes 0 to 2^50 whole, and nothing else", () => {
    const decode = Schema.decodeUnknownResult(WireCount)
    for (const good of [0, 1, 2 ** 50]) assert.strictEqual(decode(good)._tag, "Success", `${good}`)
    for (const value of [...bad, Number.NaN, Number.POSITIVE_INFINITY, "1", null]) assert.strictEqual(decode(value)._tag, "Failure", `${String(value)}`)
  })
})
