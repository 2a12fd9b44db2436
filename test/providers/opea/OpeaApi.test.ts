/**
 * The ChatQnA megaservice and health checks: what we send (always an
 * explicit `stream`, since the gateway streams by default), and both stream
 * framings the gateway forwards (Python bytes literals and OpenAI chunks).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import * as ChatChunk from "../../../src/domain/ChatChunk.ts"
import * as Content from "../../../src/domain/Content.ts"
import * as Message from "../../../src/domain/Message.ts"
import { bytesLiteral } from "../../../src/providers/opea/ChatQnaStream.ts"
import * as FakeServer from "../../support/FakeServer.ts"
import { bodyOf, bytesStream, chunk, health, route, setup } from "./setup.ts"

const textOf = (chunks: ReadonlyArray<ChatChunk.ChatChunk>) =>
  chunks.map((c) => c._tag === "TextDelta" ? c.text : "").join("")

describe("ChatQnA", () => {
  // The predecessor's calls came back as SSE because the gateway streams when `stream` is absent.
  it.live("a plain question is sent as a string with stream:false, and the JSON answer is read", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup()
      const reply = yield* api.chatqna("What is OPEA?")
      assert.strictEqual(reply.text, "OPEA is open.")
      assert.strictEqual(reply.model, "chatqna")
      assert.strictEqual(server.requests[0]!.url, "/v1/chatqna")
      assert.deepStrictEqual(bodyOf(server), { model: "Intel/neural-chat-7b-v3-3", messages: "What is OPEA?", stream: false })
      // The gateway's all-zero UsageInfo() counts nothing: no usage rather than a free call.
      assert.isUndefined(reply.usage)
    }))

  it.live("a conversation goes as role/content turns with the system first, settings mapped", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup()
      yield* api.chatqna({
        system: "Answer from the documents.",
        messages: [
          Message.user("Hi"),
          Message.assistant("Hello"),
          Message.user([Content.text("And this?"), Content.imageUrl("https://example.com/a.png")])
        ],
        maxTokens: 64,
        temperature: 0.2,
        topP: 0.9,
        topK: 10,
        repetitionPenalty: 1.03
      })
      assert.deepStrictEqual(bodyOf(server), {
        model: "Intel/neural-chat-7b-v3-3",
        messages: [
          { role: "system", content: "Answer from the documents." },
          { role: "user", content: "Hi" },
          { role: "assistant", content: "Hello" },
          { role: "user", content: [{ type: "text", text: "And this?" }, { type: "image_url", image_url: { url: "https://example.com/a.png" } }] }
        ],
        max_tokens: 64,
        temperature: 0.2,
        top_p: 0.9,
        top_k: 10,
        repetition_penalty: 1.03,
        stream: false
      })
    }))

  it.live("tool turns are Unsupported and an empty question InvalidRequest; nothing is sent", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup()
      const tools = yield* Effect.flip(api.chatqna({ messages: [Message.tool([Content.toolResult("c1", "42")])] }))
      assert.strictEqual(tools.reason._tag, "Unsupported")
      const empty = yield* Effect.flip(api.chatqna(""))
      assert.strictEqual(empty.reason._tag, "InvalidRequest")
      assert.strictEqual(empty.reason._tag === "InvalidRequest" ? empty.reason.field : undefined, "messages")
      assert.strictEqual(server.requests.length, 0)
    }))

  it.live("a gateway that streams anyway is a clear InvalidResponse, not a mangled answer", () =>
    Effect.gen(function*() {
      const { api } = yield* setup(() => bytesStream(["b'Hi'"]))
      const error = yield* Effect.flip(api.chatqna("Hi"))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
    }))

  it.live("the stream sends stream:true and reads bytes-literal frames as text, ending at [DONE]", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup()
      const chunks = yield* Stream.runCollect(api.chatqnaStream("What is OPEA?"))
      assert.strictEqual(textOf(chunks), "OPEA is open.")
      assert.isDefined(chunks.find((c) => c._tag === "Finish"))
      assert.strictEqual(bodyOf(server)["stream"], true)
      assert.strictEqual(server.requests[0]!.headers["accept"], "text/event-stream")
    }))

  it.live("escapes in bytes literals are decoded as UTF-8 (é, newlines, quotes)", () =>
    Effect.gen(function*() {
      const { api } = yield* setup(() => bytesStream(["b'caf\\xc3\\xa9'", "b'\\nit\\'s'", "b\"a 'b'\""]))
      const chunks = yield* Stream.runCollect(api.chatqnaStream("q"))
      assert.strictEqual(textOf(chunks), "café\nit'sa 'b'")
    }))

  it.live("OpenAI-style chunks forwarded by the gateway are read too", () =>
    Effect.gen(function*() {
      const { api } = yield* setup(() => ({ kind: "chunks", chunks: FakeServer.sse([chunk("Par"), chunk("is"), chunk(undefined, "stop")]) }))
      const chunks = yield* Stream.runCollect(api.chatqnaStream("q"))
      assert.strictEqual(textOf(chunks), "Paris")
      assert.strictEqual(chunks.find((c) => c._tag === "Finish")?.reason, "stop")
    }))

  it.live("bytes frames without [DONE] fail as StreamTruncated; a frame that is neither form is InvalidResponse", () =>
    Effect.gen(function*() {
      const cut = yield* setup(() => bytesStream(["b'Half'"], false))
      assert.strictEqual((yield* Effect.flip(Stream.runCollect(cut.api.chatqnaStream("q")))).reason._tag, "StreamTruncated")
      const junk = yield* setup(() => ({ kind: "chunks", chunks: ["data: <html>oops</html>\n\n"] }))
      assert.strictEqual((yield* Effect.flip(Stream.runCollect(junk.api.chatqnaStream("q")))).reason._tag, "InvalidResponse")
    }))

  it("bytesLiteral reads only Python bytes literals", () => {
    assert.strictEqual(bytesLiteral("b'a\\\\b'"), "a\\b")
    assert.strictEqual(bytesLiteral("b'\\t\\x41'"), "\tA")
    // Raw text the gateway wraps unescaped stays as it is, astral characters included.
    assert.strictEqual(bytesLiteral("b'naïve 🎉'"), "naïve 🎉")
    assert.isUndefined(bytesLiteral("{\"choices\":[]}"))
    assert.isUndefined(bytesLiteral("plain"))
    assert.isUndefined(bytesLiteral("b'unterminated"))
  })
})

describe("health", () => {
  it.live("GET /v1/health_check on the megaservice by default, or on the service named", () =>
    Effect.gen(function*() {
      const rerank = yield* FakeServer.make(route)
      const { api, server } = yield* setup(route, { rerankUrl: rerank.url })
      const report = yield* api.health()
      assert.strictEqual(report.service, "chatqna")
      assert.deepStrictEqual(report.details, health)
      assert.strictEqual(server.requests[0]!.method, "GET")
      assert.strictEqual(server.requests[0]!.url, "/v1/health_check")
      yield* api.health("rerank")
      assert.deepStrictEqual(rerank.requests.map((r) => `${r.method} ${r.url}`), ["GET /v1/health_check"])
    }))

  it.live("an unhealthy service is a typed failure", () =>
    Effect.gen(function*() {
      const { api } = yield* setup(() => ({ kind: "json", status: 503, body: { detail: "starting" } }))
      assert.strictEqual((yield* Effect.flip(api.health())).reason._tag, "Overloaded")
    }))
})
