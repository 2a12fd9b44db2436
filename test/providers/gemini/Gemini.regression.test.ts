/**
 * The predecessor's Gemini bugs, each pinned: the key in the URL (`?key=`),
 * token usage lost, and the system prompt sent as a user turn. Plus where
 * the key must never show up: URLs, errors (String and JSON), traces.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Option, Stream, Tracer } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import { ChatChunk, LlmBackend, Message } from "../../../src/index.ts"
import * as Gemini from "../../../src/providers/gemini/Gemini.ts"
import * as FakeServer from "../../support/FakeServer.ts"
import * as Secrets from "../../support/Secrets.ts"
import * as Fixtures from "../../support/GeminiFixtures.ts"
import { setup } from "./setup.ts"

const hi = { messages: [Message.user("Hi")] }

// Answers every kind of call we make, so one backend can exercise them all.
const everything: FakeServer.Handler = (request) => {
  if (request.url.includes(":streamGenerateContent")) return { kind: "chunks", chunks: Fixtures.sse([Fixtures.frame([{ text: "ok" }], "STOP")]) }
  if (request.url.includes(":embedContent")) return { kind: "json", body: { embedding: { values: [1] } } }
  if (request.url.includes(":batchEmbedContents")) return { kind: "json", body: { embeddings: [{ values: [1] }, { values: [2] }] } }
  if (request.url.startsWith("/v1beta/models?")) {
    return { kind: "json", body: request.url.includes("pageToken") ? Fixtures.modelsPage(["b"]) : Fixtures.modelsPage(["a"], "next") }
  }
  return { kind: "json", body: Fixtures.response() }
}

const { renderings } = Secrets

describe("Gemini regressions", () => {
  it.live("the key is in no URL of any call (chat, stream, embeddings, every models page), only in x-goog-api-key", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(everything)
      yield* backend.chat(hi)
      yield* Stream.runDrain(backend.stream(hi))
      yield* backend.embed("a")
      yield* backend.embed(["a", "b"])
      yield* backend.models()
      assert.strictEqual(server.requests.length, 6)
      for (const request of server.requests) {
        assert.notInclude(request.url, Fixtures.KEY)
        assert.notInclude(request.url, Fixtures.KEY.slice(0, 12))
        assert.notMatch(request.url, /[?&]key=/)
        assert.strictEqual(request.headers["x-goog-api-key"], Fixtures.KEY)
        assert.isUndefined(request.headers["authorization"])
        for (const [name, value] of Object.entries(request.headers)) {
          if (name !== "x-goog-api-key") assert.notInclude(value, Fixtures.KEY, `header ${name}`)
        }
        assert.notInclude(request.body, Fixtures.KEY)
      }
    }))

  it.live("usage is read from usageMetadata, in chat and in streams", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup((request) =>
        request.url.includes(":stream")
          ? { kind: "chunks", chunks: Fixtures.sse([Fixtures.frame([{ text: "a" }], "STOP", Fixtures.usageMetadata(31, 17))]) }
          : { kind: "json", body: Fixtures.response({ usage: Fixtures.usageMetadata(31, 17) }) }
      )
      const chat = yield* backend.chat(hi)
      const streamed = yield* ChatChunk.collect(backend.stream(hi))
      for (const usage of [chat.usage, streamed.usage]) {
        assert.deepStrictEqual([usage?.inputTokens, usage?.outputTokens, usage?.totalTokens], [31, 17, 48])
      }
      const stats = yield* backend.monitor.stats
      assert.isAbove(JSON.stringify(stats).length, 0)
    }))

  it.live("the system prompt is sent as systemInstruction, never as a user turn", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(everything)
      const system = "You are a pirate. SYSTEM-MARKER"
      yield* backend.chat({ system, messages: [Message.user("Hi")] })
      yield* Stream.runDrain(backend.stream({ system, messages: [Message.user("Hi")] }))
      for (const request of server.requests) {
        const body = request.json as { contents: Array<{ role: string; parts: Array<{ text?: string }> }>; systemInstruction: unknown }
        assert.deepStrictEqual(body.systemInstruction, { parts: [{ text: system }] })
        assert.deepStrictEqual(body.contents, [{ role: "user", parts: [{ text: "Hi" }] }])
        assert.notInclude(JSON.stringify(body.contents), "SYSTEM-MARKER")
      }
    }))

  for (const status of [400, 403, 429, 500]) {
    it.live(`the key is not in the error (message, String, JSON) when a ${status} body echoes it`, () =>
      Effect.gen(function*() {
        const { backend } = yield* setup((request) => ({
          kind: "json",
          status,
          body: Fixtures.errorBody(status, "INVALID_ARGUMENT", `API key not valid: ${request.headers["x-goog-api-key"]}`)
        }))
        const error = yield* Effect.flip(backend.chat(hi))
        for (const text of renderings(error)) assert.notInclude(text, Fixtures.KEY)
        assert.include(error.message, "[REDACTED]")
      }))
  }

  it.live("the key is not in a stream's in-band error echoing it, nor in an InvalidResponse snippet", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup((request) =>
        request.url.includes(":stream")
          ? { kind: "chunks", chunks: Fixtures.sse([Fixtures.errorBody(500, "INTERNAL", `bad key ${Fixtures.KEY}`)]) }
          : { kind: "text", body: `<html>x-goog-api-key: ${Fixtures.KEY}</html>` }
      )
      const streamed = yield* Effect.flip(Stream.runCollect(backend.stream(hi)))
      const snippet = yield* Effect.flip(backend.chat(hi))
      assert.strictEqual(snippet.reason._tag, "InvalidResponse")
      for (const error of [streamed, snippet]) for (const text of renderings(error)) assert.notInclude(text, Fixtures.KEY)
    }))

  it.live("traces with header capture on show x-goog-api-key as <redacted>", () =>
    Effect.gen(function*() {
      const spans: Array<Tracer.NativeSpan> = []
      const tracer = Tracer.make({
        span: (options) => {
          const span = new Tracer.NativeSpan(options)
          spans.push(span)
          return span
        }
      })
      const { backend } = yield* setup(everything)
      yield* backend.chat(hi).pipe(
        Effect.provideService(Tracer.Tracer, tracer),
        Effect.provideService(HttpClient.TracerHeaderFilter, () => true)
      )
      const attributes = spans.flatMap((span) => [...span.attributes.entries()])
      const header = attributes.find(([name]) => name === "http.request.header.x-goog-api-key")
      assert.isDefined(header, "the HTTP client span recorded request headers")
      assert.strictEqual(header![1], "<redacted>")
      for (const [, value] of attributes) assert.notInclude(String(value), Fixtures.KEY)
    }))
})

describe("Gemini configuration", () => {
  const fromEnv = (env: Record<string, string>) =>
    Gemini.layerConfig().pipe(
      Layer.provide(FetchHttpClient.layer),
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env })))
    )

  it.live("layerConfig reads GEMINI_API_KEY, GEMINI_BASE_URL and GEMINI_MODEL", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(() => ({ kind: "json", body: Fixtures.response() }))
      const env = { GEMINI_API_KEY: Fixtures.KEY, GOOGLE_API_KEY: "AIzaOTHER-000000000000000000000000", GEMINI_BASE_URL: `${server.url}/v1beta`, GEMINI_MODEL: "gemini-env" }
      yield* Effect.provide(LlmBackend.LlmBackend.use((backend) => backend.chat(hi)), fromEnv(env))
      assert.strictEqual(server.requests[0]!.url, "/v1beta/models/gemini-env:generateContent")
      assert.strictEqual(server.requests[0]!.headers["x-goog-api-key"], Fixtures.KEY)
    }))

  it.live("GOOGLE_API_KEY is used when GEMINI_API_KEY is absent", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(() => ({ kind: "json", body: Fixtures.response() }))
      const env = { GOOGLE_API_KEY: Fixtures.KEY, GEMINI_BASE_URL: `${server.url}/v1beta`, GEMINI_MODEL: "m" }
      yield* Effect.provide(LlmBackend.LlmBackend.use((backend) => backend.chat(hi)), fromEnv(env))
      assert.strictEqual(server.requests[0]!.headers["x-goog-api-key"], Fixtures.KEY)
    }))

  it.effect("without a key, the layer fails naming GEMINI_API_KEY", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Layer.build(fromEnv({})))
      assert.include(String(error), "GEMINI_API_KEY")
      assert.include(String(error), "GOOGLE_API_KEY")
    }))

  it.effect("the default base URL is Gemini's v1beta endpoint, and a key in the base URL is refused", () =>
    Effect.gen(function*() {
      assert.strictEqual(Gemini.DEFAULT_BASE_URL, "https://generativelanguage.googleapis.com/v1beta")
      const error = yield* Effect.flip(
        Gemini.make({ apiKey: undefined, apiKeys: [], baseUrl: `https://generativelanguage.googleapis.com/v1beta?key=${Fixtures.KEY}` }).pipe(
          Effect.provide(FetchHttpClient.layer)
        )
      )
      assert.strictEqual(error.setting, "baseUrl")
      assert.deepStrictEqual(Option.some(Gemini.envNames.apiKey), Option.some(["GEMINI_API_KEY", "GOOGLE_API_KEY"]))
    }))
})
