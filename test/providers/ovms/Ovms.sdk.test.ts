/**
 * The official `openai` SDK (pointed at `/v3`, as OVMS's own docs do with
 * OpenAI clients) reads our fake OVMS's `/v3` replies: if it could not, the
 * fixtures our OVMS wire tests rest on would be wrong.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import OpenAI from "openai"
import * as FakeServer from "../../support/FakeServer.ts"
import { route } from "./setup.ts"

describe("the openai SDK reads our fake OVMS /v3", () => {
  it.live("a completion, a stream with usage, and embeddings", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(route)
      const client = new OpenAI({ apiKey: "unused", baseURL: `${server.url}/v3`, maxRetries: 0 })
      const reply = yield* Effect.promise(() => client.chat.completions.create({ model: "llama3", messages: [{ role: "user", content: "Hi" }] }))
      assert.strictEqual(reply.choices[0]?.message.content, "How can I help you?")
      assert.strictEqual(reply.usage?.total_tokens, 60)
      const text = yield* Effect.promise(async () => {
        const stream = await client.chat.completions.create({
          model: "llama3",
          messages: [{ role: "user", content: "Hi" }],
          stream: true,
          stream_options: { include_usage: true }
        })
        let out = ""
        let usage = 0
        for await (const chunk of stream) {
          out += chunk.choices[0]?.delta.content ?? ""
          usage = chunk.usage?.completion_tokens ?? usage
        }
        return { out, usage }
      })
      assert.deepStrictEqual(text, { out: "Hello!", usage: 2 })
      const vectors = yield* Effect.promise(() => client.embeddings.create({ model: "gte-large", input: ["a", "b"], encoding_format: "float" }))
      assert.deepStrictEqual(vectors.data.map((d) => d.embedding), [[0, 0.5], [1, 0.5]])
      assert.deepStrictEqual(server.requests.map((r) => r.url), ["/v3/chat/completions", "/v3/chat/completions", "/v3/embeddings"])
    }))
})
