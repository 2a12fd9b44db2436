/**
 * Response caches, offline: an exact cache and a semantic one in front of a
 * scripted backend (`TestBackend`), with a tiny word-count embedder standing
 * in for a real embedding model.
 *
 *   npm run example examples/cache.ts
 */
import { Console, Effect, Stream } from "effect"
import { Embedding, Message, Pipeline, Policy, PromptGuard, ResponseCache } from "../src/index.ts"
import { TestBackend } from "../src/testing/index.ts"

// A stand-in embedder: each word adds to one of 64 buckets. Real use passes
// any backend with `embed` (OpenAI, Gemini, Ollama, TEI, ...).
const bucket = (word: string) => [...word].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 64, 7)
const wordEmbedder = Pipeline.make({
  provider: "words",
  embed: (request) =>
    Effect.succeed(new Embedding.EmbedResponse({
      provider: "words",
      model: "words",
      embeddings: request.input.map((text) => {
        const v = new Array<number>(64).fill(0)
        for (const w of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) v[bucket(w)]! += 1
        return v
      })
    }))
}, { model: "words", policy: Policy.passthrough })

const program = Effect.gen(function*() {
  const { backend, control } = yield* TestBackend.make()
  const ask = (text: string) => ({ messages: [Message.user(text)], temperature: 0 })

  yield* Console.log("1. exact: the same request twice reaches the backend once")
  const exact = yield* ResponseCache.exact(backend, { ttl: "1 hour", maxEntries: 500 })
  yield* control.push(TestBackend.reply("Paris."))
  const first = yield* exact.chat(ask("What is the capital of France?"))
  const second = yield* exact.chat(ask("What is the capital of France?  "))
  yield* Console.log(`   ${first.text} then ${second.text} (second from cache: ${second.cache?.kind ?? "no"})`)

  yield* Console.log("2. a cached answer replays as a stream, with a cache-hit Metadata chunk first")
  const chunks = yield* Stream.runCollect(exact.stream(ask("What is the capital of France?")))
  yield* Console.log(`   ${chunks.map((c) => c._tag === "Metadata" ? `Metadata(cache=${c.cache?.kind})` : c._tag).join(", ")}`)

  yield* Console.log("3. sampled requests (temperature > 0 or unset) are not cached by default")
  yield* control.push(TestBackend.reply("A poem."), TestBackend.reply("Another poem."))
  yield* exact.chat({ messages: [Message.user("Write a poem")] })
  const poem = yield* exact.chat({ messages: [Message.user("Write a poem")] })
  yield* Console.log(`   second poem: ${poem.text}`)

  yield* Console.log("4. semantic (experimental): a paraphrase hits; a changed number does not")
  const semantic = yield* ResponseCache.semantic(backend, { embedder: yield* wordEmbedder, threshold: 0.75 })
  yield* control.push(TestBackend.reply("About 3.1 miles."), TestBackend.reply("About 31 miles."))
  yield* semantic.chat(ask("Convert 5 km to miles"))
  const paraphrase = yield* semantic.chat(ask("Please convert 5 km to miles"))
  yield* Console.log(`   paraphrase: ${paraphrase.text} (similarity ${paraphrase.cache?.similarity?.toFixed(2)})`)
  const other = yield* semantic.chat(ask("Convert 50 km to miles"))
  const why = PromptGuard.disagreement(PromptGuard.facts("Convert 50 km to miles"), PromptGuard.facts("Convert 5 km to miles"))
  yield* Console.log(`   50 km: ${other.text} (from cache: ${other.cache !== undefined}; the guard saw different ${why})`)

  const stats = yield* semantic.cache.stats
  yield* Console.log(`5. semantic stats: ${stats.hits} hit, ${stats.misses} misses, ${stats.guardRejections} refused by the guard`)
  yield* Console.log(`   backend calls in all: ${(yield* control.calls).length}`)
})

Effect.runPromise(program)
