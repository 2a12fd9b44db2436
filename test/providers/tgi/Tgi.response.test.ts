/**
 * What we read from TGI: generate replies with and without details, the
 * token stream and its final event, info, health, models (TGI's bare object
 * and a list), chat; and every `{error, error_type}` shape, as a status or
 * inside a 200 stream, classified per dialect.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Stream } from "effect"
import * as ChatChunk from "../../../src/domain/ChatChunk.ts"
import * as Message from "../../../src/domain/Message.ts"
import type * as LlmError from "../../../src/LlmError.ts"
import type * as FakeServer from "../../support/FakeServer.ts"
import * as Fixtures from "../../support/TgiFixtures.ts"
import { KEY, setup } from "./setup.ts"

const hi = { messages: [Message.user("Hi")] }
const tag = (error: LlmError.LlmError) => error.reason._tag

describe("TGI responses", () => {
  it.live("generate with details: text, finish reason, token counts from prefill, tokens", () =>
    Effect.gen(function*() {
      const { api } = yield* setup(Fixtures.route)
      const reply = yield* api.generate({ inputs: "Hello", details: true, decoderInputDetails: true })
      assert.strictEqual(reply.text, "Hello world!")
      assert.strictEqual(reply.finishReason, "stop")
      assert.strictEqual(reply.rawFinishReason, "eos_token")
      assert.strictEqual(reply.model, "tgi")
      assert.deepStrictEqual(reply.details?.tokens?.map((t) => [t.text, t.special]), [[" world", false], ["!", false], ["</s>", true]])
      assert.strictEqual(reply.details?.seed, 42)
      assert.deepStrictEqual([reply.usage?.inputTokens, reply.usage?.outputTokens], [2, 3])
    }))

  it.live("generate without details: text only, finish reason other, no usage invented", () =>
    Effect.gen(function*() {
      const { api } = yield* setup(() => ({ kind: "json", body: Fixtures.generateReply("Paris") }))
      const reply = yield* api.generate({ inputs: "The capital of France is" })
      assert.strictEqual(reply.text, "Paris")
      assert.strictEqual(reply.finishReason, "other")
      assert.isUndefined(reply.usage)
      assert.isUndefined(reply.details)
    }))

  it.live("a length finish maps to length", () =>
    Effect.gen(function*() {
      const { api } = yield* setup(() => ({ kind: "json", body: Fixtures.generateReply("a b", Fixtures.details("length", 2)) }))
      assert.strictEqual((yield* api.generate({ inputs: "x" })).finishReason, "length")
    }))

  it.live("generateStream: token events, then the final event with the whole text and usage from details", () =>
    Effect.gen(function*() {
      const { api } = yield* setup(Fixtures.route)
      const events = yield* Stream.runCollect(api.generateStream({ inputs: "Hi", details: true }))
      assert.deepStrictEqual(events.map((e) => `${e._tag}:${e.token.text}`), ["Token:Hello", "Token: world", "Final:</s>"])
      const last = events[2]!
      assert.strictEqual(last._tag, "Final")
      if (last._tag !== "Final") return
      assert.isTrue(last.token.special)
      assert.strictEqual(last.response.text, "Hello world")
      assert.strictEqual(last.response.finishReason, "stop")
      assert.deepStrictEqual([last.response.usage?.inputTokens, last.response.usage?.outputTokens], [5, 2])
    }))

  it.live("info, health (200 and 503) and models (bare object or list)", () =>
    Effect.gen(function*() {
      let healthy = true
      let list = false
      const { api, backend } = yield* setup((request, i) => {
        if (request.url === "/health") {
          return healthy ? { kind: "text", body: "" } : { kind: "json", status: 503, body: Fixtures.error("unhealthy", "healthcheck") }
        }
        if (request.url === "/v1/models" && list) return { kind: "json", body: { object: "list", data: [Fixtures.modelInfo] } }
        return Fixtures.route(request, i)
      })
      const info = yield* api.info()
      assert.strictEqual(info.modelId, "HuggingFaceH4/zephyr-7b-beta")
      assert.deepStrictEqual([info.maxInputTokens, info.maxTotalTokens, info.maxClientBatchSize, info.version], [4095, 4096, 4, "3.0.1"])
      assert.isTrue(yield* api.health())
      healthy = false
      assert.isFalse(yield* api.health())
      const one = yield* backend.models()
      list = true
      const many = yield* backend.models()
      for (const models of [one, many]) {
        assert.deepStrictEqual(models.map((m) => [m.provider, m.id, m.ownedBy]), [["tgi", "HuggingFaceH4/zephyr-7b-beta", "HuggingFaceH4"]])
      }
    }))

  it.live("chat and stream read TGI's Messages API replies (eos_token is a stop)", () =>
    Effect.gen(function*() {
      const { backend } = yield* setup((request, i) =>
        (request.json as { stream?: boolean }).stream === true
          ? { kind: "chunks", chunks: Fixtures.frames([Fixtures.chatChunk("Hi"), Fixtures.chatChunk("</s>", "eos_token")]) }
          : Fixtures.route(request, i)
      )
      const reply = yield* backend.chat(hi)
      assert.strictEqual(reply.text, "Hello there.")
      assert.deepStrictEqual([reply.usage?.inputTokens, reply.usage?.outputTokens], [11, 4])
      const streamed = yield* ChatChunk.collect(backend.stream(hi))
      assert.strictEqual(streamed.finishReason, "stop")
      assert.strictEqual(streamed.rawFinishReason, "eos_token")
    }))
})

const failing = (status: number, body: unknown): FakeServer.Handler => () => ({ kind: "json", status, body })

describe("TGI errors", () => {
  for (const [name, status, body, expected] of [
    ["422 validation", 422, Fixtures.error("Input validation error: `temperature` must be strictly positive", "validation"), "InvalidRequest"],
    ["422 prompt too long", 422, Fixtures.error("Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 4000 `inputs` tokens and 500 `max_new_tokens`", "validation"), "ContextLengthExceeded"],
    ["422 input must have less than N tokens", 422, Fixtures.error("Input validation error: `inputs` must have less than 4095 tokens. Given: 5000", "validation"), "ContextLengthExceeded"],
    ["424 generation", 424, Fixtures.error("Request failed during generation: Server error: CUDA out of memory", "generation"), "ServerError"],
    ["429 overloaded (a full queue)", 429, Fixtures.error("Model is overloaded", "overloaded"), "Overloaded"],
    ["500 incomplete generation", 500, Fixtures.error("Incomplete generation", "incomplete_generation"), "ServerError"],
    ["503 unhealthy", 503, Fixtures.error("unhealthy", "healthcheck"), "Overloaded"],
    ["404 unknown route", 404, Fixtures.error("Not found", "not_found"), "NotFound"]
  ] as const) {
    it.live(`self-hosted ${name} → ${expected} (generate and chat)`, () =>
      Effect.gen(function*() {
        const { api, backend } = yield* setup(failing(status, body))
        const error = yield* Effect.flip(api.generate({ inputs: "x" }))
        assert.strictEqual(tag(error), expected)
        assert.strictEqual(error.status, status)
        assert.include(error.message, body.error.slice(0, 20))
        assert.strictEqual(tag(yield* Effect.flip(backend.chat(hi))), expected)
      }))
  }

  for (const [status, body, expected] of [
    [429, Fixtures.error("Model is overloaded", "overloaded"), "RateLimited"],
    [429, { error: "Rate limit reached" }, "RateLimited"],
    [402, { error: "You have exceeded your monthly included credits for Inference Providers." }, "QuotaExhausted"],
    [401, { error: "Invalid credentials in Authorization header" }, "Unauthorized"]
  ] as const) {
    it.live(`on the router a ${status} ${JSON.stringify(body.error).slice(0, 30)} → ${expected}`, () =>
      Effect.gen(function*() {
        const { backend } = yield* setup(failing(status, body), { target: "router", apiKey: Redacted.make(KEY), model: "m/x" })
        assert.strictEqual(tag(yield* Effect.flip(backend.chat(hi))), expected)
      }))
  }

  it.live("a 429 on a self-hosted server is not the key's fault; on the router it is", () =>
    Effect.gen(function*() {
      const own = yield* setup(failing(429, Fixtures.error("Model is overloaded", "overloaded")), { apiKey: Redacted.make(KEY) })
      const hosted = yield* setup(failing(429, Fixtures.error("Model is overloaded", "overloaded")), { target: "router", apiKey: Redacted.make(KEY), model: "m/x" })
      assert.isFalse((yield* Effect.flip(own.backend.chat(hi))).keyFault)
      assert.isTrue((yield* Effect.flip(hosted.backend.chat(hi))).keyFault)
    }))

  for (const [type, message, expected] of [
    ["validation", "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 17 `inputs` tokens and 10000 `max_new_tokens`", "ContextLengthExceeded"],
    ["validation", "Input validation error: `top_p` must be > 0.0 and < 1.0", "InvalidRequest"],
    ["generation", "Request failed during generation: Server error: out of memory", "ServerError"],
    ["overloaded", "Model is overloaded", "Overloaded"]
  ] as const) {
    it.live(`an in-stream ${type} event (${expected}) after tokens fails the stream, keeping what came before`, () =>
      Effect.gen(function*() {
        const { api } = yield* setup(() => Fixtures.sse([Fixtures.tokenEvent(1, "Hel"), Fixtures.error(message, type)]))
        const seen: Array<string> = []
        const error = yield* Effect.flip(Stream.runForEach(api.generateStream({ inputs: "x" }), (e) => Effect.sync(() => seen.push(e.token.text))))
        assert.strictEqual(tag(error), expected)
        assert.deepStrictEqual(seen, ["Hel"])
      }))
  }

  it.live("a stream that ends without its final event: StreamTruncated after tokens, Network before any", () =>
    Effect.gen(function*() {
      const cut = yield* setup(() => Fixtures.sse([Fixtures.tokenEvent(1, "Hel"), Fixtures.tokenEvent(2, "lo")]))
      assert.strictEqual(tag(yield* Effect.flip(Stream.runDrain(cut.api.generateStream({ inputs: "x" })))), "StreamTruncated")
      const empty = yield* setup(() => Fixtures.sse([]))
      assert.strictEqual(tag(yield* Effect.flip(Stream.runDrain(empty.api.generateStream({ inputs: "x" })))), "Network")
    }))

  it.live("a malformed event is InvalidResponse; frames after the final one are ignored", () =>
    Effect.gen(function*() {
      const bad = yield* setup(() => ({ kind: "chunks", chunks: ["data:{not json\n\n"] }))
      assert.strictEqual(tag(yield* Effect.flip(Stream.runDrain(bad.api.generateStream({ inputs: "x" })))), "InvalidResponse")
      const extra = yield* setup(() =>
        Fixtures.sse([Fixtures.finalEvent(1, "a", "a"), { junk: true }])
      )
      const events = yield* Stream.runCollect(extra.api.generateStream({ inputs: "x" }))
      assert.deepStrictEqual(events.map((e) => e._tag), ["Final"])
    }))

  it.live("a 200 with a body that is not a generate reply is InvalidResponse", () =>
    Effect.gen(function*() {
      const { api } = yield* setup(() => ({ kind: "json", body: [{ generated_text: 5 }] }))
      assert.strictEqual(tag(yield* Effect.flip(api.generate({ inputs: "x" }))), "InvalidResponse")
    }))
})
