/**
 * Independent clients read our fake TEI server (the same fixtures the wire
 * suites use): Hugging Face's `@huggingface/inference` client, with
 * `endpointUrl` at the fake's native `/embed` (feature extraction), and the
 * `openai` SDK on `/v1/embeddings`. Every URL the HF client fetches is
 * recorded: it must never leave the fake server.
 */
import { assert, describe, it } from "@effect/vitest"
import { InferenceClient } from "@huggingface/inference"
import { Effect } from "effect"
import OpenAI from "openai"
import * as FakeServer from "../../support/FakeServer.ts"
import * as Fixtures from "../../support/TeiFixtures.ts"

const TOKEN = "hf_sdkTestToken000000000000"

describe("independent clients read our fake TEI", () => {
  it.live("@huggingface/inference featureExtraction on /embed, and /rerank through request()", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(Fixtures.route())
      const fetched: Array<string> = []
      const recording: typeof fetch = (input, init) => {
        const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url
        fetched.push(url)
        // Anything but our fake is refused here, never sent (the assertion below then names it).
        return url.startsWith(`${server.url}/`) ? fetch(input, init) : Promise.reject(new Error(`refused off-server fetch: ${url}`))
      }
      const client = new InferenceClient(TOKEN, { fetch: recording })
      const { ranks, vectors } = yield* Effect.promise(async () => ({
        vectors: await client.featureExtraction({ endpointUrl: `${server.url}/embed`, inputs: ["doc-1", "doc-2"] }),
        ranks: await client.request<ReadonlyArray<{ index: number; score: number }>>({
          endpointUrl: `${server.url}/rerank`,
          query: "q",
          texts: ["doc-1", "doc-9"]
        } as never)
      }))
      assert.deepStrictEqual(vectors, [[1, 0.5], [2, 0.5]])
      assert.deepStrictEqual(ranks.map((r) => r.index), [1, 0])
      assert.deepStrictEqual(server.requests.map((r) => r.url), ["/embed", "/rerank"])
      assert.strictEqual(fetched.length, 2)
      for (const url of fetched) assert.isTrue(url.startsWith(`${server.url}/`), `the client fetched ${url}`)
    }))

  it.live("the openai SDK reads /v1/embeddings", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(Fixtures.route())
      const client = new OpenAI({ apiKey: TOKEN, baseURL: `${server.url}/v1`, maxRetries: 0 })
      const reply = yield* Effect.promise(() => client.embeddings.create({ model: "bge", input: ["doc-3", "doc-4"], encoding_format: "float" }))
      assert.deepStrictEqual(reply.data.map((d) => d.embedding), [[3, 0.5], [4, 0.5]])
      assert.strictEqual(reply.usage.prompt_tokens, 6)
      assert.strictEqual(server.requests.length, 1)
    }))
})
