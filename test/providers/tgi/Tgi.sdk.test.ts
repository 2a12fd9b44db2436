/**
 * Independent clients read our fake TGI server (the same fixtures the wire
 * suites use): Hugging Face's official `@huggingface/inference` client, with
 * `endpointUrl` at the fake, reads the native `/generate` and
 * `/generate_stream` routes and the Messages API; the `openai` SDK reads the
 * OpenAI-compatible chat. Every URL the HF client fetches is recorded: it
 * must never leave the fake server (no hub look-ups, no router).
 */
import { assert, describe, it } from "@effect/vitest"
import { InferenceClient } from "@huggingface/inference"
import { Effect } from "effect"
import OpenAI from "openai"
import * as FakeServer from "../../support/FakeServer.ts"
import * as Fixtures from "../../support/TgiFixtures.ts"

const TOKEN = "hf_sdkTestToken000000000000"

const withHf = <A>(use: (client: InferenceClient, url: string) => Promise<A>, handler: FakeServer.Handler = Fixtures.route) =>
  Effect.gen(function*() {
    const server = yield* FakeServer.make(handler)
    const fetched: Array<string> = []
    const recording: typeof fetch = (input, init) => {
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url
      fetched.push(url)
      // Anything but our fake is refused here, never sent (the assertion below then names it).
      return url.startsWith(`${server.url}/`) ? fetch(input, init) : Promise.reject(new Error(`refused off-server fetch: ${url}`))
    }
    const client = new InferenceClient(TOKEN, { fetch: recording })
    const result = yield* Effect.promise(() => use(client, server.url))
    assert.isAbove(fetched.length, 0)
    for (const url of fetched) assert.isTrue(url.startsWith(`${server.url}/`), `the client fetched ${url}`)
    assert.strictEqual(fetched.length, server.requests.length)
    return { result, server, fetched }
  })

describe("the official @huggingface/inference client reads our fake TGI", () => {
  it.live("POST /generate with parameters: generated_text and details", () =>
    Effect.gen(function*() {
      const { result, server } = yield* withHf((client, url) =>
        client.request<{ generated_text: string; details: { finish_reason: string; generated_tokens: number } }>({
          endpointUrl: `${url}/generate`,
          inputs: "Hello",
          parameters: { max_new_tokens: 8, details: true }
        })
      )
      assert.strictEqual(result.generated_text, "Hello world!")
      assert.deepStrictEqual([result.details.finish_reason, result.details.generated_tokens], ["eos_token", 3])
      assert.strictEqual(server.requests[0]!.url, "/generate")
      assert.strictEqual(server.requests[0]!.headers["authorization"], `Bearer ${TOKEN}`)
    }))

  it.live("POST /generate_stream: token events (data: with no space), then generated_text", () =>
    Effect.gen(function*() {
      const { result } = yield* withHf(async (client, url) => {
        const out: Array<{ token: { text: string }; generated_text: string | null }> = []
        for await (const event of client.streamingRequest<{ token: { text: string }; generated_text: string | null }>({
          endpointUrl: `${url}/generate_stream`,
          inputs: "Hi"
        })) out.push(event)
        return out
      })
      assert.deepStrictEqual(result.map((e) => e.token.text), ["Hello", " world", "</s>"])
      assert.strictEqual(result.at(-1)?.generated_text, "Hello world")
    }))

  it.live("an in-stream {error, error_type} event is read as the stream's failure", () =>
    Effect.gen(function*() {
      const { result } = yield* withHf(async (client, url) => {
        try {
          for await (const _ of client.streamingRequest({ endpointUrl: `${url}/generate_stream`, inputs: "Hi" })) {
            // drain
          }
          return "no error"
        } catch (error) {
          return String(error)
        }
      }, () => Fixtures.sse([Fixtures.error("Input validation error: `inputs` cannot be empty", "validation")]))
      assert.include(result, "Input validation error")
    }))

  it.live("a 422 {error, error_type} body is read as the failure's message", () =>
    Effect.gen(function*() {
      const { result } = yield* withHf(
        (client, url) => client.request({ endpointUrl: `${url}/generate`, inputs: "Hi" }).then(() => "no error", (error: unknown) => String(error)),
        () => ({ kind: "json", status: 422, body: Fixtures.error("Input validation error: `top_p` must be > 0.0 and < 1.0", "validation") })
      )
      assert.include(result, "`top_p` must be > 0.0")
    }))

  it.live("chatCompletion and chatCompletionStream through the Messages API", () =>
    Effect.gen(function*() {
      const { result, server } = yield* withHf(async (client, url) => {
        const reply = await client.chatCompletion({ endpointUrl: url, model: "tgi", messages: [{ role: "user", content: "Hi" }] })
        let text = ""
        for await (const chunk of client.chatCompletionStream({ endpointUrl: url, model: "tgi", messages: [{ role: "user", content: "Hi" }] })) {
          text += chunk.choices[0]?.delta.content ?? ""
        }
        return { reply: reply.choices[0]?.message.content, text }
      })
      assert.deepStrictEqual(result, { reply: "Hello there.", text: "Hi there" })
      assert.deepStrictEqual(server.requests.map((r) => r.url), ["/v1/chat/completions", "/v1/chat/completions"])
    }))
})

describe("the openai SDK reads our fake TGI's Messages API", () => {
  it.live("a chat completion and a streamed one", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(Fixtures.route)
      const client = new OpenAI({ apiKey: TOKEN, baseURL: `${server.url}/v1`, maxRetries: 0 })
      const { reply, text } = yield* Effect.promise(async () => {
        const reply = await client.chat.completions.create({ model: "tgi", messages: [{ role: "user", content: "Hi" }] })
        let text = ""
        const stream = await client.chat.completions.create({ model: "tgi", messages: [{ role: "user", content: "Hi" }], stream: true })
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ""
        return { reply, text }
      })
      assert.strictEqual(reply.choices[0]?.message.content, "Hello there.")
      assert.strictEqual(reply.usage?.total_tokens, 15)
      assert.strictEqual(text, "Hi there")
      assert.strictEqual(server.requests.length, 2)
    }))
})
