/**
 * The pipeline's GenAI spans through a real backend (the OpenAI backend over
 * a fake server on 127.0.0.1), recorded by a tracer: one call span per call
 * with one attempt span per attempt nested in it (the HTTP client span under
 * its attempt), the conventions' attributes, failure status, and no secret
 * in any span. Without a tracer installed no span is opened at all.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Stream, Tracer } from "effect"
import * as Message from "../../src/domain/Message.ts"
import * as Recording from "../observability/RecordingTracer.ts"
import * as OpenAiSetup from "../support/openAi.ts"
import * as Fixtures from "../support/OpenAiFixtures.ts"

const retrying = { policy: { maxRetries: 2, initialRetryDelay: 1, jitter: false, circuitBreaker: false } } as const
const serverError = { kind: "json", status: 500, body: Fixtures.errorBody("The server had an error", "server_error") } as const
const ask = { messages: [Message.user("what is 2 + 2?")] }

const spanId = (span: Tracer.AnySpan | undefined) => span?.spanId

describe("pipeline spans", () => {
  it.live("a retried call: one call span, two attempt spans under it, the HTTP span under each attempt", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* OpenAiSetup.setup(
        (_, index) => index === 0 ? serverError : { kind: "json", body: Fixtures.completion({ content: "4" }) },
        retrying
      )
      const rec = Recording.make()
      const reply = yield* backend.chat(ask, { priority: "high", requestId: "req-trace-1" }).pipe(Recording.traced(rec))
      assert.strictEqual(reply.text, "4")
      assert.strictEqual(server.requests.length, 2)

      const calls = rec.named("chat gpt-4o-mini")
      assert.strictEqual(calls.length, 1)
      const call = calls[0]!
      assert.strictEqual(call.kind, "client")
      assert.deepStrictEqual(Object.fromEntries(call.attributes), {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
        "gen_ai.response.id": "chatcmpl-fake1",
        "gen_ai.usage.input_tokens": 12,
        "gen_ai.usage.output_tokens": 3,
        "gen_ai.response.finish_reasons": ["stop"],
        "llm.backend": "openai",
        "llm.operation": "chat",
        "llm.priority": "high",
        "llm.request_id": "req-trace-1",
        "llm.outcome": "success",
        "llm.attempts": 2,
        "llm.queue_wait_ms": call.attributes.get("llm.queue_wait_ms"),
        "llm.key_name": "default"
      })
      assert.isNumber(call.attributes.get("llm.queue_wait_ms"))
      assert.isTrue(Exit.isSuccess(Recording.ended(call)!))

      const attempts = rec.named("llm.attempt")
      assert.strictEqual(attempts.length, 2)
      assert.deepStrictEqual(attempts.map((span) => span.attributes.get("llm.attempt")), [1, 2])
      assert.deepStrictEqual(attempts.map((span) => span.attributes.get("llm.key_name")), ["default", "default"])
      for (const attempt of attempts) assert.strictEqual(spanId(Recording.parentOf(attempt)), call.spanId)
      assert.strictEqual(attempts[0]!.attributes.get("llm.outcome"), "failure")
      assert.strictEqual(attempts[0]!.attributes.get("llm.reason"), "ServerError")
      assert.isTrue(Exit.isFailure(Recording.ended(attempts[0]!)!))
      assert.strictEqual(attempts[1]!.attributes.get("llm.outcome"), "success")

      // The HTTP client spans: one per request, each a child of its attempt.
      const http = rec.spans.filter((span) => span.kind === "client" && span !== call)
      assert.strictEqual(http.length, 2)
      assert.deepStrictEqual(http.map((span) => spanId(Recording.parentOf(span))), attempts.map((span) => span.spanId))
      // The traceparent each request carried names its HTTP span.
      assert.deepStrictEqual(
        server.requests.map((request) => request.headers["traceparent"]?.split("-")[2]),
        http.map((span) => span.spanId)
      )
      assert.isFalse(Recording.allValues(rec).some((value) => value.includes(OpenAiSetup.KEY)))
      assert.isFalse(Recording.allValues(rec).some((value) => value.includes("2 + 2")))
    }))

  it.live("a failed call ends its span with the failure: reason, error.type, retryable, attempts", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* OpenAiSetup.setup(() => serverError, retrying)
      const rec = Recording.make()
      const error = yield* Effect.flip(backend.chat(ask).pipe(Recording.traced(rec)))
      assert.strictEqual(error.reason._tag, "ServerError")
      assert.strictEqual(server.requests.length, 3)
      const call = rec.named("chat gpt-4o-mini")[0]!
      assert.isTrue(Exit.isFailure(Recording.ended(call)!))
      assert.strictEqual(call.attributes.get("llm.outcome"), "failure")
      assert.strictEqual(call.attributes.get("llm.reason"), "ServerError")
      assert.strictEqual(call.attributes.get("error.type"), "ServerError")
      assert.strictEqual(call.attributes.get("llm.retryable"), true)
      assert.strictEqual(call.attributes.get("llm.attempts"), 3)
      assert.isFalse(call.attributes.has("gen_ai.response.model"))
      assert.strictEqual(rec.named("llm.attempt").length, 3)
      assert.isFalse(Recording.allValues(rec).some((value) => value.includes(OpenAiSetup.KEY)))
    }))

  it.live("a stream: call span from metadata, usage and finish, one attempt span, both ended", () =>
    Effect.gen(function*() {
      const sse = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`
      const { backend } = yield* OpenAiSetup.setup(() => ({
        kind: "chunks",
        headers: { "content-type": "text/event-stream" },
        chunks: [
          sse(Fixtures.chunk({ role: "assistant", content: "" })),
          sse(Fixtures.chunk({ content: "4" })),
          sse(Fixtures.chunk({}, "stop")),
          sse(Fixtures.usageChunk(9, 1)),
          "data: [DONE]\n\n"
        ]
      }), retrying)
      const rec = Recording.make()
      const chunks = yield* Stream.runCollect(backend.stream(ask).pipe(Stream.provideService(Tracer.Tracer, rec.tracer)))
      assert.isTrue(chunks.length > 0)
      const call = rec.named("chat gpt-4o-mini")[0]!
      assert.isTrue(Exit.isSuccess(Recording.ended(call)!))
      assert.strictEqual(call.attributes.get("llm.operation"), "stream")
      assert.strictEqual(call.attributes.get("gen_ai.response.model"), "gpt-4o-mini-2024-07-18")
      assert.strictEqual(call.attributes.get("gen_ai.usage.output_tokens"), 1)
      assert.deepStrictEqual(call.attributes.get("gen_ai.response.finish_reasons"), ["stop"])
      assert.strictEqual(call.attributes.get("llm.attempts"), 1)
      const attempts = rec.named("llm.attempt")
      assert.strictEqual(attempts.length, 1)
      assert.strictEqual(spanId(Recording.parentOf(attempts[0]!)), call.spanId)
      assert.isDefined(Recording.ended(attempts[0]!))
    }))

  it.live("without a tracer the request still carries the caller's trace context", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* OpenAiSetup.setup(() => ({ kind: "json", body: Fixtures.completion({}) }), retrying)
      const outer = yield* Effect.makeSpan("caller")
      yield* backend.chat(ask).pipe(Effect.withParentSpan(outer))
      assert.strictEqual(server.requests.length, 1)
      assert.strictEqual(server.requests[0]!.headers["traceparent"]?.split("-")[1], outer.traceId)
      // No span is made under the default tracer: the caller's own span is the parent the server sees.
      assert.strictEqual(server.requests[0]!.headers["traceparent"], `00-${outer.traceId}-${outer.spanId}-01`)
    }))

  it.live("without a tracer a context that came from outside (an incoming request's) is carried on", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* OpenAiSetup.setup(() => ({ kind: "json", body: Fixtures.completion({}) }))
      const incoming = Tracer.externalSpan({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", sampled: true })
      yield* backend.chat(ask).pipe(Effect.withParentSpan(incoming))
      const headers = server.requests[0]!.headers
      assert.strictEqual(headers["traceparent"], "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
      assert.strictEqual(headers["b3"], "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1")
    }))

  it.live("without a tracer and without a current span there is no trace to continue: no trace headers", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* OpenAiSetup.setup(() => ({ kind: "json", body: Fixtures.completion({}) }))
      yield* backend.chat(ask)
      yield* backend.chat(ask).pipe(Effect.provideService(Tracer.Tracer, Tracer.nativeTracer))
      assert.strictEqual(server.requests.length, 2)
      for (const request of server.requests) {
        assert.isUndefined(request.headers["traceparent"])
        assert.isUndefined(request.headers["b3"])
      }
    }))
})
