/**
 * Every provider, described once for the suites that must cover them all
 * (tracing secrets, redirects, hostile bodies): how to build it against a
 * local server, with which key, and a handler answering its chat, stream and
 * model routes with a plausible success. A new provider joins those suites
 * by adding one entry here.
 */
import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import type { Service } from "../../src/LlmBackend.ts"
import type * as Policy from "../../src/pipeline/Policy.ts"
import * as Anthropic from "../../src/providers/anthropic/Anthropic.ts"
import * as Gemini from "../../src/providers/gemini/Gemini.ts"
import * as Groq from "../../src/providers/groq/Groq.ts"
import * as Ollama from "../../src/providers/ollama/Ollama.ts"
import * as OpenAi from "../../src/providers/openai/OpenAi.ts"
import * as AnthropicFixtures from "./AnthropicFixtures.ts"
import * as FakeServer from "./FakeServer.ts"
import * as GeminiFixtures from "./GeminiFixtures.ts"
import * as OllamaFixtures from "./OllamaFixtures.ts"
import * as OpenAiFixtures from "./OpenAiFixtures.ts"

export interface Common {
  readonly apiKey: Redacted.Redacted<string>
  readonly baseUrl: string
  readonly model: string
  readonly policy: Policy.Input
}

export interface Entry {
  readonly name: string
  /** A key shaped like the provider's real ones (so the scrub patterns are exercised too). */
  readonly key: string
  /** Path under the server's URL where the API lives. */
  readonly basePath: string
  readonly build: (options: Common) => Effect.Effect<Service, unknown>
  /** Answers chat, stream and models with a success. */
  readonly answer: FakeServer.Handler
  /** The header the key travels in, as the server sees it. */
  readonly sentKey: (request: FakeServer.Recorded) => string | undefined
  /** A stream answering "Hel" + "lo" (then finishing) with one unparseable event between the two. */
  readonly malformedStream: FakeServer.Action
}

const GARBAGE = "{\"unterminated"

const streamed = (request: FakeServer.Recorded) =>
  request.headers["accept"] === "text/event-stream" || (request.json as { stream?: boolean } | undefined)?.stream === true

const openAiAnswer: FakeServer.Handler = (request) =>
  request.method === "GET"
    ? { kind: "json", body: { data: [{ id: "m", owned_by: "me", created: 1 }] } }
    : streamed(request)
    ? { kind: "chunks", chunks: FakeServer.sse([OpenAiFixtures.chunk({ content: "Hi" }, "stop"), OpenAiFixtures.usageChunk(3, 1)]) }
    : { kind: "json", body: OpenAiFixtures.completion({}) }

const bearer = (request: FakeServer.Recorded) => request.headers["authorization"]?.replace(/^Bearer /, "")

export const all: ReadonlyArray<Entry> = [
  {
    name: "openai",
    key: "sk-proj-SECRET-openai-0123456789abcdefXYZ",
    basePath: "/v1",
    build: (options) => OpenAi.make(options).pipe(Effect.provide(FetchHttpClient.layer)),
    answer: openAiAnswer,
    sentKey: bearer,
    malformedStream: {
      kind: "chunks",
      chunks: FakeServer.sse([OpenAiFixtures.chunk({ content: "Hel" }), GARBAGE, OpenAiFixtures.chunk({ content: "lo" }, "stop")])
    }
  },
  {
    name: "groq",
    key: "gsk_SECRETgroq0123456789abcdefXYZ",
    basePath: "/openai/v1",
    build: (options) => Groq.make(options).pipe(Effect.provide(FetchHttpClient.layer)),
    answer: openAiAnswer,
    sentKey: bearer,
    malformedStream: {
      kind: "chunks",
      chunks: FakeServer.sse([OpenAiFixtures.chunk({ content: "Hel" }), GARBAGE, OpenAiFixtures.chunk({ content: "lo" }, "stop")])
    }
  },
  {
    name: "anthropic",
    key: "sk-ant-api03-SECRET-anthropic-0123456789abcdefXYZ",
    basePath: "/v1",
    build: (options) => Anthropic.make(options).pipe(Effect.provide(FetchHttpClient.layer)),
    answer: (request) =>
      request.method === "GET"
        ? { kind: "json", body: { data: [{ id: "m", display_name: "M" }], has_more: false } }
        : streamed(request)
        ? { kind: "chunks", chunks: AnthropicFixtures.textStream(["Hi"]) }
        : { kind: "json", body: AnthropicFixtures.message() },
    sentKey: (request) => request.headers["x-api-key"],
    malformedStream: {
      kind: "chunks",
      chunks: [
        AnthropicFixtures.messageStart(3),
        AnthropicFixtures.blockStart(0, AnthropicFixtures.text("")),
        AnthropicFixtures.textDelta(0, "Hel"),
        `event: content_block_delta\ndata: ${GARBAGE}\n\n`,
        AnthropicFixtures.textDelta(0, "lo"),
        AnthropicFixtures.blockStop(0),
        AnthropicFixtures.messageDelta("end_turn", 2),
        AnthropicFixtures.messageStop
      ]
    }
  },
  {
    name: "gemini",
    key: "AIzaSyTEST-SECRET-gemini-0123456789abcdefXYZ",
    basePath: "/v1beta",
    build: (options) => Gemini.make(options).pipe(Effect.provide(FetchHttpClient.layer)),
    answer: (request) =>
      request.method === "GET"
        ? { kind: "json", body: GeminiFixtures.modelsPage(["models/m"]) }
        : request.url.includes(":stream")
        ? { kind: "chunks", chunks: GeminiFixtures.sse([GeminiFixtures.frame([{ text: "Hi" }], "STOP")]) }
        : { kind: "json", body: GeminiFixtures.response() },
    sentKey: (request) => request.headers["x-goog-api-key"],
    malformedStream: {
      kind: "chunks",
      chunks: GeminiFixtures.sse([GeminiFixtures.frame([{ text: "Hel" }]), GARBAGE, GeminiFixtures.frame([{ text: "lo" }], "STOP")])
    }
  },
  {
    // Ollama takes no key itself; a proxy in front of it may want a Bearer token.
    name: "ollama",
    key: "sk-ollama-proxy-SECRET-0123456789abcdefXYZ",
    basePath: "",
    build: (options) => Ollama.make(options).pipe(Effect.provide(FetchHttpClient.layer)),
    answer: (request) =>
      request.url === "/api/tags"
        ? { kind: "json", body: OllamaFixtures.tagsReply }
        : streamed(request)
        ? OllamaFixtures.stream([OllamaFixtures.chatLine("Hi"), OllamaFixtures.chatDone()])
        : { kind: "json", body: OllamaFixtures.chatReply() },
    sentKey: bearer,
    malformedStream: OllamaFixtures.stream([OllamaFixtures.chatLine("Hel"), GARBAGE, OllamaFixtures.chatLine("lo"), OllamaFixtures.chatDone()])
  }
]

/** A server running `handler` and `entry`'s backend pointed at it (no retries, no breaker unless asked). */
export const setup = (entry: Entry, handler: FakeServer.Handler, policy: Policy.Input = {}) =>
  Effect.gen(function*() {
    const server = yield* FakeServer.make(handler)
    const backend = yield* entry.build({
      apiKey: Redacted.make(entry.key),
      baseUrl: `${server.url}${entry.basePath}`,
      model: "m",
      policy: { maxRetries: 0, circuitBreaker: false, ...policy }
    })
    return { server, backend }
  })
