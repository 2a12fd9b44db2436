import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { TestClock } from "effect/testing"
import { ChatChunk, Content, Message, ResponseCache } from "../../src/index.ts"
import * as Fixtures from "../support/CacheFixtures.ts"
import * as Corpus from "./SemanticCorpus.ts"

// Bag-of-words cosines of true paraphrases in the corpus start at 0.75.
const THRESHOLD = 0.74

const ask = (text: string, extra: Record<string, unknown> = {}) => ({ messages: [Message.user(text)], temperature: 0, ...extra })

const setup = (options: Partial<ResponseCache.SemanticOptions> = {}) =>
  Effect.gen(function*() {
    const chat = yield* Fixtures.echo()
    const embed = yield* Fixtures.embedder()
    const cached = yield* ResponseCache.semantic(chat.backend, { embedder: embed.backend, threshold: THRESHOLD, ...options })
    return { cached, calls: chat.calls, embeddings: embed.calls }
  })

/** Asks `first`, then `second`; true when the second was served from the first's answer. */
const pairHits = (first: string, second: string, options: Partial<ResponseCache.SemanticOptions> = {}) =>
  Effect.gen(function*() {
    const { cached, calls } = yield* setup(options)
    yield* cached.chat(ask(first))
    const answer = yield* cached.chat(ask(second))
    const served = answer.cache?.kind === "semantic"
    // A hit must be the first prompt's answer and must not have reached the backend.
    if (served) assert.strictEqual(answer.text, `answer to: ${first}`)
    assert.strictEqual(calls.length, served ? 1 : 2)
    return served
  })

describe("ResponseCache.semantic over the prompt-pair corpus", () => {
  it.effect("no near-duplicate gets the other's answer (precision 100 %)", () =>
    Effect.gen(function*() {
      const wrong: Array<string> = []
      for (const [a, b] of Corpus.miss) {
        if (yield* pairHits(a, b)) wrong.push(`${a} -> ${b}`)
        if (yield* pairHits(b, a)) wrong.push(`${b} -> ${a}`)
      }
      assert.deepStrictEqual(wrong, [])
    }))

  it.effect("paraphrases hit (recall at least 80 %)", () =>
    Effect.gen(function*() {
      let hits = 0
      for (const [a, b] of Corpus.hit) if (yield* pairHits(a, b)) hits++
      assert.isAtLeast(hits / Corpus.hit.length, 0.8, `${hits} of ${Corpus.hit.length}`)
    }))

  it.effect("it is the guard that stops the near-duplicates: without it most of them hit", () =>
    Effect.gen(function*() {
      let unguarded = 0
      for (const [a, b] of Corpus.miss) if (yield* pairHits(a, b, { guard: false })) unguarded++
      assert.isAtLeast(unguarded, Corpus.miss.length / 2)
    }))
})

