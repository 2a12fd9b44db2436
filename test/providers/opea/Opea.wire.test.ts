/**
 * The OPEA backend on the wire: the exact requests for chat, stream, embed
 * and rerank, each on its own microservice's URL, and how their answers
 * and OPEA's error bodies are read.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Stream } from "effect"
import * as Message from "../../../src/domain/Message.ts"
import * as FakeServer from "../../support/FakeServer.ts"
import { bodyOf, chunk, completion, errorBody, KEY, reranked, route, setup } from "./setup.ts"

const hi = { messages: [Message.user("Hi")], maxTokens: 32, topK: 5 }

describe("OPEA chat, stream and embed", () => {
  it.live("chat posts an OpenAI-style body to /v1/chat/completions, with max_tokens and top_k, and never stream:true", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup()
      const reply = yield* backend.chat({ ...hi, system: "Be brief." })
      assert.strictEqual(reply.text, "Hello there")
      assert.strictEqual(reply.finishReason, "stop")
      assert.strictEqual(reply.usage?.inputTokens, 12)
      assert.strictEqual(server.requests.length, 1)
      assert.strictEqual(server.requests[0]!.url, "/v1/chat/completions")
      assert.deepStrictEqual(bodyOf(server), {
        model: "Intel/neural-chat-7b-v3-3",
        messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }],
        top_k: 5,
        max_tokens: 32
      })
    }))

  // The predecessor forwarded stream:true and then parsed the SSE body as one JSON document.
  it.live("stream sends stream:true and reads the SSE frames as events, not the body as JSON", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup()
      const chunks = yield* Stream.runCollect(backend.stream(hi))
      const text = chunks.filter((c) => c._tag === "TextDelta").map((c) => c.text)
      assert.deepStrictEqual(text, ["Hello", " there"])
      assert.strictEqual(chunks.find((c) => c._tag === "Finish")?.reason, "stop")
      const body = bodyOf(server)
      assert.strictEqual(body["stream"], true)
      assert.deepStrictEqual(body["stream_options"], { include_usage: true })
      assert.strictEqual(server.requests[0]!.headers["accept"], "text/event-stream")
    }))

  it.live("a stream cut after content fails as StreamTruncated, not a short success", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "chunks", chunks: FakeServer.sse([chunk("Half")], { done: false }) }))
      const error = yield* Effect.flip(Stream.runCollect(backend.stream(hi)))
      assert.strictEqual(error.reason._tag, "StreamTruncated")
    }))

  it.live("embed posts to /v1/embeddings with encoding_format float and keeps input order", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup()
      const reply = yield* backend.embed(["a", "b"])
      assert.deepStrictEqual(reply.embeddings, [[0, 0.5], [1, 0.5]])
      assert.strictEqual(server.requests[0]!.url, "/v1/embeddings")
      assert.deepStrictEqual(bodyOf(server), { model: "BAAI/bge-base-en-v1.5", input: ["a", "b"], encoding_format: "float" })
    }))

  it.live("models is Unsupported (OPEA lists none) and nothing is sent", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup()
      assert.isFalse(backend.capabilities.models)
      const error = yield* Effect.flip(backend.models())
      assert.strictEqual(error.reason._tag, "Unsupported")
      assert.strictEqual(server.requests.length, 0)
    }))

  it.live("each service goes to its own URL; the base URL sees nothing it was not given", () =>
    Effect.gen(function*() {
      const base = yield* FakeServer.make(route)
      const chat = yield* FakeServer.make(route)
      const embed = yield* FakeServer.make(route)
      const rerank = yield* FakeServer.make(route)
      const { api, backend, reranker } = yield* setup(route, {
        baseUrl: base.url,
        chatUrl: chat.url,
        embeddingsUrl: `${embed.url}/`,
        rerankUrl: rerank.url
      })
      yield* backend.chat(hi)
      yield* Stream.runDrain(backend.stream(hi))
      yield* backend.embed("x")
      yield* reranker.rerank({ query: "q", documents: ["a", "b"] })
      yield* api.chatqna("What is OPEA?")
      assert.deepStrictEqual(chat.requests.map((r) => r.url), ["/v1/chat/completions", "/v1/chat/completions"])
      assert.deepStrictEqual(embed.requests.map((r) => r.url), ["/v1/embeddings"])
      assert.deepStrictEqual(rerank.requests.map((r) => r.url), ["/v1/reranking"])
      assert.deepStrictEqual(base.requests.map((r) => r.url), ["/v1/chatqna"])
      // One pipeline for the deployment: every call is in the same stats.
      assert.strictEqual((yield* backend.monitor.stats).total_requests, 5)
    }))

  it.live("no key: no Authorization header; a key: Bearer on every service", () =>
    Effect.gen(function*() {
      const open = yield* setup()
      yield* open.backend.chat(hi)
      assert.isUndefined(open.server.requests[0]!.headers["authorization"])
      const rerank = yield* FakeServer.make(route)
      const keyed = yield* setup(route, { apiKey: Redacted.make(KEY), rerankUrl: rerank.url })
      yield* keyed.backend.chat(hi)
      yield* keyed.reranker.rerank({ query: "q", documents: ["a"] })
      yield* keyed.api.health()
      for (const request of [...keyed.server.requests, ...rerank.requests]) {
        assert.strictEqual(request.headers["authorization"], `Bearer ${KEY}`)
      }
      assert.strictEqual(keyed.server.requests.length + rerank.requests.length, 3)
    }))

  it.live("OPEA's error codes decide the reason: 40303 is ContextLengthExceeded, 42901 RateLimited", () =>
    Effect.gen(function*() {
      const overflow = yield* setup(() => ({ kind: "json", status: 400, body: errorBody(40303, "prompt too long for the model") }))
      assert.strictEqual((yield* Effect.flip(overflow.backend.chat(hi))).reason._tag, "ContextLengthExceeded")
      const limited = yield* setup(() => ({ kind: "json", status: 500, body: errorBody(42901, "slow down") }))
      assert.strictEqual((yield* Effect.flip(limited.backend.chat(hi))).reason._tag, "RateLimited")
    }))
})

describe("OPEA reranking", () => {
  it.live("posts input, retrieved_docs as {text} and top_n = every document by default (OPEA's default is 1)", () =>
    Effect.gen(function*() {
      const { reranker, server } = yield* setup()
      const ranked = yield* reranker.rerank({ query: "capital of France", documents: ["Berlin", "Paris", "Rome"] })
      assert.strictEqual(server.requests[0]!.url, "/v1/reranking")
      assert.deepStrictEqual(bodyOf(server), {
        input: "capital of France",
        retrieved_docs: [{ text: "Berlin" }, { text: "Paris" }, { text: "Rome" }],
        top_n: 3
      })
      assert.strictEqual(ranked.provider, "opea")
      // The fake scores the first document highest: results sorted, indices recovered from the texts.
      assert.deepStrictEqual(ranked.results.map((r) => r.index), [0, 1, 2])
      assert.isUndefined(ranked.results[0]!.document)
    }))

  it.live("equal texts take distinct positions; topN and returnDocuments are honoured", () =>
    Effect.gen(function*() {
      const { reranker, server } = yield* setup(() => ({ kind: "json", body: reranked([["same", 0.9], ["other", 0.5], ["same", 0.7]]) }))
      const ranked = yield* reranker.rerank({ query: "q", documents: ["same", "other", "same"], topN: 3, returnDocuments: true })
      assert.deepStrictEqual(ranked.results.map((r) => [r.index, r.score, r.document]), [[0, 0.9, "same"], [2, 0.7, "same"], [1, 0.5, "other"]])
      assert.strictEqual(bodyOf(server)["top_n"], 3)
    }))

  it.live("an answer naming a document that was not sent is InvalidResponse", () =>
    Effect.gen(function*() {
      const { reranker } = yield* setup(() => ({ kind: "json", body: reranked([["invented", 1]]) }))
      const error = yield* Effect.flip(reranker.rerank({ query: "q", documents: ["a"] }))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
    }))

  it.live("bad input is InvalidRequest naming the field, a model is Unsupported; nothing is sent", () =>
    Effect.gen(function*() {
      const { reranker, server } = yield* setup()
      const empty = yield* Effect.flip(reranker.rerank({ query: "", documents: ["a"] }))
      assert.strictEqual(empty.reason._tag, "InvalidRequest")
      assert.strictEqual(empty.reason._tag === "InvalidRequest" ? empty.reason.field : undefined, "query")
      const model = yield* Effect.flip(reranker.rerank({ model: "bge-reranker", query: "q", documents: ["a"] }))
      assert.strictEqual(model.reason._tag, "Unsupported")
      assert.strictEqual(server.requests.length, 0)
    }))
})

describe("OPEA answers", () => {
  it.live("a completion without choices is InvalidResponse", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup(() => ({ kind: "json", body: completion("x", { choices: [] }) }))
      assert.strictEqual((yield* Effect.flip(backend.chat(hi))).reason._tag, "InvalidResponse")
    }))
})
