import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Metric, Stream } from "effect"
import { TestClock } from "effect/testing"
import { ChatChunk, LlmError, Message, ResponseCache, Usage } from "../../src/index.ts"
import * as Pipeline from "../../src/pipeline/Pipeline.ts"
import * as Policy from "../../src/pipeline/Policy.ts"
import { TestBackend } from "../../src/testing/index.ts"

const ask = (text = "What is 2 + 2?") => ({ messages: [Message.user(text)], temperature: 0 })

const setup = (options: ResponseCache.ExactOptions = {}) =>
  Effect.gen(function*() {
    const { backend, control } = yield* TestBackend.make()
    const cached = yield* ResponseCache.exact(backend, options)
    const reached = Effect.map(control.calls, (calls) => calls.length)
    return { cached, control, reached }
  })

describe("ResponseCache.exact", () => {
  it.effect("the second identical call is served from the cache, marked as a hit", () =>
    Effect.gen(function*() {
      const { cached, control, reached } = yield* setup()
      yield* control.push(TestBackend.reply("4", { usage: Usage.make({ inputTokens: 5, outputTokens: 1 }) }))
      const first = yield* cached.chat(ask())
      const second = yield* cached.chat(ask(), { requestId: "r-2" })
      assert.strictEqual(yield* reached, 1)
      assert.strictEqual(first.cache, undefined)
      assert.strictEqual(second.text, "4")
      assert.strictEqual(second.cache?.kind, "exact")
      assert.strictEqual(second.requestId, "r-2")
      assert.deepStrictEqual(second.usage, first.usage)
      const stats = yield* cached.cache.stats
      assert.deepStrictEqual([stats.hits, stats.misses, stats.stored, stats.entries], [1, 1, 1, 1])
    }))

  it.effect("the same request in another key order and spacing is one entry", () =>
    Effect.gen(function*() {
      const { cached, control, reached } = yield* setup()
      yield* control.push(TestBackend.reply("4"))
      yield* cached.chat({ model: "m", system: "Be brief.", messages: [Message.user("2 + 2?")], temperature: 0 })
      const again = yield* cached.chat({ temperature: 0, messages: [Message.user("2 + 2?\r\n")], system: " Be brief.", model: "m" })
      assert.strictEqual(again.cache?.kind, "exact")
      assert.strictEqual(yield* reached, 1)
      assert.strictEqual((yield* cached.cache.stats).entries, 1)
    }))

  it.effect("errors are never cached: the next call reaches the backend", () =>
    Effect.gen(function*() {
      const { cached, control, reached } = yield* setup()
      yield* control.push(TestBackend.fail(new LlmError.ServerError({})), TestBackend.reply("4"))
      const failed = yield* Effect.exit(cached.chat(ask()))
      assert.isTrue(Exit.isFailure(failed))
      assert.strictEqual((yield* cached.chat(ask())).text, "4")
      assert.strictEqual((yield* cached.chat(ask())).cache?.kind, "exact")
      assert.strictEqual(yield* reached, 2)
      assert.strictEqual((yield* cached.cache.stats).stored, 1)
    }))

  it.effect("an entry expires after its ttl (TestClock)", () =>
    Effect.gen(function*() {
      const { cached, control, reached } = yield* setup({ ttl: "10 minutes" })
      yield* control.push(TestBackend.reply("old"), TestBackend.reply("new"))
      yield* cached.chat(ask())
      yield* TestClock.adjust("9 minutes")
      assert.strictEqual((yield* cached.chat(ask())).text, "old")
      yield* TestClock.adjust("1 minute")
      assert.strictEqual((yield* cached.chat(ask())).text, "new")
      assert.strictEqual(yield* reached, 2)
    }))

  it.effect("past maxEntries the least recently used answer is evicted and counted", () =>
    Effect.gen(function*() {
      const { cached, control, reached } = yield* setup({ maxEntries: 2 })
      yield* control.push(TestBackend.reply("a"), TestBackend.reply("b"), TestBackend.reply("c"), TestBackend.reply("b2"))
      yield* cached.chat(ask("a"))
      yield* cached.chat(ask("b"))
      yield* cached.chat(ask("a"))
      yield* cached.chat(ask("c"))
      assert.strictEqual((yield* cached.chat(ask("a"))).cache?.kind, "exact")
      assert.strictEqual((yield* cached.chat(ask("b"))).text, "b2")
      assert.strictEqual(yield* reached, 4)
      assert.strictEqual((yield* cached.cache.stats).evictions, 2)
    }))

  it.effect("bypass neither reads nor stores; refresh skips the read and stores the fresh answer", () =>
    Effect.gen(function*() {
      const { cached, control, reached } = yield* setup()
      yield* control.push(TestBackend.reply("one"), TestBackend.reply("two"), TestBackend.reply("three"))
      yield* cached.chat(ask())
      assert.strictEqual((yield* cached.chat(ask(), { cache: "bypass" })).text, "two")
      assert.strictEqual((yield* cached.chat(ask())).text, "one")
      assert.strictEqual((yield* cached.chat(ask(), { cache: "refresh" })).text, "three")
      const after = yield* cached.chat(ask())
      assert.deepStrictEqual([after.text, after.cache?.kind], ["three", "exact"])
      assert.strictEqual(yield* reached, 3)
      const stats = yield* cached.cache.stats
      assert.deepStrictEqual([stats.bypassed, stats.refreshed, stats.hits, stats.misses], [1, 1, 2, 1])
    }))

  it.effect("a sampled or unspecified temperature is not cached unless configured", () =>
    Effect.gen(function*() {
      const plain = yield* setup()
      yield* plain.control.push(TestBackend.reply("1"), TestBackend.reply("2"), TestBackend.reply("3"), TestBackend.reply("4"))
      const hot = { messages: [Message.user("Write a poem")], temperature: 0.7 }
      const unset = { messages: [Message.user("Write a poem")] }
      for (const request of [hot, hot, unset, unset]) yield* plain.cached.chat(request)
      assert.strictEqual(yield* plain.reached, 4)
      assert.strictEqual((yield* plain.cached.cache.stats).skipped, 4)

      const zeroDefault = yield* setup({ defaultTemperature: 0 })
      yield* zeroDefault.control.push(TestBackend.reply("1"), TestBackend.reply("2"), TestBackend.reply("3"))
      yield* zeroDefault.cached.chat(unset)
      assert.strictEqual((yield* zeroDefault.cached.chat(unset)).cache?.kind, "exact")
      yield* zeroDefault.cached.chat(hot)
      yield* zeroDefault.cached.chat(hot)
      assert.strictEqual(yield* zeroDefault.reached, 3)

      const optIn = yield* setup({ cacheNonDeterministic: true })
      yield* optIn.control.push(TestBackend.reply("1"))
      yield* optIn.cached.chat(hot)
      assert.strictEqual((yield* optIn.cached.chat(hot)).cache?.kind, "exact")
      assert.strictEqual(yield* optIn.reached, 1)
    }))

  it.effect("a bad cache option is InvalidRequest naming options.cache, before any lookup", () =>
    Effect.gen(function*() {
      const { cached, reached } = yield* setup()
      const error = yield* Effect.flip(cached.chat(ask(), { cache: "sometimes" as never }))
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      assert.strictEqual(error.reason._tag === "InvalidRequest" ? error.reason.field : undefined, "options.cache")
      const badInput = yield* Effect.flip(cached.chat({ messages: [] }))
      assert.strictEqual(badInput.reason._tag === "InvalidRequest" ? badInput.reason.field : undefined, "messages")
      assert.strictEqual(yield* reached, 0)
    }))

  it.effect("bad settings fail at build, naming the setting", () =>
    Effect.gen(function*() {
      const { backend } = yield* TestBackend.make()
      const settings: ReadonlyArray<readonly [ResponseCache.ExactOptions, string]> = [
        [{ ttl: 0 }, "ttl"],
        [{ ttl: "soon" as never }, "ttl"],
        [{ maxEntries: 0 }, "maxEntries"],
        [{ maxBytes: 0 }, "maxBytes"],
        [{ defaultTemperature: 3 }, "defaultTemperature"],
        [{ namespace: " " }, "namespace"]
      ]
      for (const [options, setting] of settings) {
        const error = yield* Effect.flip(ResponseCache.exact(backend, options))
        assert.strictEqual(error.setting, setting)
      }
    }))

  it.effect("hits, misses and evictions are Effect Metrics with provider and kind", () =>
    Effect.gen(function*() {
      const { backend, control } = yield* TestBackend.make({ provider: "metered" })
      const cached = yield* ResponseCache.exact(backend, { maxEntries: 1 })
      yield* control.push(TestBackend.reply("a"), TestBackend.reply("b"))
      yield* cached.chat(ask("a"))
      yield* cached.chat(ask("a"))
      yield* cached.chat(ask("b"))
      const snapshot = yield* Metric.snapshot
      const count = (id: string) =>
        snapshot
          .filter((m) => m.id === id && m.attributes?.["provider"] === "metered" && m.attributes?.["kind"] === "exact")
          .reduce((n, m) => n + Number((m.state as { count: number }).count), 0)
      assert.deepStrictEqual(
        [count("llm_cache_hits_total"), count("llm_cache_misses_total"), count("llm_cache_evictions_total")],
        [1, 2, 1]
      )
    }))

  it.effect("the wrapped backend's monitor sees only calls that reached it", () =>
    Effect.gen(function*() {
      const { cached, control } = yield* setup()
      yield* control.push(TestBackend.reply("4"))
      yield* cached.chat(ask())
      yield* cached.chat(ask())
      assert.strictEqual((yield* cached.monitor.stats).total_requests, 1)
      assert.strictEqual(cached.provider, "test")
    }))
})

