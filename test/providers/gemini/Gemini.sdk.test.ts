/**
 * Google's official `@google/genai` SDK reads our fake server's replies (the
 * fixtures every Gemini wire test uses): if it could not, our fake, and so
 * our wire tests, would be wrong.
 */
import { ApiError, GoogleGenAI } from "@google/genai"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as FakeServer from "../../support/FakeServer.ts"
import * as Fixtures from "../../support/GeminiFixtures.ts"

const route: FakeServer.Handler = (request) => {
  const text = JSON.stringify(request.json ?? {})
  if (request.url.includes(":streamGenerateContent")) {
    return {
      kind: "chunks",
      chunks: text.includes("weather")
        ? Fixtures.sse([Fixtures.frame([Fixtures.functionCall("get_weather", { city: "Paris" })], "STOP", Fixtures.usageMetadata(20, 6))])
        : Fixtures.sse([
          Fixtures.frame([{ text: "Hello" }], undefined, { promptTokenCount: 5, totalTokenCount: 5 }),
          Fixtures.frame([{ text: " world" }], "STOP", Fixtures.usageMetadata(5, 2))
        ])
    }
  }
  if (request.url.includes(":generateContent")) {
    if (text.includes("fail please")) return { kind: "json", status: 429, body: Fixtures.rateLimited("1s") }
    if (text.includes("weather")) return { kind: "json", body: Fixtures.response({ parts: [Fixtures.functionCall("get_weather", { city: "Paris" })] }) }
    return { kind: "json", body: Fixtures.response({ usage: Fixtures.usageMetadata(12, 3, { cachedContentTokenCount: 4 }) }) }
  }
  if (request.url.includes(":batchEmbedContents")) return { kind: "json", body: { embeddings: [{ values: [0.25, -0.5] }] } }
  if (request.url.includes(":embedContent")) return { kind: "json", body: { embedding: { values: [0.25, -0.5] } } }
  if (request.url.startsWith("/v1beta/models")) {
    return { kind: "json", body: request.url.includes("pageToken=p2") ? Fixtures.modelsPage(["gemini-1.5-pro"]) : Fixtures.modelsPage(["gemini-2.0-flash"], "p2") }
  }
  return { kind: "json", status: 404, body: Fixtures.errorBody(404, "NOT_FOUND", "no route") }
}

const sdk = (url: string) =>
  // SDK 3.x defaults to the v1 API; we speak v1beta, as the recordings do.
  new GoogleGenAI({ apiKey: Fixtures.KEY, httpOptions: { baseUrl: url, apiVersion: "v1beta", retryOptions: { attempts: 1 } } })

describe("the official @google/genai SDK reads our fake server", () => {
  it.live("a generateContent reply: text, usage, ids; the SDK sent its key in x-goog-api-key", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(route)
      const reply = yield* Effect.promise(() => sdk(server.url).models.generateContent({ model: "gemini-2.0-flash", contents: "Hi" }))
      assert.strictEqual(reply.text, "Hello there.")
      assert.strictEqual(reply.usageMetadata?.promptTokenCount, 12)
      assert.strictEqual(reply.usageMetadata?.cachedContentTokenCount, 4)
      assert.strictEqual(reply.responseId, "resp_fake_1")
      assert.strictEqual(reply.candidates?.[0]?.finishReason, "STOP")
      assert.strictEqual(server.requests[0]!.url, "/v1beta/models/gemini-2.0-flash:generateContent")
      assert.strictEqual(server.requests[0]!.headers["x-goog-api-key"], Fixtures.KEY)
    }))

  it.live("a function-call reply, through the SDK's functionCalls accessor", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(route)
      const reply = yield* Effect.promise(() => sdk(server.url).models.generateContent({ model: "gemini-2.0-flash", contents: "weather?" }))
      assert.deepStrictEqual(reply.functionCalls?.map((c) => [c.name, c.args]), [["get_weather", { city: "Paris" }]])
    }))

  it.live("a CRLF-framed streamGenerateContent reply, chunk by chunk", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(route)
      const parts = yield* Effect.promise(async () => {
        const out: Array<string> = []
        for await (const chunk of await sdk(server.url).models.generateContentStream({ model: "gemini-2.0-flash", contents: "Hi" })) {
          out.push(chunk.text ?? "")
        }
        return out
      })
      assert.deepStrictEqual(parts, ["Hello", " world"])
      assert.strictEqual(server.requests[0]!.url, "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse")
    }))

  it.live("a streamed function call", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(route)
      const calls = yield* Effect.promise(async () => {
        const out: Array<unknown> = []
        for await (const chunk of await sdk(server.url).models.generateContentStream({ model: "gemini-2.0-flash", contents: "weather?" })) {
          out.push(...(chunk.functionCalls ?? []).map((c) => [c.name, c.args]))
        }
        return out
      })
      assert.deepStrictEqual(calls, [["get_weather", { city: "Paris" }]])
    }))

  it.live("embeddings and a two-page model list", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(route)
      const client = sdk(server.url)
      const vectors = yield* Effect.promise(() => client.models.embedContent({ model: "text-embedding-004", contents: "hello" }))
      assert.deepStrictEqual(vectors.embeddings?.[0]?.values, [0.25, -0.5])
      const names = yield* Effect.promise(async () => {
        const out: Array<string> = []
        for await (const model of await client.models.list()) out.push(model.name ?? "")
        return out
      })
      assert.deepStrictEqual(names, ["models/gemini-2.0-flash", "models/gemini-1.5-pro"])
    }))

  it.live("an error body, as the SDK's ApiError with its status", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(route)
      const error = yield* Effect.promise(() =>
        sdk(server.url).models.generateContent({ model: "gemini-2.0-flash", contents: "fail please" }).then(() => undefined, (e: unknown) => e)
      )
      assert.instanceOf(error, ApiError)
      assert.strictEqual((error as ApiError).status, 429)
      assert.include((error as ApiError).message, "RESOURCE_EXHAUSTED")
    }))
})
