/**
 * What we send to TGI: the Messages API body a self-hosted server reads
 * (TGI's grammar for JSON output, tool schemas under `arguments`), the
 * router's plain OpenAI body, and every native `parameters` field, each
 * sent only when set. What TGI's chat route cannot say is refused before
 * anything is sent.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Content from "../../../src/domain/Content.ts"
import * as Message from "../../../src/domain/Message.ts"
import * as ResponseFormat from "../../../src/domain/ResponseFormat.ts"
import * as Tool from "../../../src/domain/Tool.ts"
import * as Tgi from "../../../src/providers/tgi/Tgi.ts"
import * as FakeServer from "../../support/FakeServer.ts"
import * as Fixtures from "../../support/TgiFixtures.ts"
import { bodyOf, KEY, setup } from "./setup.ts"

const hi = { messages: [Message.user("Hi")] }
const weather = Tool.make("get_weather", {
  description: "Weather for a city",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }
})
const answer = { type: "object", properties: { n: { type: "integer" } }, required: ["n"] }

describe("TGI requests (self-hosted)", () => {
  it.live("chat goes to /v1/chat/completions with the default model name, max_tokens and no template of ours", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(Fixtures.route)
      yield* backend.chat({ system: "Be brief.", messages: [Message.user("Hi")], maxTokens: 20, temperature: 0.2, topP: 0.9, stop: ["\n"], seed: 3 })
      assert.strictEqual(server.requests[0]!.url, "/v1/chat/completions")
      assert.deepStrictEqual(bodyOf(server), {
        model: "tgi",
        messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }],
        temperature: 0.2,
        top_p: 0.9,
        max_tokens: 20,
        stop: ["\n"],
        seed: 3
      })
    }))

  it.live("JSON output is TGI's grammar, and tool schemas go under function.arguments", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(Fixtures.route)
      yield* backend.chat({ ...hi, responseFormat: ResponseFormat.jsonSchema("answer", answer) })
      yield* backend.chat({ ...hi, responseFormat: ResponseFormat.json })
      yield* backend.chat({ ...hi, tools: [weather], toolChoice: "auto" })
      assert.deepStrictEqual(bodyOf(server, 0)["response_format"], { type: "json", value: answer })
      assert.deepStrictEqual(bodyOf(server, 1)["response_format"], { type: "json", value: { type: "object" } })
      assert.deepStrictEqual(bodyOf(server, 2)["tools"], [{
        type: "function",
        function: { name: "get_weather", description: "Weather for a city", arguments: weather.parameters }
      }])
      assert.strictEqual(bodyOf(server, 2)["tool_choice"], "auto")
    }))

  it.live("a stream asks for usage; a tool round trip keeps ids", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(Fixtures.route)
      yield* Stream.runDrain(backend.stream(hi))
      assert.strictEqual(server.requests[0]!.headers["accept"], "text/event-stream")
      assert.deepStrictEqual(bodyOf(server)["stream"], true)
      assert.deepStrictEqual(bodyOf(server)["stream_options"], { include_usage: true })
      yield* backend.chat({
        messages: [
          Message.user("Weather?"),
          Message.assistant([new Content.ToolCallPart({ id: "call_0", name: "get_weather", arguments: "{\"city\":\"Paris\"}" })]),
          Message.tool([Content.toolResult("call_0", "21 degrees")])
        ]
      })
      const messages = bodyOf(server, 1)["messages"] as ReadonlyArray<Record<string, unknown>>
      assert.deepStrictEqual(messages[2], { role: "tool", tool_call_id: "call_0", content: "21 degrees" })
    }))

  for (const [name, extra, capability] of [
    ["top_k", { topK: 5 }, "topK"],
    ["user", { user: "u1" }, "user"],
    ["parallel_tool_calls", { parallelToolCalls: false, tools: [weather] }, "parallelToolCalls"],
    ["strict tools", { tools: [Tool.make("t", { parameters: { type: "object" }, strict: true })] }, "strictTools"]
  ] as const) {
    it.live(`${name} is refused as Unsupported(${capability}) before anything is sent`, () =>
      Effect.gen(function*() {
        const { backend, server } = yield* setup(Fixtures.route)
        const error = yield* Effect.flip(backend.chat({ ...hi, ...extra }))
        assert.deepStrictEqual([error.reason._tag, error.reason._tag === "Unsupported" ? error.reason.capability : ""], ["Unsupported", capability])
        const streamError = yield* Effect.flip(Stream.runDrain(backend.stream({ ...hi, ...extra })))
        assert.strictEqual(streamError.reason._tag, "Unsupported")
        assert.strictEqual(server.requests.length, 0)
      }))
  }

  it.live("generate sends every parameter in snake_case, and only those set", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup(Fixtures.route)
      yield* api.generate({ inputs: "Hello" })
      yield* api.generate({
        inputs: "Hello",
        maxNewTokens: 20,
        temperature: 0.5,
        topP: 0.95,
        topK: 10,
        typicalP: 0.9,
        repetitionPenalty: 1.03,
        frequencyPenalty: 0.1,
        stop: ["\n"],
        doSample: true,
        seed: 7,
        returnFullText: false,
        details: true,
        decoderInputDetails: true,
        topNTokens: 2,
        truncate: 100,
        watermark: false,
        bestOf: 1,
        grammar: { type: "json", value: answer },
        adapterId: "my-lora"
      })
      assert.strictEqual(server.requests[0]!.url, "/generate")
      assert.deepStrictEqual(bodyOf(server, 0), { inputs: "Hello" })
      assert.deepStrictEqual(bodyOf(server, 1), {
        inputs: "Hello",
        parameters: {
          max_new_tokens: 20,
          temperature: 0.5,
          top_p: 0.95,
          top_k: 10,
          typical_p: 0.9,
          repetition_penalty: 1.03,
          frequency_penalty: 0.1,
          stop: ["\n"],
          do_sample: true,
          seed: 7,
          return_full_text: false,
          details: true,
          decoder_input_details: true,
          top_n_tokens: 2,
          truncate: 100,
          watermark: false,
          best_of: 1,
          grammar: { type: "json", value: answer },
          adapter_id: "my-lora"
        }
      })
    }))

  it.live("generateStream posts to /generate_stream asking for SSE; info, health and models are GETs", () =>
    Effect.gen(function*() {
      const { api, backend, server } = yield* setup(Fixtures.route)
      yield* Stream.runDrain(api.generateStream({ inputs: "Hi", grammar: { type: "regex", value: "[0-9]+" } }))
      yield* api.info()
      yield* api.health()
      yield* backend.models()
      assert.deepStrictEqual(server.requests.map((r) => `${r.method} ${r.url}`), [
        "POST /generate_stream",
        "GET /info",
        "GET /health",
        "GET /v1/models"
      ])
      assert.strictEqual(server.requests[0]!.headers["accept"], "text/event-stream")
      assert.deepStrictEqual(bodyOf(server), { inputs: "Hi", parameters: { grammar: { type: "regex", value: "[0-9]+" } } })
    }))

  it.live("a bad generate request fails naming the field, and nothing is sent", () =>
    Effect.gen(function*() {
      const { api, server } = yield* setup(Fixtures.route)
      const error = yield* Effect.flip(api.generate({ inputs: "Hi", topP: 1.5 }))
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      assert.strictEqual(error.reason._tag === "InvalidRequest" ? error.reason.field : undefined, "topP")
      const empty = yield* Effect.flip(api.generate({ inputs: "" }))
      assert.strictEqual(empty.reason._tag === "InvalidRequest" ? empty.reason.field : undefined, "inputs")
      assert.strictEqual(server.requests.length, 0)
    }))

  it.live("a base URL written with /v1 still reaches the root routes; a token is sent as Bearer", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(Fixtures.route)
      const { api, backend } = yield* Tgi.build({ baseUrl: `${server.url}/v1/`, apiKey: Redacted.make(KEY) }).pipe(
        Effect.provide(FetchHttpClient.layer)
      )
      yield* backend.chat(hi)
      yield* api.info()
      assert.deepStrictEqual(server.requests.map((r) => r.url), ["/v1/chat/completions", "/info"])
      for (const request of server.requests) assert.strictEqual(request.headers["authorization"], `Bearer ${KEY}`)
    }))
})

describe("TGI requests (Hugging Face's router)", () => {
  it.live("chat is OpenAI-shaped under the base URL; the native routes are Unsupported and never sent", () =>
    Effect.gen(function*() {
      const { api, backend, server } = yield* setup(() => ({ kind: "json", body: Fixtures.chatCompletion() }), {
        target: "router",
        apiKey: Redacted.make(KEY),
        model: "meta-llama/Llama-3.1-8B-Instruct"
      })
      yield* backend.chat({ ...hi, responseFormat: ResponseFormat.jsonSchema("answer", answer) })
      assert.strictEqual(server.requests[0]!.url, "/chat/completions")
      assert.strictEqual(bodyOf(server)["model"], "meta-llama/Llama-3.1-8B-Instruct")
      assert.deepStrictEqual(bodyOf(server)["response_format"], { type: "json_schema", json_schema: { name: "answer", schema: answer } })
      for (const call of [api.generate({ inputs: "x" }), api.info(), api.health(), Stream.runDrain(api.generateStream({ inputs: "x" }))]) {
        const error = yield* Effect.flip(call)
        assert.strictEqual(error.reason._tag, "Unsupported")
      }
      assert.strictEqual(server.requests.length, 1)
    }))

  it.live("the router has no default model: a request without one fails naming model", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(Fixtures.route, { target: "router", apiKey: Redacted.make(KEY) })
      const error = yield* Effect.flip(backend.chat(hi))
      assert.strictEqual(error.reason._tag === "InvalidRequest" ? error.reason.field : undefined, "model")
      assert.strictEqual(server.requests.length, 0)
    }))
})
