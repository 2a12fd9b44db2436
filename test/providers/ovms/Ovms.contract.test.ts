/**
 * OVMS requests against specs we did not write, through Steady:
 *
 * - KServe v2 (`kserve-v2.openapi.yaml`) for the tensor API. That spec lists
 *   only the versioned model routes, so these calls name a version.
 * - OpenAI's spec for the `/v3` requests. OVMS mounts the OpenAI routes under
 *   `/v3` where OpenAI has `/v1`: the test's client strips the prefix, so
 *   Steady sees the paths its spec declares.
 *
 * Each suite also has a deliberately invalid request rejected, so the check
 * can fail. Rerank (Cohere's shape) and `/v1/config` have no spec here.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Stream } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import * as Content from "../../../src/domain/Content.ts"
import * as Message from "../../../src/domain/Message.ts"
import * as ResponseFormat from "../../../src/domain/ResponseFormat.ts"
import * as Tool from "../../../src/domain/Tool.ts"
import * as Ovms from "../../../src/providers/ovms/Ovms.ts"
import * as Tensor from "../../../src/providers/ovms/Tensor.ts"
import * as Shared from "../../support/Shared.ts"
import * as Steady from "../../support/Steady.ts"

const options = (url: string): Ovms.Options => ({
  baseUrl: url,
  apiKey: Redacted.make("ovms-contract-token"),
  model: "llama3",
  embeddingModel: "gte-large",
  policy: { maxRetries: 0, circuitBreaker: false }
})

// Steady answers with generated data; only the verdict on our request matters here.
const send = <A, E>(effect: Effect.Effect<A, E>) => Effect.ignore(effect)

const weather = Tool.make("get_weather", {
  description: "Weather for a city",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }
})

describe.skipIf(!Shared.available)(`OVMS KServe requests against the KServe v2 spec${Shared.skipReason}`, () => {
  it.live("infer (every datatype, outputs, parameters), metadata, model ready and the health probes are valid; an invalid infer is rejected", () =>
    Effect.gen(function*() {
      const steady = yield* Steady.make(Shared.specPath("kserve-v2.openapi.yaml"))
      const { client, verdicts } = yield* Steady.recording
      const { api } = yield* Ovms.build(options(steady.url)).pipe(Effect.provideService(HttpClient.HttpClient, client))
      yield* send(api.infer("resnet", {
        id: "42",
        parameters: { sequence_id: 1 },
        inputs: [
          Tensor.make("b", "BOOL", [2], [true, false]),
          Tensor.make("u8", "UINT8", [2], [0, 255]),
          Tensor.make("i64", "INT64", [1, 2], [-1, 2]),
          Tensor.make("f16", "FP16", [1], [0.5]),
          Tensor.make("f32", "FP32", [2, 2], [0.1, 0.2, 0.3, 0.4], { content_type: "fp" }),
          Tensor.make("s", "BYTES", [2], ["hello", "wörld"])
        ],
        outputs: ["1463", { name: "probs", parameters: { classification: 2 } }]
      }, { version: 1 }))
      yield* send(api.metadata("resnet", { version: 1 }))
      yield* send(api.ready("resnet", { version: "1" }))
      yield* send(api.serverLive())
      yield* send(api.serverReady())

      const ours = verdicts.slice()
      assert.deepStrictEqual(ours.map((v) => `${v.method} ${new URL(v.url).pathname}`), [
        "POST /v2/models/resnet/versions/1/infer",
        "GET /v2/models/resnet/versions/1",
        "GET /v2/models/resnet/versions/1/ready",
        "GET /v2/health/live",
        "GET /v2/health/ready"
      ])
      Steady.assertAllValid(ours)

      // The check can fail: a shape given as text is rejected.
      yield* Steady.assertRejected(client, verdicts, `${steady.url}/v2/models/resnet/versions/1/infer`, {
        inputs: [{ name: "x", shape: ["2"], datatype: "FP32", data: [1, 2] }]
      })
    }).pipe(Effect.provide(FetchHttpClient.layer)), 60_000)
})

describe.skipIf(!Shared.available)(`OVMS /v3 requests against the OpenAI spec${Shared.skipReason}`, () => {
  it.live("chat (plain, tools, JSON schema, images), stream and embeddings are valid; an invalid chat is rejected", () =>
    Effect.gen(function*() {
      const steady = yield* Steady.make(Shared.specPath("openai.openapi.yaml"))
      const { client, verdicts } = yield* Steady.recording
      const unprefixed = HttpClient.mapRequest(client, HttpClientRequest.updateUrl((url) => url.replace(`${steady.url}/v3/`, `${steady.url}/`)))
      const { backend } = yield* Ovms.build(options(steady.url)).pipe(Effect.provideService(HttpClient.HttpClient, unprefixed))
      yield* send(backend.chat({ system: "Be brief.", messages: [Message.user("Hi")], temperature: 0.5, topP: 0.9, maxTokens: 64, stop: ["\n"], seed: 1 }))
      yield* send(backend.chat({
        messages: [
          Message.user("Weather in Paris?"),
          Message.assistant([new Content.ToolCallPart({ id: "call_1", name: "get_weather", arguments: "{\"city\":\"Paris\"}" })]),
          Message.tool([Content.toolResult("call_1", "{\"temp\":21}")]),
          Message.user("And tomorrow?")
        ],
        tools: [weather],
        toolChoice: "auto"
      }))
      yield* send(backend.chat({
        messages: [Message.user("n?")],
        responseFormat: ResponseFormat.jsonSchema("answer", { type: "object", properties: { n: { type: "integer" } }, required: ["n"] })
      }))
      yield* send(backend.chat({ messages: [Message.user([Content.text("What is this?"), Content.imageData("iVBORw0KGgo=", "image/png")])] }))
      yield* send(Stream.runDrain(backend.stream({ messages: [Message.user("Hi")], maxTokens: 16 })))
      yield* send(backend.embed("hello"))
      yield* send(backend.embed(["a", "b"]))

      const ours = verdicts.slice()
      assert.deepStrictEqual(ours.map((v) => `${v.method} ${new URL(v.url).pathname}`), [
        ...Array.from({ length: 5 }, () => "POST /chat/completions"),
        "POST /embeddings",
        "POST /embeddings"
      ])
      Steady.assertAllValid(ours)

      yield* Steady.assertRejected(client, verdicts, `${steady.url}/chat/completions`, { model: "llama3", messages: "Hi" })
    }).pipe(Effect.provide(FetchHttpClient.layer)), 60_000)
})
