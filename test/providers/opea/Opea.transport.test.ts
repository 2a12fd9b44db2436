/**
 * Every OPEA microservice at its own URL gets the same transport rules as
 * any backend: a configured key is trimmed and every form of it scrubbed,
 * the body caps and `malformedEvents` of the policy hold, and
 * `transformClient` changes every service's client. (Its transports were
 * once built apart from the backend's and had none of these.)
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Stream } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { ChatChunk } from "../../../src/index.ts"
import type * as LlmError from "../../../src/LlmError.ts"
import * as Message from "../../../src/domain/Message.ts"
import * as Opea from "../../../src/providers/opea/Opea.ts"
import * as FakeServer from "../../support/FakeServer.ts"
import * as Secrets from "../../support/Secrets.ts"
import { chunk, route } from "./setup.ts"

// Shaped like no known key pattern, so only the configured-secret scrub can catch it.
const KEY = "opea-transport-Gateway-Token-Plain-XYZ"

const hi = { messages: [Message.user("Hi")] }

/** A gateway and four microservices, each its own server. */
const deployment = (handler: FakeServer.Handler, options: Opea.Options = {}) =>
  Effect.gen(function*() {
    const gateway = yield* FakeServer.make(handler)
    const chat = yield* FakeServer.make(handler)
    const embeddings = yield* FakeServer.make(handler)
    const rerank = yield* FakeServer.make(handler)
    const chatqna = yield* FakeServer.make(handler)
    const services = yield* Opea.build({
      baseUrl: gateway.url,
      chatUrl: chat.url,
      embeddingsUrl: embeddings.url,
      rerankUrl: rerank.url,
      chatqnaUrl: chatqna.url,
      model: "m",
      embeddingModel: "e",
      policy: { maxRetries: 0, circuitBreaker: false, ...options.policy },
      ...options
    }).pipe(Effect.provide(FetchHttpClient.layer))
    return { services, servers: { gateway, chat, embeddings, rerank, chatqna } }
  })

// Echoes the key as sent, in the body and in a request-id header we keep.
// (Without "Bearer ": that shape is scrubbed by pattern whatever the configured secrets.)
const sent = (request: FakeServer.Recorded) => request.headers["authorization"]?.replace(/^Bearer /, "") ?? ""
const echo: FakeServer.Handler = (request) => ({
  kind: "json",
  status: 401,
  headers: { "x-request-id": `id-${sent(request)}` },
  body: { object: "error", message: `bad token ${sent(request)}`, code: 40102 }
})

describe("OPEA microservices share the backend's transport rules", () => {
  it.live("a key with a trailing newline is sent trimmed and scrubbed on every service", () =>
    Effect.gen(function*() {
      const { services, servers } = yield* deployment(echo, { apiKey: Redacted.make(`${KEY}\n`) })
      const calls: ReadonlyArray<readonly [string, Effect.Effect<unknown, LlmError.LlmError>]> = [
        ["chat", services.backend.chat(hi)],
        ["embed", services.backend.embed("x")],
        ["rerank", services.reranker.rerank({ query: "q", documents: ["a"] })],
        ["chatqna", services.api.chatqna("q")]
      ]
      for (const [where, call] of calls) {
        const error = yield* Effect.flip(call)
        Secrets.assertNoSecret(error, KEY, where)
        // The pool ejects the key after the first 401; only that call reaches a server.
        if (where === "chat") assert.include(error.message, "[REDACTED]")
      }
      assert.strictEqual(servers.chat.requests[0]!.headers["authorization"], `Bearer ${KEY}`)
    }))

  it.live("each service's key scrubbed once it comes back from that service", () =>
    Effect.gen(function*() {
      for (const service of ["embed", "rerank", "chatqna"] as const) {
        const { services, servers } = yield* deployment(echo, { apiKey: Redacted.make(`  ${KEY}\r\n`) })
        const call: Effect.Effect<unknown, LlmError.LlmError> = service === "embed"
          ? services.backend.embed("x")
          : service === "rerank"
          ? services.reranker.rerank({ query: "q", documents: ["a"] })
          : services.api.chatqna("q")
        const error = yield* Effect.flip(call)
        const server = service === "embed" ? servers.embeddings : service === "rerank" ? servers.rerank : servers.chatqna
        assert.strictEqual(server.requests.length, 1, `${service} reached its own server`)
        Secrets.assertNoSecret(error, KEY, service)
        assert.include(error.message, "[REDACTED]")
        assert.include(error.providerRequestId ?? "", "[REDACTED]", "a kept header is scrubbed too")
      }
    }))

  it.live("malformedEvents: skip holds on the chat service and on ChatQnA's stream", () =>
    Effect.gen(function*() {
      const garbled: FakeServer.Handler = (request) =>
        request.url === "/v1/chatqna"
          ? { kind: "chunks", chunks: ["data: b'Hel'\n\n", "data: {\"unterminated\n\n", "data: b'lo'\n\n", "data: [DONE]\n\n"] }
          : { kind: "chunks", chunks: FakeServer.sse([chunk("Hel"), "{\"unterminated", chunk("lo", "stop")]) }
      const { services, servers } = yield* deployment(garbled, { policy: { malformedEvents: "skip" } })
      const chat = yield* ChatChunk.collect(services.backend.stream(hi), "opea")
      assert.strictEqual(chat.text, "Hello")
      assert.strictEqual(chat.warnings?.length, 1)
      const qna = yield* Stream.runCollect(services.api.chatqnaStream("q"))
      const text = qna.flatMap((c) => c._tag === "TextDelta" ? [c.text] : []).join("")
      assert.strictEqual(text, "Hello")
      assert.strictEqual(qna.filter((c) => c._tag === "Metadata" && c.warnings !== undefined).length, 1)
      assert.strictEqual(servers.chat.requests.length, 1)
      assert.strictEqual(servers.chatqna.requests.length, 1)
      // The default still fails the stream.
      const strict = yield* deployment(garbled)
      const error = yield* Effect.flip(Stream.runDrain(strict.services.api.chatqnaStream("q")))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
    }))

  it.live("maxResponseBytes caps every service's body", () =>
    Effect.gen(function*() {
      const big: FakeServer.Handler = () => ({ kind: "text", body: JSON.stringify({ reranked_docs: [{ text: "a".repeat(4096), score: 1 }] }) })
      const { services, servers } = yield* deployment(big, { policy: { maxResponseBytes: 1024 } })
      const error = yield* Effect.flip(services.reranker.rerank({ query: "q", documents: ["a"] }))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      assert.include(error.message, "maxResponseBytes")
      assert.strictEqual(servers.rerank.requests.length, 1)
    }))

  it.live("transformClient reaches every service", () =>
    Effect.gen(function*() {
      const { services, servers } = yield* deployment(route, {
        transformClient: HttpClient.mapRequest(HttpClientRequest.setHeader("x-proxy", "p1"))
      })
      yield* services.backend.chat(hi)
      yield* services.backend.embed("x")
      yield* services.reranker.rerank({ query: "q", documents: ["a"] })
      yield* services.api.chatqna("q")
      for (const name of ["chat", "embeddings", "rerank", "chatqna"] as const) {
        assert.strictEqual(servers[name].requests.length, 1, name)
        assert.strictEqual(servers[name].requests[0]!.headers["x-proxy"], "p1", name)
      }
    }))
})
