import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Redacted, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Message from "../../../src/domain/Message.ts"
import { LlmBackend } from "../../../src/LlmBackend.ts"
import * as Host from "../../../src/providers/ollama/Host.ts"
import * as Ollama from "../../../src/providers/ollama/Ollama.ts"
import { OllamaApi } from "../../../src/providers/ollama/OllamaApi.ts"
import * as FakeServer from "../../support/FakeServer.ts"
import * as Fixtures from "../../support/OllamaFixtures.ts"

const env = (vars: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromEnv({ env: vars }))
const hostPort = (url: string) => url.replace(/^http:\/\//, "")

const route: FakeServer.Handler = (request) =>
  request.url === "/api/embed"
    ? { kind: "json", body: Fixtures.embedReply([[1]]) }
    : request.url === "/api/pull"
    ? Fixtures.stream(Fixtures.pullLines)
    : { kind: "json", body: Fixtures.chatReply() }

describe("OLLAMA_HOST normalization", () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ["0.0.0.0:11434", "http://127.0.0.1:11434"],
    ["127.0.0.1:11434", "http://127.0.0.1:11434"],
    ["0.0.0.0", "http://127.0.0.1:11434"],
    [":11434", "http://127.0.0.1:11434"],
    ["", "http://127.0.0.1:11434"],
    ["my-box", "http://my-box:11434"],
    ["my-box:8080", "http://my-box:8080"],
    ["example.com:80", "http://example.com"],
    ["::1", "http://[::1]:11434"],
    ["[::]:11434", "http://[::1]:11434"],
    ["http://0.0.0.0:11434/", "http://127.0.0.1:11434"],
    ["http://my-box", "http://my-box"],
    ["https://proxy.example/ollama/", "https://proxy.example/ollama"],
    ["ollama.com", "https://ollama.com"],
    ["http://localhost:11434/api/", "http://localhost:11434"],
    ["https://gateway.example/ollama/api", "https://gateway.example/ollama"]
  ]
  for (const [input, output] of cases) {
    it(`${JSON.stringify(input)} → ${output}`, () => {
      assert.strictEqual(Host.normalize(input), output)
    })
  }
})

describe("Ollama configuration", () => {
  it.live("layerConfig reads a scheme-less OLLAMA_HOST, OLLAMA_API_KEY, OLLAMA_MODEL and OLLAMA_EMBEDDING_MODEL", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(route)
      const live = Ollama.layerConfig().pipe(
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(env({
          OLLAMA_HOST: hostPort(server.url),
          OLLAMA_API_URL: "http://127.0.0.1:1",
          OLLAMA_API_KEY: "proxy-token-abc",
          OLLAMA_MODEL: "qwen3",
          OLLAMA_EMBEDDING_MODEL: "nomic-embed-text"
        }))
      )
      yield* Effect.provide(
        LlmBackend.use((backend) =>
          Effect.andThen(backend.chat({ messages: [Message.user("Hi")] }), backend.embed("x"))
        ),
        live
      )
      assert.strictEqual((server.requests[0]!.json as { model: string }).model, "qwen3")
      assert.strictEqual((server.requests[1]!.json as { model: string }).model, "nomic-embed-text")
      assert.strictEqual(server.requests[0]!.headers["authorization"], "Bearer proxy-token-abc")
    }))

  it.live("OLLAMA_API_URL is used when OLLAMA_HOST is unset; no key means no auth header", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(route)
      const live = Ollama.layerConfig({ model: "llama3.2" }).pipe(
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(env({ OLLAMA_API_URL: `${server.url}/` }))
      )
      yield* Effect.provide(LlmBackend.use((backend) => backend.chat({ messages: [Message.user("Hi")] })), live)
      assert.strictEqual(server.requests.length, 1)
      assert.isUndefined(server.requests[0]!.headers["authorization"])
    }))

  it.live("layerApiConfig gives the extras from the same variables", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(route)
      const live = Ollama.layerApiConfig().pipe(
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(env({ OLLAMA_HOST: `0.0.0.0:${new URL(server.url).port}` }))
      )
      const events = yield* Effect.provide(OllamaApi.use((api) => Stream.runCollect(api.pull("llama3.2"))), live)
      assert.strictEqual(events.length, Fixtures.pullLines.length)
      assert.strictEqual(server.requests[0]!.url, "/api/pull")
    }))

  it.effect("bad settings fail at build naming the setting", () =>
    Effect.gen(function*() {
      const build = (options: Ollama.Options) => Effect.flip(Ollama.make(options).pipe(Effect.provide(FetchHttpClient.layer)))
      assert.strictEqual((yield* build({ keepAlive: "five minutes" })).setting, "keepAlive")
      assert.strictEqual((yield* build({ keepAlive: Number.NaN })).setting, "keepAlive")
      assert.strictEqual((yield* build({ baseUrl: "ftp://my-box" })).setting, "baseUrl")
      assert.strictEqual((yield* build({ apiKey: Redacted.make(" ") })).setting, "apiKey")
      assert.strictEqual((yield* build({ model: "" })).setting, "model")
    }))

  it.effect("keepAlive accepts Go durations and seconds; no key is required; every capability is on", () =>
    Effect.gen(function*() {
      for (const keepAlive of ["5m", "1h30m", "-1", "0", 0, -1, 2.5]) {
        yield* Ollama.make({ keepAlive }).pipe(Effect.provide(FetchHttpClient.layer))
      }
      const backend = yield* Ollama.make().pipe(Effect.provide(FetchHttpClient.layer))
      assert.strictEqual(backend.provider, "ollama")
      assert.deepStrictEqual(backend.capabilities, { chat: true, stream: true, embed: true, models: true })
    }))

  it.live("a baseUrl written like OLLAMA_HOST is normalized by make too", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(route)
      const backend = yield* Ollama.make({ baseUrl: `0.0.0.0:${new URL(server.url).port}`, model: "m" }).pipe(
        Effect.provide(FetchHttpClient.layer)
      )
      yield* backend.chat({ messages: [Message.user("Hi")] })
      assert.strictEqual(server.requests.length, 1)
    }))
})
