/**
 * The Vercel `ai` SDK with `@ai-sdk/openai` against the gateway.
 */
import { createOpenAI } from "@ai-sdk/openai"
import { assert, describe, it } from "@effect/vitest"
import { APICallError, generateText, streamText } from "ai"
import { Effect } from "effect"
import * as S from "./support.ts"

describe("gateway with the ai SDK", () => {
  it.live("generateText and streamText (with usage)", () =>
    Effect.gen(function*() {
      const up = yield* S.upstream((request) =>
        request.json.stream === true
          ? { kind: "sse", frames: S.sse([S.chunk({ role: "assistant", content: "Str" }), S.chunk({ content: "eamed" }), S.chunk({}, "stop"), S.usageChunk(3, 2)]) }
          : { kind: "json", body: S.completion("Generated") }
      )
      const { url } = yield* S.serve(S.baseConfig([S.backend("primary", up.url)]))
      const provider = createOpenAI({ apiKey: S.CLIENT_KEY, baseURL: `${url}/v1` })
      const generated = yield* Effect.promise(() => generateText({ model: provider.chat("up-model"), prompt: "Hi", maxRetries: 0 }))
      assert.strictEqual(generated.text, "Generated")
      assert.strictEqual(generated.usage.inputTokens, 5)
      const streamed = yield* Effect.promise(async () => {
        const result = streamText({ model: provider.chat("up-model"), prompt: "Hi", maxRetries: 0 })
        let text = ""
        for await (const part of result.textStream) text += part
        return { text, usage: await result.usage }
      })
      assert.strictEqual(streamed.text, "Streamed")
      assert.strictEqual(streamed.usage.outputTokens, 2)
      assert.isTrue(up.seen[1]!.json.stream_options?.include_usage === true || up.seen[1]!.json.stream === true)
    }))

  it.live("a rate limit reaches the ai SDK as an APICallError with status 429 and retry-after", () =>
    Effect.gen(function*() {
      const up = yield* S.upstream(() => ({
        kind: "json",
        status: 429,
        headers: { "retry-after": "3" },
        body: { error: { message: "slow down", type: "requests", code: "rate_limit_exceeded" } }
      }))
      const { url } = yield* S.serve(S.baseConfig([S.backend("primary", up.url)]))
      const provider = createOpenAI({ apiKey: S.CLIENT_KEY, baseURL: `${url}/v1` })
      const error = yield* Effect.promise(() => generateText({ model: provider.chat("up-model"), prompt: "Hi", maxRetries: 0 }).then(() => undefined, (e: unknown) => e))
      assert.isTrue(APICallError.isInstance(error))
      const call = error as APICallError
      assert.strictEqual(call.statusCode, 429)
      assert.strictEqual(call.responseHeaders?.["retry-after"], "3")
      assert.strictEqual(up.seen.length, 1)
    }))
})
