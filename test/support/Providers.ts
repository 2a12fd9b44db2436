/**
 * Every provider, described once for the suites that must cover them all
 * (tracing secrets, redirects, whitespace keys, malformed events): how to
 * build it against a local server, with which key, which operations it has,
 * and a handler answering them with a plausible success. A new provider (or
 * a dialect of one that talks differently) joins those suites by adding one
 * entry here; the suites send each of the entry's operations.
 */
import { Effect, Redacted, Stream } from "effect"
import { FetchHttpClient, type HttpClient } from "effect/http"
import { Message } from "../../src/index.ts"
import type { Service } from "../../src/LlmBackend.ts"
import type * as LlmError from "../../src/LlmError.ts"
import type * as Policy from "../../src/pipeline/Policy.ts"
import * as Anthropic from "../../src/providers/anthropic/Anthropic.ts"
import * as Gemini from "../../src/providers/gemini/Gemini.ts"
import * as Groq from "../../src/providers/groq/Groq.ts"
import * as Llvm from "../../src/providers/llvm/Llvm.ts"
import * as Ollama from "../../src/providers/ollama/Ollama.ts"
import * as Opea from "../../src/providers/opea/Opea.ts"
import * as OpenAi from "../../src/providers/openai/OpenAi.ts"
import * as Ovms from "../../src/providers/ovms/Ovms.ts"
import * as Tei from "../../src/providers/tei/Tei.ts"
import * as Tgi from "../../src/providers/tgi/Tgi.ts"
import * as LlvmSetup from "../providers/llvm/setup.ts"
import * as OpeaSetup from "../providers/opea/setup.ts"
import * as OvmsFixtures from "../providers/ovms/fixtures.ts"
import * as OvmsSetup from "../providers/ovms/setup.ts"
import * as AnthropicFixtures from "./AnthropicFixtures.ts"
import * as FakeServer from "./FakeServer.ts"
import * as GeminiFixtures from "./GeminiFixtures.ts"
import * as OllamaFixtures from "./OllamaFixtures.ts"
import * as OpenAiFixtures from "./OpenAiFixtures.ts"
import * as TeiFixtures from "./TeiFixtures.ts"
import * as TgiFixtures from "./TgiFixtures.ts"

export interface Common {
  readonly apiKey: Redacted.Redacted<string>
  readonly baseUrl: string
  readonly model: string
  readonly policy: Policy.Input
  /** Passed through to the provider's own option (every provider has it). */
  readonly transformClient?: ((client: HttpClient.HttpClient) => HttpClient.HttpClient) | undefined
}

/**
 * An `LlmBackend` operation the suites can send. `stream` is drained.
 */
export type Operation = "chat" | "stream" | "embed" | "models"