describe("ResponseCache.exact streams", () => {
  const toolAnswer = [
    new ChatChunk.Metadata({ id: "resp-1", model: "test-model" }),
    new ChatChunk.TextDelta({ text: "Let me " }),
    new ChatChunk.TextDelta({ text: "check." }),
    new ChatChunk.ToolCallDelta({ index: 0, id: "c1", name: "weather", argumentsDelta: "{\"city\":" }),
    new ChatChunk.ToolCallDelta({ index: 0, argumentsDelta: "\"Oslo\"}" }),
    new ChatChunk.ToolCall({ index: 0, id: "c1", name: "weather", arguments: "{\"city\":\"Oslo\"}" }),
    new ChatChunk.UsageChunk({ usage: Usage.make({ inputTokens: 9, outputTokens: 7 }) }),
    new ChatChunk.Finish({ reason: "tool_calls", raw: "tool_use" })
  ]

  it.effect("a completed stream is stored and replayed with the same chunk kinds and a cache-hit Metadata", () =>
    Effect.gen(function*() {
      const { cached, control, reached } = yield* setup()
      yield* control.push(TestBackend.stream(toolAnswer))
      const live = yield* Stream.runCollect(cached.stream(ask()))
      assert.deepStrictEqual(live, toolAnswer)
      const replay = yield* Stream.runCollect(cached.stream(ask()))
      assert.strictEqual(yield* reached, 1)
      const kinds = (chunks: ReadonlyArray<ChatChunk.ChatChunk>) => [...new Set(chunks.map((c) => c._tag))].sort()
      assert.deepStrictEqual(kinds(replay), kinds(live))
      const meta = replay[0]
      assert.strictEqual(meta?._tag, "Metadata")
      assert.strictEqual(meta?._tag === "Metadata" ? meta.cache?.kind : undefined, "exact")
      const [a, b] = [yield* ChatChunk.collect(Stream.fromIterable(live), "test"), yield* ChatChunk.collect(Stream.fromIterable(replay), "test")]
      assert.deepStrictEqual(
        [b.text, b.toolCalls, b.usage, b.finishReason, b.rawFinishReason, b.id, b.model],
        [a.text, a.toolCalls, a.usage, a.finishReason, a.rawFinishReason, a.id, a.model]
      )
      assert.strictEqual(b.cache?.kind, "exact")
    }))

  it.effect("a chat answer serves a later stream and a streamed answer a later chat", () =>
    Effect.gen(function*() {
      const { cached, control, reached } = yield* setup()
      yield* control.push(TestBackend.reply("chat answer"), TestBackend.stream(["streamed ", "answer"]))
      yield* cached.chat(ask("one"))
      const replay = yield* ChatChunk.collect(cached.stream(ask("one")))
      assert.strictEqual(replay.text, "chat answer")
      yield* Stream.runDrain(cached.stream(ask("two")))
      assert.strictEqual((yield* cached.chat(ask("two"))).text, "streamed answer")
      assert.strictEqual(yield* reached, 2)
    }))

  it.effect("after a router's Reset only the restarted answer is stored and replayed", () =>
    Effect.gen(function*() {
      const { cached, control, reached } = yield* setup()
      yield* control.push(TestBackend.stream([
        new ChatChunk.TextDelta({ text: "abandoned half" }),
        new ChatChunk.Reset({ reason: "StreamTruncated", from: "a", to: "b" }),
        new ChatChunk.TextDelta({ text: "the whole answer" }),
        new ChatChunk.Finish({ reason: "stop" })
      ]))
      yield* Stream.runDrain(cached.stream(ask()))
      const replay = yield* Stream.runCollect(cached.stream(ask()))
      assert.isFalse(replay.some((c) => c._tag === "Reset"))
      assert.strictEqual((yield* ChatChunk.collect(Stream.fromIterable(replay))).text, "the whole answer")
      assert.strictEqual(yield* reached, 1)
    }))

  it.effect("a stream that fails midway is never cached", () =>
    Effect.gen(function*() {
      const { cached, control, reached } = yield* setup()
      yield* control.push(TestBackend.stream(["The answer "], { failWith: new LlmError.StreamTruncated({}) }), TestBackend.stream(["4"]))
      const failed = yield* Effect.exit(Stream.runDrain(cached.stream(ask())))
      assert.isTrue(Exit.isFailure(failed))
      assert.strictEqual((yield* cached.cache.stats).stored, 0)
      yield* Stream.runDrain(cached.stream(ask()))
      assert.strictEqual(yield* reached, 2)
    }))

  it.effect("a stream the consumer stops reading is never cached", () =>
    Effect.gen(function*() {
      const { cached, control, reached } = yield* setup()
      yield* control.push(TestBackend.stream(["a", "b", "c"]), TestBackend.reply("whole"))
      const first = yield* Stream.runCollect(Stream.take(cached.stream(ask()), 2))
      assert.strictEqual(first.length, 2)
      assert.strictEqual((yield* cached.cache.stats).stored, 0)
      assert.strictEqual((yield* cached.chat(ask())).text, "whole")
      assert.strictEqual(yield* reached, 2)
    }))

  it.effect("a stream that ends without a Finish chunk is never cached", () =>
    Effect.gen(function*() {
      let opened = 0
      const backend = yield* Pipeline.make({
        provider: "unfinished",
        stream: () =>
          Stream.suspend(() => {
            opened++
            return Stream.make(new ChatChunk.TextDelta({ text: "half an answ" }))
          })
      }, { model: "m", policy: Policy.passthrough })
      const cached = yield* ResponseCache.exact(backend)
      yield* Stream.runDrain(cached.stream(ask()))
      yield* Stream.runDrain(cached.stream(ask()))
      assert.strictEqual(opened, 2)
      assert.strictEqual((yield* cached.cache.stats).stored, 0)
    }))

  it.effect("bypass and non-deterministic streams pass straight through", () =>
    Effect.gen(function*() {
      const { cached, control, reached } = yield* setup()
      yield* control.push(TestBackend.stream(["x"]), TestBackend.stream(["y"]), TestBackend.stream(["z"]))
      yield* Stream.runDrain(cached.stream(ask(), { cache: "bypass" }))
      yield* Stream.runDrain(cached.stream({ messages: [Message.user("hi")], temperature: 1 }))
      yield* Stream.runDrain(cached.stream({ messages: [Message.user("hi")], temperature: 1 }))
      assert.strictEqual(yield* reached, 3)
      assert.strictEqual((yield* cached.cache.stats).stored, 0)
    }))
})
