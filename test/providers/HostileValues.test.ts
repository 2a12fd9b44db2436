/**
 * Every number of every event of the recorded streams, replaced in turn by a
 * value of the wrong kind or range (negative, fractional, past the safe
 * integers, a string, null), read through the backend that speaks that
 * format: the call may succeed (a field the decoder ignores or reads
 * leniently) or fail typed, but never dies. Gemini's recorded whole bodies
 * get the same through `chat`. A defect here is a domain
 * constructor refusing a wire value the decode let through.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Redacted, Stream } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import { Message } from "../../src/index.ts"
import type { Service } from "../../src/LlmBackend.ts"
import * as Tgi from "../../src/providers/tgi/Tgi.ts"
import * as Anthropic from "../../src/providers/anthropic/Anthropic.ts"
import * as Gemini from "../../src/providers/gemini/Gemini.ts"
import * as Ollama from "../../src/providers/ollama/Ollama.ts"
import * as OpenAi from "../../src/providers/openai/OpenAi.ts"
import * as Shared from "../support/Shared.ts"

const hostileNumbers: ReadonlyArray<unknown> = [-1, 1.5, 2 ** 60, "1", null]
const hostileOthers: ReadonlyArray<unknown> = ["", null, {}, [], 1]

// Answers every request with the body set last (one backend for all the runs of a format).
const answering = (contentType: string) => {
  const next = { body: "" }
  const layer = Layer.succeed(HttpClient.HttpClient)(
    HttpClient.make((request) => Effect.sync(() => HttpClientResponse.fromWeb(request, new Response(next.body, { headers: { "content-type": contentType } }))))
  )
  return { next, layer }
}

// Each copy of `json` with one value (a number, string or boolean) replaced by a hostile one.
const variants = function*(json: unknown): Generator<unknown> {
  if (typeof json === "number") {
    yield* hostileNumbers
    return
  }
  if (typeof json === "string" || typeof json === "boolean") {
    for (const value of hostileOthers) if (value !== json) yield value
    return
  }
  if (Array.isArray(json)) {
    for (let i = 0; i < json.length; i++) for (const v of variants(json[i])) yield json.map((x, j) => (j === i ? v : x))
    return
  }
  if (typeof json === "object" && json !== null) {
    for (const [key, field] of Object.entries(json)) for (const v of variants(field)) yield { ...json, [key]: v }
  }
}

// A run's exit: never a defect, and never an answer the decoder did not give.
const check = (exit: Exit.Exit<unknown, unknown>, what: () => string) => {
  if (Exit.isSuccess(exit)) return
  if (Cause.hasDies(exit.cause)) assert.fail(`${what()}: died: ${String(Cause.squash(exit.cause)).slice(0, 300)}`)
  const error = Cause.squash(exit.cause) as { readonly reason?: { readonly _tag: string } }
  if (error.reason?._tag === "CircuitOpen") assert.fail(`${what()}: the breaker answered, not the decoder`)
}

interface Format {
  readonly pattern: RegExp
  readonly contentType: string
  // One call reading the body to its end.
  readonly build: Effect.Effect<Effect.Effect<unknown, unknown>, unknown, HttpClient.HttpClient>
  // The body's events as JSON, and the body rebuilt from them.
  readonly events: (text: string) => ReadonlyArray<{ readonly prefix: string; readonly json: unknown } | string>
}

const streaming = <E, R>(build: Effect.Effect<Service, E, R>) =>
  Effect.map(build, (backend) => Stream.runCollect(backend.stream({ messages: [Message.user("Hi")] })))
// No retry and no breaker: every run must reach the decoder (an open breaker would answer for it).
const policy = { maxRetries: 0, circuitBreaker: false }
const common = { apiKey: Redacted.make("sk-test-key"), baseUrl: "http://llm.invalid/v1", model: "m", policy }
const sse = (text: string) =>
  text.split(/\r?\n/).map((line) => {
    if (!line.startsWith("data:")) return line
    const data = line.slice(5).trim()
    try {
      return { prefix: "data: ", json: JSON.parse(data) as unknown }
    } catch {
      return line
    }
  })
const ndjson = (text: string) => text.split("\n").map((line) => (line.trim() === "" ? line : { prefix: "", json: JSON.parse(line) as unknown }))

const formats: ReadonlyArray<readonly [string, Format]> = [
  ["OpenAI-compatible", { pattern: /^(compat|openai|tgi-chat)-.*\.sse$/, contentType: "text/event-stream", build: streaming(OpenAi.make(common)), events: sse }],
  ["Claude", { pattern: /^anthropic-.*\.sse$/, contentType: "text/event-stream", build: streaming(Anthropic.make(common)), events: sse }],
  ["Gemini", { pattern: /^gemini-stream-.*\.sse$/, contentType: "text/event-stream", build: streaming(Gemini.make(common)), events: sse }],
  ["Ollama", {
    pattern: /^ollama-chat-stream.*\.ndjson$/,
    contentType: "application/x-ndjson",
    build: streaming(Ollama.make({ baseUrl: "http://ollama.invalid", model: "m", policy })),
    events: ndjson
  }],
  ["TGI generate_stream", {
    pattern: /^tgi-generate-stream-.*\.sse$/,
    contentType: "text/event-stream",
    build: Effect.map(Tgi.build({ baseUrl: "http://tgi.invalid", policy }), ({ api }) => Stream.runCollect(api.generateStream({ inputs: "Hi" }))),
    events: sse
  }]
]

describe("hostile values in recorded streams", () => {
  for (const [label, format] of formats) {
    it.effect(`${label}: never a defect${Shared.skipReason}`, () =>
      Effect.gen(function*() {
        if (!Shared.available) return
        const server = answering(format.contentType)
        const call = yield* Effect.provide(format.build, server.layer)
        let runs = 0
        for (const name of Shared.streamNames(format.pattern)) {
          const lines = format.events(new TextDecoder().decode(Shared.streamBytes(name)))
          const render = (replaced: number, json: unknown) =>
            lines.map((line, i) => (typeof line === "string" ? line : `${line.prefix}${JSON.stringify(i === replaced ? json : line.json)}`)).join("\n")
          // The first events (role, first content, a tool call's start) and the last ones (finish,
          // usage) of each recording: the events between repeat the same shapes.
          const events = [...lines.keys()].filter((i) => typeof lines[i] !== "string")
          const picked = new Set([...events.slice(0, 4), ...events.slice(-3)])
          for (const [i, line] of lines.entries()) {
            if (typeof line === "string" || !picked.has(i)) continue
            for (const variant of variants(line.json)) {
              runs++
              server.next.body = render(i, variant)
              check(yield* Effect.exit(call), () => `${name}, event ${i} as ${JSON.stringify(variant).slice(0, 300)}`)
            }
          }
        }
        assert.isAbove(runs, 0, "the recordings carry values")
      }), 30_000)
  }

  it.effect(`Gemini: a whole generateContent body, never a defect${Shared.skipReason}`, () =>
    Effect.gen(function*() {
      if (!Shared.available) return
      const server = answering("application/json")
      const backend = yield* Effect.provide(Gemini.make(common), server.layer)
      let runs = 0
      for (const name of Shared.streamNames(/^gemini-generate-.*\.response\.json$/)) {
        const recorded = JSON.parse(new TextDecoder().decode(Shared.streamBytes(name))) as { readonly body: unknown }
        for (const variant of variants(recorded.body)) {
          runs++
          server.next.body = JSON.stringify(variant)
          check(yield* Effect.exit(backend.chat({ messages: [Message.user("Hi")] })), () => `${name} as ${JSON.stringify(variant).slice(0, 300)}`)
        }
      }
      assert.isAbove(runs, 0, "the recordings carry values")
    }))
})
