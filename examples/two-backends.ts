/**
 * Two backends in one program, each under a tag of your own: OpenAI writes,
 * Ollama embeds. Both are configured from the environment (`makeConfig`), so
 * the same code runs against the real services or, with `--fake`, against
 * two local fakes whose URLs are handed in as environment variables.
 *
 *   npm run example examples/two-backends.ts -- --fake     # offline
 *   OPENAI_API_KEY=sk-... OLLAMA_HOST=localhost:11434 npm run example examples/two-backends.ts
 */
import { ConfigProvider, Effect, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import { LlmBackend, Message, Ollama, OpenAi } from "../src/index.ts"
import * as FakeOllama from "./ollama-fake.ts"
import * as FakeOpenAi from "./support/FakeOpenAi.ts"

/** The backend that writes answers. */
class Writer extends LlmBackend.Tag<Writer>()("example/Writer") {}
/** The backend that embeds text. */
class Embedder extends LlmBackend.Tag<Embedder>()("example/Embedder") {}

const Backends = Layer.mergeAll(
  LlmBackend.layerAs(Writer, OpenAi.makeConfig({ model: process.env["OPENAI_MODEL"] ?? "gpt-4o-mini" })),
  LlmBackend.layerAs(Embedder, Ollama.makeConfig({ embeddingModel: process.env["OLLAMA_EMBEDDING_MODEL"] ?? "nomic-embed-text" }))
)

const program = Effect.gen(function*() {
  const answer = yield* LlmBackend.chat({ messages: [Message.user("Name a colour.")] }, undefined, Writer)
  const vectors = yield* LlmBackend.embed([answer.text, "blue"], undefined, Embedder)
  const [a, b] = vectors.embeddings
  const cosine = a!.reduce((sum, x, i) => sum + x * b![i]!, 0) /
    (Math.hypot(...a!) * Math.hypot(...b!))
  console.log(`${answer.provider} wrote: ${answer.text}`)
  console.log(`${vectors.provider} embedded it (${a!.length} dimensions); similarity to "blue": ${cosine.toFixed(3)}`)
})

// --fake: start both fakes and point the environment at them.
const environment = process.argv.includes("--fake")
  ? Layer.unwrap(Effect.gen(function*() {
    const openai = yield* Effect.acquireRelease(Effect.promise(() => FakeOpenAi.serve()), (s) => Effect.promise(s.close))
    const ollama = yield* Effect.acquireRelease(Effect.promise(() => FakeOllama.serve()), (s) => Effect.promise(s.close))
    return ConfigProvider.layer(ConfigProvider.fromEnv({
      env: { OPENAI_API_KEY: "sk-fake", OPENAI_BASE_URL: openai.url, OLLAMA_HOST: ollama.url }
    }))
  }))
  : Layer.empty

program.pipe(
  Effect.provide(Backends.pipe(Layer.provide(FetchHttpClient.layer), Layer.provide(environment))),
  Effect.catch((error) =>
    Effect.sync(() => {
      console.error(`failed: ${error.message} (pass --fake to run against local fakes)`)
      process.exitCode = 1
    })
  ),
  Effect.runPromise
)
