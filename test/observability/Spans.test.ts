/**
 * GenAI-convention call and attempt spans, with a recording tracer: names,
 * attributes at start and end, status on failure, attempt spans nested under
 * their call (and what runs inside an attempt under it), a retry giving two
 * attempt spans, streams, and no payload or secret anywhere.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Redacted, Schedule, Stream } from "effect"
import { ChatResponse } from "../../src/domain/Chat.ts"
import * as ChatChunk from "../../src/domain/ChatChunk.ts"
import * as Content from "../../src/domain/Content.ts"
import * as Usage from "../../src/domain/Usage.ts"
import * as LlmError from "../../src/LlmError.ts"
import * as Spans from "../../src/observability/Spans.ts"
import * as Recording from "./RecordingTracer.ts"

const info: Spans.CallInfo = { operation: "chat", provider: "openai", model: "gpt-4o", priority: "high", requestId: "req_1" }
const tracking: Spans.Tracking = { attempts: 1, queueWaitMs: 12, key: "primary" }

const answer = new ChatResponse({
  provider: "openai",
  model: "gpt-4o-2024-08-06",
  id: "chatcmpl-1",
  content: [Content.text("the answer")],
  finishReason: "stop",
  usage: Usage.make({ inputTokens: 30, outputTokens: 7 })
})

const fail = (reason: LlmError.Reason) => Effect.fail(LlmError.make("openai", reason, { requestId: "req_1" }))

describe("Spans.call", () => {
  it.effect("names the span '{operation} {model}', kind client, with the GenAI and our attributes", () =>
    Effect.gen(function*() {
      const rec = Recording.make()
      yield* Effect.succeed(answer).pipe(
        Spans.call(info, { tracking: () => tracking, facts: Spans.ofChatResponse }),
        Recording.traced(rec)
      )
      const [span] = rec.named("chat gpt-4o")
      assert.isDefined(span)
      assert.strictEqual(span!.kind, "client")
      assert.deepStrictEqual(Object.fromEntries(span!.attributes), {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.response.model": "gpt-4o-2024-08-06",
        "gen_ai.response.id": "chatcmpl-1",
        "gen_ai.usage.input_tokens": 30,
        "gen_ai.usage.output_tokens": 7,
        "gen_ai.response.finish_reasons": ["stop"],
        "llm.backend": "openai",
        "llm.operation": "chat",
        "llm.priority": "high",
        "llm.request_id": "req_1",
        "llm.outcome": "success",
        "llm.attempts": 1,
        "llm.queue_wait_ms": 12,
        "llm.key_name": "primary"
      })
      assert.isTrue(Exit.isSuccess(Recording.ended(span!)!))
    }))

  it.effect("a failure ends the span with the failure and sets reason, error.type and retryable", () =>
    Effect.gen(function*() {
      const rec = Recording.make()
      yield* Effect.flip(fail(new LlmError.RateLimited({})).pipe(Spans.call(info, { tracking: () => ({ ...tracking, attempts: 3 }) }), Recording.traced(rec)))
      const span = rec.spans[0]!
      const exit = Recording.ended(span)
      assert.isTrue(exit !== undefined && Exit.isFailure(exit))
      assert.strictEqual(span.attributes.get("llm.outcome"), "failure")
      assert.strictEqual(span.attributes.get("llm.reason"), "RateLimited")
      assert.strictEqual(span.attributes.get("error.type"), "RateLimited")
      assert.strictEqual(span.attributes.get("llm.retryable"), true)
      assert.strictEqual(span.attributes.get("llm.attempts"), 3)
      assert.isFalse(span.attributes.has("gen_ai.response.model"))
    }))

  it.effect("GenAI names: embed is 'embeddings', gemini is 'gcp.gemini', no model means no model in the name", () =>
    Effect.gen(function*() {
      const rec = Recording.make()
      yield* Effect.void.pipe(
        Spans.call({ operation: "embed", provider: "gemini", priority: "normal", requestId: "r" }),
        Recording.traced(rec)
      )
      const span = rec.spans[0]!
      assert.strictEqual(span.name, "embeddings")
      assert.strictEqual(span.attributes.get("gen_ai.operation.name"), "embeddings")
      assert.strictEqual(span.attributes.get("gen_ai.provider.name"), "gcp.gemini")
      assert.strictEqual(span.attributes.get("llm.backend"), "gemini")
      assert.isFalse(span.attributes.has("gen_ai.request.model"))
    }))

  it.effect("an interrupted call ends its span as interrupted", () =>
    Effect.gen(function*() {
      const rec = Recording.make()
      const fiber = yield* Effect.never.pipe(Spans.call(info), Recording.traced(rec), Effect.forkChild)
      yield* Effect.yieldNow
      yield* Fiber.interrupt(fiber)
      assert.strictEqual(rec.spans[0]!.attributes.get("llm.outcome"), "interrupted")
      assert.strictEqual(rec.spans[0]!.status._tag, "Ended")
    }))
})

describe("Spans.attempt", () => {
  it.effect("a retry driven by Effect.retry gives two attempt spans under the call, numbered, with their own outcome", () =>
    Effect.gen(function*() {
      const rec = Recording.make()
      let attempts = 0
      const once = Effect.suspend(() => {
        attempts++
        const body = attempts === 1 ? fail(new LlmError.ServerError({})) : Effect.succeed(answer)
        // What runs inside an attempt (the HTTP client's span) nests under it.
        return body.pipe(Effect.withSpan("http.client POST"), Spans.attempt({ number: attempts, key: "primary" }))
      })
      const result = yield* Effect.retry(once, Schedule.recurs(2)).pipe(
        Spans.call(info, { tracking: () => ({ attempts, queueWaitMs: 0, key: "primary" }), facts: Spans.ofChatResponse }),
        Recording.traced(rec)
      )
      assert.strictEqual(result, answer)
      const [callSpan] = rec.named("chat gpt-4o")
      const tries = rec.named(Spans.attemptSpanName)
      assert.strictEqual(tries.length, 2)
      for (const span of tries) assert.strictEqual(Recording.parentOf(span), callSpan, "attempt under its call")
      assert.deepStrictEqual(tries.map((s) => s.attributes.get("llm.attempt")), [1, 2])
      assert.deepStrictEqual(tries.map((s) => s.attributes.get("llm.outcome")), ["failure", "success"])
      assert.strictEqual(tries[0]!.attributes.get("llm.reason"), "ServerError")
      assert.strictEqual(tries[0]!.attributes.get("llm.key_name"), "primary")
      assert.strictEqual(tries[0]!.kind, "internal")
      const http = rec.named("http.client POST")
      assert.strictEqual(http.length, 2)
      assert.deepStrictEqual(http.map(Recording.parentOf), [...tries])
      assert.strictEqual(callSpan!.attributes.get("llm.attempts"), 2)
      assert.strictEqual(callSpan!.attributes.get("llm.outcome"), "success")
    }))
})

describe("Spans.callStream / attemptStream", () => {
  const chunks = [
    new ChatChunk.Metadata({ id: "resp_9", model: "gpt-4o-mini-2024-07-18" }),
    new ChatChunk.TextDelta({ text: "hi" }),
    new ChatChunk.Finish({ reason: "stop" }),
    new ChatChunk.UsageChunk({ usage: Usage.make({ inputTokens: 5, outputTokens: 1 }) })
  ]

  it.effect("gathers model, usage and finish from the chunks; the attempt span nests under the call", () =>
    Effect.gen(function*() {
      const rec = Recording.make()
      const out = yield* Stream.fromIterable(chunks).pipe(
        Spans.attemptStream({ number: 1 }),
        Spans.callStream({ ...info, operation: "stream" }, { tracking: () => tracking, facts: Spans.ofChatChunk }),
        Stream.runCollect,
        Recording.traced(rec)
      )
      assert.strictEqual(out.length, 4)
      const [callSpan] = rec.named("chat gpt-4o")
      const [attemptSpan] = rec.named(Spans.attemptSpanName)
      assert.strictEqual(Recording.parentOf(attemptSpan!), callSpan)
      assert.strictEqual(callSpan!.attributes.get("llm.operation"), "stream")
      assert.strictEqual(callSpan!.attributes.get("gen_ai.response.model"), "gpt-4o-mini-2024-07-18")
      assert.strictEqual(callSpan!.attributes.get("gen_ai.response.id"), "resp_9")
      assert.strictEqual(callSpan!.attributes.get("gen_ai.usage.input_tokens"), 5)
      assert.deepStrictEqual(callSpan!.attributes.get("gen_ai.response.finish_reasons"), ["stop"])
      assert.isTrue(Exit.isSuccess(Recording.ended(callSpan!)!))
      assert.isTrue(Exit.isSuccess(Recording.ended(attemptSpan!)!))
    }))

  it.effect("a stream failing mid-way ends both spans with the failure and its reason", () =>
    Effect.gen(function*() {
      const rec = Recording.make()
      const broken = Stream.concat(Stream.fromIterable(chunks.slice(0, 2)), Stream.fromEffect(fail(new LlmError.StreamTruncated({}))))
      yield* Effect.flip(broken.pipe(
        Spans.attemptStream({ number: 1 }),
        Spans.callStream(info, { facts: Spans.ofChatChunk }),
        Stream.runDrain,
        Recording.traced(rec)
      ))
      for (const span of rec.spans) {
        assert.strictEqual(span.attributes.get("llm.reason"), "StreamTruncated", span.name)
        assert.isTrue(Exit.isFailure(Recording.ended(span)!), span.name)
      }
      assert.strictEqual(rec.spans.length, 2)
      assert.strictEqual(rec.named("chat gpt-4o")[0]!.attributes.get("gen_ai.response.model"), "gpt-4o-mini-2024-07-18")
    }))

  it.effect("a consumer that stops early ends the call span (success, facts so far)", () =>
    Effect.gen(function*() {
      const rec = Recording.make()
      yield* Stream.fromIterable(chunks).pipe(
        Spans.callStream(info, { facts: Spans.ofChatChunk }),
        Stream.take(1),
        Stream.runDrain,
        Recording.traced(rec)
      )
      const span = rec.spans[0]!
      assert.strictEqual(span.status._tag, "Ended")
      assert.isFalse(span.attributes.has("gen_ai.response.finish_reasons"))
    }))
})

describe("Spans and secrets", () => {
  it.effect("no prompt, answer or key value reaches any span, only names and counts", () =>
    Effect.gen(function*() {
      const rec = Recording.make()
      const key = Redacted.make("sk-live-SECRET-KEY-0123456789")
      const secretAnswer = new ChatResponse({ ...answer, content: [Content.text("SECRET-ANSWER-TEXT")] })
      const prompt = "SECRET-PROMPT-TEXT"
      const attemptWithKey = Effect.sync(() => `${prompt}${Redacted.value(key)}`).pipe(
        Effect.as(secretAnswer),
        Spans.attempt({ number: 1, key: "primary" })
      )
      yield* attemptWithKey.pipe(
        Spans.call(info, { tracking: () => tracking, facts: Spans.ofChatResponse }),
        Recording.traced(rec)
      )
      const values = Recording.allValues(rec).join("\n")
      assert.include(values, "primary")
      for (const secret of ["SECRET-ANSWER-TEXT", prompt, Redacted.value(key)]) assert.notInclude(values, secret)
    }))
})
