/**
 * The clients every loopback section compares, built the same way: the true
 * limits (raw `fetch`, raw `undici` `request` on a keep-alive `Agent`), the
 * raw Effect `HttpClient` on each transport (`FetchHttpClient`, and
 * `@effect/platform-node`'s undici-based `NodeHttpClient`, and our lean
 * `UndiciHttpClient` on a dispatcher), our backend on each, and the official
 * `openai` and Vercel `ai` SDKs.
 */
import { createOpenAI } from "@ai-sdk/openai"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { generateText } from "ai"
import { Effect, Layer } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import OpenAI from "openai"
import { Agent, request as undiciRequest } from "undici"
import { Message } from "../src/index.ts"
import { UndiciHttpClient } from "../src/node/index.ts"
import * as Support from "./support.ts"

/**
 * @since 0.1.0
 */
export const clients = [
  "raw fetch",
  "raw undici",
  "HttpClient fetch",
  "HttpClient undici",
  "HttpClient lean",
  "ours fetch",
  "ours undici",
  "ours lean",
  "openai SDK",
  "ai SDK"
] as const
export type ClientName = typeof clients[number]

/** Each of our rows, and the raw Effect client on the same transport. */
export const sameTransport = { "ours fetch": "HttpClient fetch", "ours undici": "HttpClient undici", "ours lean": "HttpClient lean" } as const

const body = { model: "bench-model", messages: [{ role: "user", content: "Hi" }] }
const bodyText = JSON.stringify(body)

/** One call of each client; `concurrency` sizes our backend's permits. */
export type Calls = Record<ClientName, { readonly effect?: Effect.Effect<unknown, unknown>; readonly promise?: () => Promise<unknown> }>

const rawHttpClient = (url: string) =>
  Effect.map(HttpClient.HttpClient, (http) =>
    HttpClientRequest.post(`${url}/chat/completions`).pipe(
      HttpClientRequest.bodyJsonUnsafe(body),
      HttpClientRequest.bearerToken(Support.KEY),
      http.execute,
      Effect.flatMap((res) => res.json)
    ))

/** The undici transport as a layer (an `Agent` scoped to the bench). */
export const undiciLayer: Layer.Layer<HttpClient.HttpClient> = NodeHttpClient.layerUndici

/**
 * Builds every client against `url` (inside a scope: the undici agents close with it).
 *
 * @since 0.1.0
 */
export const make = Effect.fnUntraced(function*(url: string, concurrency: number) {
  const agent = yield* Effect.acquireRelease(Effect.sync(() => new Agent({ keepAliveTimeout: 60_000 })), (a) => Effect.promise(() => a.close()))
  const headers = { "content-type": "application/json", authorization: `Bearer ${Support.KEY}` }
  const fetchContext = yield* Layer.build(FetchHttpClient.layer)
  const undiciContext = yield* Layer.build(undiciLayer)
  const httpFetch = yield* Effect.provideContext(rawHttpClient(url), fetchContext)
  const httpUndici = yield* Effect.provideContext(rawHttpClient(url), undiciContext)
  const leanContext = yield* Layer.build(UndiciHttpClient.layer)
  const httpLean = yield* Effect.provideContext(rawHttpClient(url), leanContext)
  const oursLean = yield* Effect.provideContext(Support.backend(url, concurrency), leanContext)
  const oursFetch = yield* Effect.provideContext(Support.backend(url, concurrency), fetchContext)
  const oursUndici = yield* Effect.provideContext(Support.backend(url, concurrency), undiciContext)
  const openai = new OpenAI({ apiKey: Support.KEY, baseURL: url, maxRetries: 0 })
  const ai = createOpenAI({ apiKey: Support.KEY, baseURL: url })
  const chat = { messages: [Message.user("Hi")] }
  const calls: Calls = {
    "raw fetch": {
      promise: async () => {
        const res = await fetch(`${url}/chat/completions`, { method: "POST", headers, body: bodyText })
        return res.json()
      }
    },
    "raw undici": {
      promise: async () => {
        const res = await undiciRequest(`${url}/chat/completions`, { method: "POST", headers, body: bodyText, dispatcher: agent })
        return res.body.json()
      }
    },
    "HttpClient fetch": { effect: httpFetch },
    "HttpClient undici": { effect: httpUndici },
    "ours fetch": { effect: Effect.suspend(() => oursFetch.chat(chat)) },
    "ours undici": { effect: Effect.suspend(() => oursUndici.chat(chat)) },
    "HttpClient lean": { effect: httpLean },
    "ours lean": { effect: Effect.suspend(() => oursLean.chat(chat)) },
    "openai SDK": { promise: () => openai.chat.completions.create({ model: "bench-model", messages: [{ role: "user", content: "Hi" }] }) },
    "ai SDK": { promise: () => generateText({ model: ai.chat("bench-model"), prompt: "Hi", maxRetries: 0 }) }
  }
  return calls
})
