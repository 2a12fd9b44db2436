/**
 * No key in any span, for its whole life: a recording tracer keeps every span
 * of successful calls, failed calls (a body and a request-id header echoing
 * the key) and a dropped connection, over every provider, with header capture
 * on, and renders them afterwards the way an exporter would.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { HttpClient } from "effect/http"
import { Message } from "../src/index.ts"
import * as FakeServer from "./support/FakeServer.ts"
import * as Providers from "./support/Providers.ts"
import * as RecordingTracer from "./support/RecordingTracer.ts"

const hi = { messages: [Message.user("Hi")] }

// A misconfigured proxy echoing whatever key it was sent, in the body and in a header we keep.
const echo = (entry: Providers.Entry): FakeServer.Handler => (request) => ({
  kind: "json",
  status: 401,
  headers: { "x-request-id": `req-${entry.sentKey(request) ?? ""}`, "request-id": `req-${entry.sentKey(request) ?? ""}` },
  body: { error: { message: `bad key ${entry.sentKey(request) ?? ""}`, type: "authentication_error" } }
})

describe("spans never carry a key", () => {
  for (const entry of Providers.all) {
    it.live(`${entry.name}: attributes, status and events of every span`, () =>
      Effect.gen(function*() {
        const recorder = RecordingTracer.make()
        const traced = <A, E>(effect: Effect.Effect<A, E>) =>
          effect.pipe(
            RecordingTracer.provide(recorder),
            Effect.provideService(HttpClient.TracerHeaderFilter, () => true)
          )
        const operations = Providers.operationsOf(entry)
        const oneShot = Providers.oneShot(entry)
        const ok = yield* Providers.setup(entry, entry.answer)
        for (const operation of operations) yield* traced(Providers.run(ok.backend, operation))
        const bad = yield* Providers.setup(entry, echo(entry))
        const failed = yield* Effect.flip(traced(Providers.run(bad.backend, oneShot)))
        const reset = yield* Providers.setup(entry, () => ({ kind: "reset" }))
        yield* Effect.flip(traced(Providers.run(reset.backend, oneShot)))

        // The server did see the key (so the test can fail), in the header the provider uses.
        assert.strictEqual(entry.sentKey(bad.server.requests[0]!), entry.key)
        assert.strictEqual(failed.reason._tag, "Unauthorized")
        assert.strictEqual(ok.server.requests.length, operations.length, "one request per operation")
        // The transport's HTTP span per request (the pipeline's GenAI call spans are client spans too).
        const clientSpans = recorder.spans.filter((span) => span.kind === "client" && span.attributes.has("http.request.method"))
        assert.strictEqual(clientSpans.length, operations.length + 2, "one HTTP client span per request")
        // And every logical call has its GenAI call span with an attempt span under it.
        const calls = recorder.spans.filter((span) => span.attributes.has("gen_ai.operation.name"))
        assert.strictEqual(calls.length, operations.length + 2, "one call span per call")
        assert.isTrue(recorder.spans.some((span) => span.name === "llm.attempt"))
        assert.isTrue(clientSpans.every((span) => span.status._tag === "Ended"))
        assert.isTrue(clientSpans.some((span) => [...span.attributes.keys()].some((k) => k.startsWith("http.request.header."))))
        const rendered = recorder.render()
        assert.notInclude(rendered, entry.key)
        assert.notInclude(rendered, entry.key.slice(8, 28), "a telling piece of the key")
      }))
  }

  it.live("the transport's span keeps the useful attributes and still propagates the trace", () =>
    Effect.gen(function*() {
      const entry = Providers.all[0]!
      const recorder = RecordingTracer.make()
      const { backend, server } = yield* Providers.setup(entry, entry.answer)
      yield* backend.chat(hi).pipe(Effect.withSpan("caller"), RecordingTracer.provide(recorder))
      const client = recorder.spans.find((span) => span.kind === "client" && span.attributes.has("http.request.method"))!
      assert.strictEqual(client.attributes.get("http.request.method"), "POST")
      assert.strictEqual(client.attributes.get("http.response.status_code"), 200)
      assert.strictEqual(client.attributes.get("url.path"), "/v1/chat/completions")
      assert.strictEqual(client.attributes.get("llm.provider"), entry.name)
      assert.strictEqual(client.parent._tag, "Some", "a child of the caller's span")
      assert.include(server.requests[0]!.headers["traceparent"] ?? "", client.spanId)
    }))
})
