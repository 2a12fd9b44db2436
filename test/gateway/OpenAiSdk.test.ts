/**
 * The official `openai` SDK against the gateway over local fake backends:
 * if the SDK cannot read the gateway, the gateway is wrong.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import OpenAI from "openai"
import * as S from "./support.ts"

const sdk = (url: string, key = S.CLIENT_KEY) => new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries: 0 })

describe("gateway with the openai SDK", () => {
  it.live("chat: the answer, usage and the request id; the provider key goes upstream only", () =>
    Effect.gen(function*() {
      const up = yield* S.upstream(() => ({ kind: "json", body: S.completion("Hello from upstream") }))
      const { url } = yield* S.serve(S.baseConfig([S.backend("primary", up.url)], { routes: [{ match: "smart", targets: ["primary"] }] }))
      const { data, response } = yield* Effect.promise(() =>
        sdk(url).chat.completions.create({ model: "smart", messages: [{ role: "user", content: "Hi" }] }, { headers: { "x-request-id": "req-123" } }).withResponse()
      )
      assert.strictEqual(data.choices[0]!.message.content, "Hello from upstream")
      assert.deepStrictEqual(data.usage, { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 })
      assert.strictEqual(response.headers.get("x-request-id"), "req-123")
      assert.strictEqual(up.seen.length, 1)
      assert.strictEqual(up.seen[0]!.headers.authorization, `Bearer ${S.PROVIDER_KEY}`)
      // The alias is the gateway's; the backend is asked for its own model.
      assert.strictEqual(up.seen[0]!.json.model, "up-model")
    }))

  it.live("stream with usage: SSE chunks, the usage chunk, then [DONE]", () =>
    Effect.gen(function*() {
      const up = yield* S.upstream(() => ({
        kind: "sse",
        frames: S.sse([S.chunk({ role: "assistant", content: "Hel" }), S.chunk({ content: "lo" }), S.chunk({}, "stop"), S.usageChunk(4, 2)])
      }))
      const { url } = yield* S.serve(S.baseConfig([S.backend("primary", up.url)]))
      const parts = yield* Effect.promise(async () => {
        const stream = await sdk(url).chat.completions.create({
          model: "up-model",
          messages: [{ role: "user", content: "Hi" }],
          stream: true,
          stream_options: { include_usage: true }
        })
        const out: Array<OpenAI.ChatCompletionChunk> = []
        for await (const c of stream) out.push(c)
        return out
      })
      assert.strictEqual(parts.map((p) => p.choices[0]?.delta.content ?? "").join(""), "Hello")
      assert.strictEqual(parts.find((p) => p.choices[0]?.finish_reason)?.choices[0]?.finish_reason, "stop")
      assert.deepStrictEqual(parts.at(-1)!.usage, { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 })
      assert.strictEqual(up.seen[0]!.json.stream, true)
    }))

  it.live("tools: the definitions go upstream and tool calls come back", () =>
    Effect.gen(function*() {
      const up = yield* S.upstream(() => ({
        kind: "json",
        body: S.completion(null, { tool_calls: [{ id: "call_1", type: "function", function: { name: "weather", arguments: "{\"city\":\"Paris\"}" } }] })
      }))
      const { url } = yield* S.serve(S.baseConfig([S.backend("primary", up.url)]))
      const data = yield* Effect.promise(() =>
        sdk(url).chat.completions.create({
          model: "up-model",
          messages: [{ role: "user", content: "Weather?" }],
          tools: [{ type: "function", function: { name: "weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }]
        })
      )
      const call = data.choices[0]!.message.tool_calls![0]!
      assert.strictEqual(call.type === "function" ? call.function.name : "", "weather")
      assert.strictEqual(call.type === "function" ? call.function.arguments : "", "{\"city\":\"Paris\"}")
      assert.strictEqual(up.seen[0]!.json.tools[0].function.name, "weather")
    }))

  it.live("embeddings and models", () =>
    Effect.gen(function*() {
      const up = yield* S.upstream(() => ({
        kind: "json",
        body: { object: "list", model: "emb", data: [{ object: "embedding", index: 0, embedding: [0.5, 0.25] }], usage: { prompt_tokens: 3, total_tokens: 3 } }
      }))
      const { url } = yield* S.serve(S.baseConfig([S.backend("primary", up.url, { embeddingModel: "emb" })], {
        routes: [{ match: "smart", targets: ["primary"] }, { match: "vectors", targets: ["primary"] }, { match: "gpt-*", targets: ["primary"] }]
      }))
      const vectors = yield* Effect.promise(() => sdk(url).embeddings.create({ model: "vectors", input: "hello", encoding_format: "float" }))
      assert.deepStrictEqual(vectors.data[0]!.embedding, [0.5, 0.25])
      assert.strictEqual(up.seen[0]!.json.model, "emb")
      const models = yield* Effect.promise(async () => {
        const out: Array<string> = []
        for await (const m of sdk(url).models.list()) out.push(m.id)
        return out
      })
      assert.deepStrictEqual(models, ["smart", "vectors"])
    }))

  it.live("every error status maps to the SDK's class", () =>
    Effect.gen(function*() {
      let mode = "ok"
      const limitedUp = yield* S.upstream(() => ({
        kind: "json",
        status: 429,
        headers: { "retry-after": "7" },
        body: { error: { message: "slow down", type: "requests", code: "rate_limit_exceeded" } }
      }))
      const up = yield* S.upstream(() =>
        mode === "500"
          ? { kind: "json", status: 500, body: { error: { message: "boom", type: "server_error" } } }
          : { kind: "json", body: S.completion("fine") }
      )
      const stuck = yield* S.upstream(() => ({ kind: "hang" }))
      const { url } = yield* S.serve(S.baseConfig([
        S.backend("primary", up.url, { policy: { max_retries: 0, failure_threshold: 1, reset_timeout: 60 } }),
        S.backend("stuck", stuck.url),
        S.backend("limited", limitedUp.url)
      ], {
        routes: [{ match: "smart", targets: ["primary"] }, { match: "slow", targets: ["stuck"] }, { match: "limited", targets: ["limited"] }],
        router: { timeoutMs: 300 }
      }))
      const ask = (model: string, extra: Record<string, unknown> = {}, key?: string) =>
        Effect.promise(() =>
          sdk(url, key).chat.completions.create({ model, messages: [{ role: "user", content: "Hi" }], ...extra }).then(() => undefined, (e: unknown) => e)
        )
      const bad = yield* ask("smart", { n: 2 })
      assert.instanceOf(bad, OpenAI.BadRequestError)
      assert.strictEqual((bad as InstanceType<typeof OpenAI.BadRequestError>).param, "n")
      assert.instanceOf(yield* ask("smart", {}, "wrong-key"), OpenAI.AuthenticationError)
      const missing = yield* ask("no-such-model")
      assert.instanceOf(missing, OpenAI.NotFoundError)
      assert.strictEqual(up.seen.length, 0, "nothing reached the backend for 400, 401, 404")
      const limited = yield* ask("limited")
      assert.instanceOf(limited, OpenAI.RateLimitError)
      assert.strictEqual((limited as InstanceType<typeof OpenAI.RateLimitError>).headers?.get("retry-after"), "7")
      const late = yield* ask("slow")
      assert.instanceOf(late, OpenAI.APIError)
      assert.strictEqual((late as InstanceType<typeof OpenAI.APIError>).status, 504)
      assert.strictEqual(stuck.seen.length, 1)
      mode = "500"
      const failed = yield* ask("smart")
      assert.strictEqual((failed as InstanceType<typeof OpenAI.APIError>).status, 502)
      // The breaker (threshold 1) is open now: every target is, so 503 with Retry-After.
      const seenBefore = up.seen.length
      const open = yield* ask("smart")
      assert.instanceOf(open, OpenAI.InternalServerError)
      assert.strictEqual((open as InstanceType<typeof OpenAI.APIError>).status, 503)
      assert.isTrue(Number((open as InstanceType<typeof OpenAI.APIError>).headers?.get("retry-after")) > 0)
      assert.strictEqual(up.seen.length, seenBefore, "an open breaker spends nothing upstream")
    }))
})
