import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { LlmBackend, Message, Ollama, OpenAi } from "../../src/index.ts"
import * as FakeServer from "../support/FakeServer.ts"

class Writer extends LlmBackend.Tag<Writer>()("test/Writer") {}
class Embedder extends LlmBackend.Tag<Embedder>()("test/Embedder") {}

const openAiChat = (text: string): FakeServer.Action => ({
  kind: "json",
  body: {
    id: "c1",
    object: "chat.completion",
    created: 1,
    model: "gpt-4o-mini",
    choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }]
  }
})

const ollamaEmbed: FakeServer.Action = {
  kind: "json",
  body: { model: "nomic-embed-text", embeddings: [[0.1, 0.2], [0.3, 0.4]] }
}

const servers = Effect.gen(function*() {
  const openai = yield* FakeServer.make(() => openAiChat("from openai"))
  const ollama = yield* FakeServer.make(() => ollamaEmbed)
  const env = ConfigProvider.layer(ConfigProvider.fromEnv({
    env: {
      OPENAI_API_KEY: "sk-test-0123456789",
      OPENAI_BASE_URL: `${openai.url}/v1`,
      OPENAI_MODEL: "gpt-4o-mini",
      OLLAMA_HOST: ollama.url,
      OLLAMA_EMBEDDING_MODEL: "nomic-embed-text"
    }
  }))
  return { openai, ollama, env }
})

describe("several backends in one program", () => {
  it.live("two env-configured backends under the user's tags each answer their own calls", () =>
    Effect.gen(function*() {
      const { env, ollama, openai } = yield* servers
      const layer = Layer.mergeAll(
        LlmBackend.layerAs(Writer, OpenAi.makeConfig()),
        LlmBackend.layerAs(Embedder, Ollama.makeConfig())
      ).pipe(Layer.provide(FetchHttpClient.layer), Layer.provide(env))
      const result = yield* Effect.gen(function*() {
        const writer = yield* Writer
        const embedder = yield* Embedder
        const reply = yield* writer.chat({ messages: [Message.user("hi")] })
        const vectors = yield* embedder.embed(["a", "b"])
        // Through the module helpers with a tag.
        const again = yield* LlmBackend.chat({ messages: [Message.user("again")] }, undefined, Writer)
        const viaHelper = yield* LlmBackend.embed(["c", "d"], undefined, Embedder)
        return { reply, vectors, again, viaHelper, providers: [writer.provider, embedder.provider] }
      }).pipe(Effect.provide(layer))
      assert.deepStrictEqual(result.providers, ["openai", "ollama"])
      assert.strictEqual(result.reply.text, "from openai")
      assert.strictEqual(result.again.text, "from openai")
      assert.deepStrictEqual(result.vectors.embeddings, [[0.1, 0.2], [0.3, 0.4]])
      assert.strictEqual(result.viaHelper.provider, "ollama")
      // Each server saw only its own backend's calls.
      assert.deepStrictEqual(openai.requests.map((r) => r.url), ["/v1/chat/completions", "/v1/chat/completions"])
      assert.deepStrictEqual(ollama.requests.map((r) => r.url), ["/api/embed", "/api/embed"])
    }))

  it.live("merging two default layers keeps one LlmBackend, which is why tags exist", () =>
    Effect.gen(function*() {
      const { env } = yield* servers
      const both = Layer.merge(OpenAi.layerConfig(), Ollama.layerConfig()).pipe(
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(env)
      )
      const provider = yield* Effect.provide(LlmBackend.LlmBackend.useSync((b) => b.provider), both)
      assert.strictEqual(provider, "ollama")
    }))

  it.live("makeConfig reads the same variables as layerConfig", () =>
    Effect.gen(function*() {
      const { env, openai } = yield* servers
      const viaMake = yield* Effect.flatMap(OpenAi.makeConfig(), (b) => b.chat({ messages: [Message.user("x")] })).pipe(
        Effect.provide(FetchHttpClient.layer),
        Effect.provide(env)
      )
      const viaLayer = yield* LlmBackend.chat({ messages: [Message.user("y")] }).pipe(
        Effect.provide(OpenAi.layerConfig().pipe(Layer.provide(FetchHttpClient.layer), Layer.provide(env)))
      )
      assert.strictEqual(viaMake.model, viaLayer.model)
      const [a, b] = openai.requests
      assert.strictEqual(a?.headers["authorization"], b?.headers["authorization"])
      assert.strictEqual(a?.url, b?.url)
      assert.strictEqual((a?.json as { model: string }).model, "gpt-4o-mini")
      // Overrides from code win over the environment.
      yield* Effect.flatMap(OpenAi.makeConfig({ model: "gpt-4.1" }), (b) => b.chat({ messages: [Message.user("z")] })).pipe(
        Effect.provide(FetchHttpClient.layer),
        Effect.provide(env)
      )
      assert.strictEqual((openai.requests[2]?.json as { model: string }).model, "gpt-4.1")
    }))

  it.live("transformClient changes one backend's HttpClient only", () =>
    Effect.gen(function*() {
      const { env, openai } = yield* servers
      const tagged = OpenAi.makeConfig({
        transformClient: HttpClient.mapRequest(HttpClientRequest.setHeader("x-proxy-team", "search"))
      })
      yield* Effect.flatMap(tagged, (b) => b.chat({ messages: [Message.user("x")] })).pipe(
        Effect.provide(FetchHttpClient.layer),
        Effect.provide(env)
      )
      yield* Effect.flatMap(OpenAi.makeConfig(), (b) => b.chat({ messages: [Message.user("y")] })).pipe(
        Effect.provide(FetchHttpClient.layer),
        Effect.provide(env)
      )
      assert.strictEqual(openai.requests[0]?.headers["x-proxy-team"], "search")
      assert.strictEqual(openai.requests[1]?.headers["x-proxy-team"], undefined)
    }))
})