describe("ResponseCache.semantic", () => {
  it.effect("a hit reports its similarity, on the response and on the replayed stream's Metadata", () =>
    Effect.gen(function*() {
      const { cached, calls } = yield* setup()
      yield* cached.chat(ask("What is the capital of France?"))
      const response = yield* cached.chat(ask("What's the capital city of France?"))
      assert.strictEqual(response.cache?.kind, "semantic")
      assert.approximately(response.cache?.similarity ?? 0, 0.816, 0.01)
      const replay = yield* Stream.runCollect(cached.stream(ask("What's the capital city of France?")))
      const meta = replay[0]
      assert.strictEqual(meta?._tag === "Metadata" ? meta.cache?.kind : undefined, "semantic")
      assert.deepStrictEqual(replay.map((c) => c._tag), ["Metadata", "TextDelta", "Finish"])
      assert.strictEqual(calls.length, 1)
    }))

  it.effect("the system prompt, model, earlier turns and tools partition hard", () =>
    Effect.gen(function*() {
      const { cached, calls } = yield* setup()
      const q = "What is the capital of France?"
      yield* cached.chat(ask(q))
      const variants = [
        ask(q, { system: "Answer in French." }),
        ask(q, { model: "other-model" }),
        { messages: [Message.user("Hi"), Message.assistant("Hello!"), Message.user(q)], temperature: 0 },
        ask(q, { maxTokens: 5 })
      ]
      for (const variant of variants) assert.strictEqual((yield* cached.chat(variant)).cache, undefined)
      assert.strictEqual(calls.length, 1 + variants.length)
      assert.strictEqual((yield* cached.chat(ask(q))).cache?.similarity !== undefined, true)
    }))

  it.effect("a live stream is stored once complete and serves a later paraphrase", () =>
    Effect.gen(function*() {
      const { cached, calls } = yield* setup()
      const live = yield* ChatChunk.collect(cached.stream(ask("How do I reverse a list in Python?")))
      const later = yield* cached.chat(ask("How can I reverse a list in Python?"))
      assert.deepStrictEqual([later.text, later.cache?.kind], [live.text, "semantic"])
      assert.strictEqual(calls.length, 1)
    }))

  it.effect("a last turn that is not plain user text is not looked up", () =>
    Effect.gen(function*() {
      const { cached, calls, embeddings } = yield* setup()
      const image = { messages: [Message.user([Content.text("What is this?"), Content.imageUrl("https://example.com/a.png")])], temperature: 0 }
      yield* cached.chat(image)
      yield* cached.chat(image)
      assert.strictEqual(calls.length, 2)
      assert.strictEqual(embeddings.n, 0)
      assert.strictEqual((yield* cached.cache.stats).skipped, 2)
    }))

  it.effect("bypass embeds nothing; a sampled request is not looked up", () =>
    Effect.gen(function*() {
      const { cached, calls, embeddings } = yield* setup()
      yield* cached.chat(ask("Why is the sky blue?"), { cache: "bypass" })
      yield* cached.chat({ messages: [Message.user("Why is the sky blue?")], temperature: 0.8 })
      assert.strictEqual(embeddings.n, 0)
      assert.strictEqual(calls.length, 2)
    }))

  it.effect("when the embedder fails the call goes to the backend, counted and uncached", () =>
    Effect.gen(function*() {
      const chat = yield* Fixtures.echo()
      const embed = yield* Fixtures.embedder({ fail: () => true })
      const cached = yield* ResponseCache.semantic(chat.backend, { embedder: embed.backend, threshold: THRESHOLD })
      const answer = yield* cached.chat(ask("Why is the sky blue?"))
      assert.strictEqual(answer.text, "answer to: Why is the sky blue?")
      yield* cached.chat(ask("Why is the sky blue?"))
      const stats = yield* cached.cache.stats
      assert.deepStrictEqual([stats.embedFailures, stats.stored, chat.calls.length], [2, 0, 2])
    }))

  it.effect("entries expire after their ttl and evicted answers take their vectors with them", () =>
    Effect.gen(function*() {
      const { cached, calls } = yield* setup({ ttl: "1 hour", maxEntries: 2 })
      yield* cached.chat(ask("Why is the sky blue?"))
      yield* TestClock.adjust("59 minutes")
      assert.strictEqual((yield* cached.chat(ask("Why does the sky look blue?"))).cache?.kind, "semantic")
      yield* TestClock.adjust("1 minute")
      assert.strictEqual((yield* cached.chat(ask("Why does the sky look blue?"))).cache, undefined)
      yield* cached.chat(ask("Define photosynthesis"))
      yield* cached.chat(ask("What is the capital of France?"))
      const stats = yield* cached.cache.stats
      assert.deepStrictEqual([stats.expired, stats.evictions, stats.entries], [1, 1, 2])
      // The evicted answer's vector went too: its paraphrase misses now.
      assert.strictEqual((yield* cached.chat(ask("Why is the sky blue?"))).cache, undefined)
      assert.strictEqual(calls.length, 5)
    }))

  it.effect("bad settings fail at build, naming the setting", () =>
    Effect.gen(function*() {
      const chat = yield* Fixtures.echo()
      const embed = yield* Fixtures.embedder()
      const threshold = yield* Effect.flip(ResponseCache.semantic(chat.backend, { embedder: embed.backend, threshold: 1.5 }))
      assert.strictEqual(threshold.setting, "threshold")
      const embedder = yield* Effect.flip(ResponseCache.semantic(chat.backend, { embedder: chat.backend }))
      assert.strictEqual(embedder.setting, "embedder")
    }))
})