export interface Entry {
  /** Unique in the table: the provider, or provider and dialect (`tgi-router`). */
  readonly name: string
  /** The provider name on errors, spans and metrics (default `name`). */
  readonly provider?: string
  /**
   * What the backend has, in the order the suites send them (default chat,
   * stream, models). The first of chat/embed is its one-shot call.
   */
  readonly operations?: ReadonlyArray<Operation>
  /** A key shaped like the provider's real ones (so the scrub patterns are exercised too). */
  readonly key: string
  /** Path under the server's URL where the API lives. */
  readonly basePath: string
  readonly build: (options: Common) => Effect.Effect<Service, unknown>
  /** Answers every operation with a success. */
  readonly answer: FakeServer.Handler
  /** The header the key travels in, as the server sees it. */
  readonly sentKey: (request: FakeServer.Recorded) => string | undefined
  /**
   * A stream answering "Hel" + "lo" (then finishing) with one unparseable
   * event between the two; absent exactly when the backend has no stream.
   */
  readonly malformedStream?: FakeServer.Action | undefined
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
  },
  {
    name: "tgi",
    key: "hf_SECRETtgiSelfHosted0123456789abcdefXYZ",
    basePath: "",
    build: (options) => Tgi.make(options).pipe(Effect.provide(FetchHttpClient.layer)),
    answer: TgiFixtures.route,
    sentKey: bearer,
    malformedStream: {
      kind: "chunks",
      chunks: [...TgiFixtures.frames([TgiFixtures.chatChunk("Hel")]), `data:${GARBAGE}\n\n`, ...TgiFixtures.frames([TgiFixtures.chatChunk("lo", "stop")])]
    }
  },
  {
    // A proxy in front of Hugging Face's router: OpenAI-shaped, a 429 is a rate limit.
    name: "tgi-router",
    provider: "tgi",
    key: "hf_SECRETtgiRouter0123456789abcdefXYZ",
    basePath: "/v1",
    build: (options) => Tgi.make({ ...options, target: "router" }).pipe(Effect.provide(FetchHttpClient.layer)),
    answer: openAiAnswer,
    sentKey: bearer,
    malformedStream: {
      kind: "chunks",
      chunks: FakeServer.sse([OpenAiFixtures.chunk({ content: "Hel" }), GARBAGE, OpenAiFixtures.chunk({ content: "lo" }, "stop")])
    }
  },
  {
    // Embed-only: TEI has no chat and no stream. A fixed batch size keeps embed to one request.
    name: "tei",
    operations: ["embed", "models"],
    key: "hf_SECRETteiServer0123456789abcdefXYZ",
    basePath: "",
    build: (options) => Tei.make({ ...options, maxBatchSize: 8 }).pipe(Effect.provide(FetchHttpClient.layer)),
    answer: TeiFixtures.route(),
    sentKey: bearer
  },
  {
    name: "ovms",
    key: "ovms-SECRET-proxy-token-0123456789abcdefXYZ",
    basePath: "",
    build: (options) => Ovms.make(options).pipe(Effect.provide(FetchHttpClient.layer)),
    answer: OvmsSetup.route,
    sentKey: bearer,
    malformedStream: {
      kind: "chunks",
      chunks: FakeServer.sse([OvmsFixtures.chunk({ content: "Hel" }), GARBAGE, OvmsFixtures.chunk({ content: "lo" }, "stop")])
    }
  },
  {
    // OPEA defines no model listing: chat, stream and embeddings on its microservices.
    name: "opea",
    operations: ["chat", "stream", "embed"],
    key: "opea-SECRET-gateway-token-0123456789abcdefXYZ",
    basePath: "",
    build: (options) => Opea.make(options).pipe(Effect.provide(FetchHttpClient.layer)),
    answer: OpeaSetup.route,
    sentKey: bearer,
    malformedStream: {
      kind: "chunks",
      chunks: FakeServer.sse([OpeaSetup.chunk("Hel"), GARBAGE, OpeaSetup.chunk("lo", "stop")])
    }
  },
  {
    name: "llvm",
    key: "llvm-SECRET-server-token-0123456789abcdefXYZ",
    basePath: "",
    build: (options) => Llvm.make({ ...options, routes: { chat: "/v1/chat/completions" } }).pipe(Effect.provide(FetchHttpClient.layer)),
    answer: LlvmSetup.route,
    sentKey: bearer,
    malformedStream: {
      kind: "chunks",
      chunks: FakeServer.sse([
        { id: "c", choices: [{ index: 0, delta: { content: "Hel" }, finish_reason: null }] },
        GARBAGE,
        { id: "c", choices: [{ index: 0, delta: { content: "lo" }, finish_reason: "stop" }] }
      ])
    }
  },
  {
    // A server with only a (legacy) completions route: its chunks carry `text`.
    name: "llvm-completions",
    provider: "llvm",
    key: "llvm-SECRET-completions-0123456789abcdefXYZ",
    basePath: "",
    build: (options) => Llvm.make({ ...options, routes: { completions: "/v1/completions" } }).pipe(Effect.provide(FetchHttpClient.layer)),
    answer: LlvmSetup.route,
    sentKey: bearer,
    malformedStream: {
      kind: "chunks",
      chunks: FakeServer.sse([
        { id: "cmpl-1", choices: [{ index: 0, text: "Hel", finish_reason: null }] },
        GARBAGE,
        { id: "cmpl-1", choices: [{ index: 0, text: "lo", finish_reason: "stop" }] }
      ])
    }
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

const hi = { messages: [Message.user("Hi")] }

/** The provider name `entry`'s backend reports. */
export const providerOf = (entry: Entry): string => entry.provider ?? entry.name

/** What `entry`'s backend has, in the order the suites send it. */
export const operationsOf = (entry: Entry): ReadonlyArray<Operation> => entry.operations ?? ["chat", "stream", "models"]

/** Whether `entry`'s backend streams. */
export const streams = (entry: Entry): boolean => operationsOf(entry).includes("stream")

/** Sends one operation (a stream is drained). */
export const run = (backend: Service, operation: Operation): Effect.Effect<unknown, LlmError.LlmError> => {
  switch (operation) {
    case "chat":
      return backend.chat(hi)
    case "stream":
      return Stream.runDrain(backend.stream(hi))
    case "embed":
      return backend.embed({ input: ["Hi"] })
    case "models":
      return backend.models()
  }
}

/** The backend's one-shot call: chat, or embed for an embed-only backend. */
export const oneShot = (entry: Entry): Operation => operationsOf(entry).find((op) => op === "chat" || op === "embed") ?? "chat"
