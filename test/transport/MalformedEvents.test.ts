/**
 * One unparseable event in an otherwise good stream: by default the stream
 * fails as InvalidResponse (a dropped event may have carried text, and a
 * success with a gap is a shortened success). With `malformedEvents: "skip"`
 * the event is dropped, counted in `llm_malformed_events_total`, and
 * reported on a Metadata chunk and the collected response's `warnings`.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Metric, Stream } from "effect"
import { ChatChunk, Message, Policy } from "../../src/index.ts"
import * as MalformedEvents from "../../src/transport/MalformedEvents.ts"
import * as Providers from "../support/Providers.ts"

const hi = { messages: [Message.user("Hi")] }

const skipped = (provider: string) =>
  Effect.map(Metric.value(Metric.withAttributes(MalformedEvents.malformedEventsTotal, { provider })), (state) => state.count)

describe("malformed stream events", () => {
  for (const entry of Providers.all.filter(Providers.streams)) {
    it.live(`${entry.name}: fail by default, after the content before it`, () =>
      Effect.gen(function*() {
        const { backend } = yield* Providers.setup(entry, () => entry.malformedStream!)
        const seen: Array<ChatChunk.ChatChunk> = []
        const error = yield* Effect.flip(Stream.runForEach(backend.stream(hi), (chunk) => Effect.sync(() => seen.push(chunk))))
        assert.strictEqual(error.reason._tag, "InvalidResponse")
        assert.isTrue(seen.some((chunk) => chunk._tag === "TextDelta" && chunk.text === "Hel"))
      }))

    it.live(`${entry.name}: skip drops it, counts it and says so`, () =>
      Effect.gen(function*() {
        const { backend } = yield* Providers.setup(entry, () => entry.malformedStream!, { malformedEvents: "skip" })
        const before = yield* skipped(Providers.providerOf(entry))
        const chunks = yield* Stream.runCollect(backend.stream(hi))
        const response = yield* ChatChunk.collect(Stream.fromIterable(chunks), Providers.providerOf(entry))
        assert.strictEqual(response.text, "Hello")
        assert.strictEqual(response.finishReason, "stop")
        assert.strictEqual(response.warnings?.length, 1)
        assert.include(response.warnings?.[0] ?? "", "may have a gap")
        const warned = chunks.filter((chunk) => chunk._tag === "Metadata" && chunk.warnings !== undefined)
        assert.strictEqual(warned.length, 1)
        assert.strictEqual((yield* skipped(Providers.providerOf(entry))) - before, 1)
        // Counted in this backend's snapshot too, and cleared by reset.
        assert.strictEqual((yield* backend.monitor.stats).malformed_events_skipped, 1)
        yield* backend.monitor.reset
        assert.strictEqual((yield* backend.monitor.stats).malformed_events_skipped, 0)
      }))
  }

  it.effect("malformedEvents is a policy setting: env/file name malformed_events, only fail or skip", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* Policy.make("p")).malformedEvents, "fail")
      const error = yield* Effect.flip(Policy.make("p", { malformedEvents: "drop" as "skip" }))
      assert.strictEqual(error.setting, "malformedEvents")
      const fromFile = yield* Policy.inputFromJson("p", { p: { malformed_events: "skip", max_response_bytes: 1024, max_event_bytes: 512 } })
      assert.deepStrictEqual(fromFile, { malformedEvents: "skip", maxResponseBytes: 1024, maxEventBytes: 512 })
    }))

  it.effect("the caps and malformed_events read from <PREFIX>_* variables", () =>
    Effect.gen(function*() {
      const env = { OPENAI_MAX_RESPONSE_BYTES: "2048", OPENAI_MAX_EVENT_BYTES: "1024", OPENAI_MALFORMED_EVENTS: "skip" }
      const policy = yield* Policy.fromEnvironment("openai", "OPENAI").pipe(
        Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env })))
      )
      assert.deepStrictEqual([policy.maxResponseBytes, policy.maxEventBytes, policy.malformedEvents], [2048, 1024, "skip"])
      const bad = yield* Effect.flip(Policy.fromEnvironment("openai", "OPENAI").pipe(
        Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: { OPENAI_MAX_RESPONSE_BYTES: "0" } })))
      ))
      assert.strictEqual(bad._tag === "BackendConfigError" ? bad.setting : undefined, "OPENAI_MAX_RESPONSE_BYTES")
    }))
})
