/**
 * Values no HTTP header can carry are refused before anything is sent: at
 * layer build, naming the setting; per call, as a non-retryable
 * InvalidRequest naming the field. Keys are trimmed once at build, and every
 * form of a key (as configured, as sent) is scrubbed from what comes back.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Schema } from "effect"
import { FetchHttpClient, HttpClientRequest } from "effect/http"
import * as fc from "fast-check"
import { Anthropic, Message, OpenAi } from "../../src/index.ts"
import * as HeaderSafety from "../../src/transport/HeaderSafety.ts"
import * as Outbound from "../../src/transport/Outbound.ts"
import * as ProviderHttp from "../../src/transport/ProviderHttp.ts"
import * as FakeServer from "../support/FakeServer.ts"
import * as OpenAiFixtures from "../support/OpenAiFixtures.ts"
import * as Providers from "../support/Providers.ts"
import * as Secrets from "../support/Secrets.ts"

const hi = { messages: [Message.user("Hi")] }
const KEY = "sk-proj-HEADER-0123456789abcdefXYZ"

const buildOpenAi = (options: Partial<OpenAi.Options>) =>
  Effect.flip(OpenAi.make({ apiKey: Redacted.make(KEY), model: "m", ...options }).pipe(Effect.provide(FetchHttpClient.layer)))

describe("header-unsafe settings fail at layer build, naming the setting", () => {
  for (
    const [label, options, setting] of [
      ["CRLF in organization", { organization: "org-1\r\nx-evil: 1" }, "organization"],
      ["a trailing newline in project", { project: "proj-1\n" }, "project"],
      ["a non-ASCII key", { apiKey: Redacted.make("sk-clé-0123456789abcdef") }, "apiKey"],
      ["a line break inside a key", { apiKey: Redacted.make("sk-abc\ndef-0123456789") }, "apiKey"],
      ["a bad pool key", { apiKeys: [{ name: "a", value: Redacted.make(KEY) }, { name: "b", value: Redacted.make("sk-\u0000-0123456789") }] }, "apiKeys.1.value"]
    ] as const
  ) {
    it.effect(`${label} → ${setting}`, () =>
      Effect.gen(function*() {
        const error = yield* buildOpenAi(options as Partial<OpenAi.Options>)
        assert.strictEqual(error._tag, "BackendConfigError")
        assert.strictEqual(error.setting, setting)
        assert.notInclude(error.message, "0123456789", "the value is never shown")
      }))
  }

  it.effect("Anthropic's version header too", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Anthropic.make({ apiKey: Redacted.make(KEY), version: "2023-06-01\r\n" }).pipe(Effect.provide(FetchHttpClient.layer))
      )
      assert.strictEqual(error.setting, "version")
    }))
})

describe("per call", () => {
  it.live("a header value fetch would refuse is InvalidRequest naming the field, and nothing is sent", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(() => ({ kind: "json", body: OpenAiFixtures.completion({}) }))
      const http = yield* ProviderHttp.make({ provider: "p", baseUrl: server.url, headers: { "x-extra": "a\r\nb" } }).pipe(
        Effect.provide(FetchHttpClient.layer)
      )
      const call = { requestId: "r1", model: "m", apiKey: undefined }
      const error = yield* Effect.flip(http.json({ method: "GET", path: "/x" }, call, Schema.Unknown))
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      assert.isFalse(error.retryable)
      assert.strictEqual(error.reason._tag === "InvalidRequest" ? error.reason.field : undefined, "headers.x-extra")
      const keyed = yield* ProviderHttp.make({ provider: "p", baseUrl: server.url }).pipe(Effect.provide(FetchHttpClient.layer))
      const bad = yield* Effect.flip(keyed.json({ method: "GET", path: "/x" }, { ...call, apiKey: Redacted.make("sk-ключ-0123456789") }, Schema.Unknown))
      assert.strictEqual(bad.reason._tag === "InvalidRequest" ? bad.reason.field : undefined, "apiKey")
      assert.notInclude(bad.message, "0123456789")
      assert.strictEqual(server.requests.length, 0)
    }))
})

describe("keys with surrounding whitespace", () => {
  for (const entry of Providers.all) {
    it.live(`${entry.name}: the key is sent trimmed and no form of it comes back`, () =>
      Effect.gen(function*() {
        // The server echoes the key as it received it and as it was configured.
        const raw = `${entry.key}\n`
        const server = yield* FakeServer.make((request) => ({
          kind: "json",
          status: 401,
          headers: { "x-request-id": `id-${entry.sentKey(request) ?? ""}`, "request-id": `id-${entry.sentKey(request) ?? ""}` },
          body: { error: { message: `bad key ${entry.sentKey(request) ?? ""} (configured as ${JSON.stringify(raw)})`, type: "authentication_error" } }
        }))
        const backend = yield* entry.build({
          apiKey: Redacted.make(raw),
          baseUrl: `${server.url}${entry.basePath}`,
          model: "m",
          policy: { maxRetries: 0, circuitBreaker: false }
        })
        // The one-shot call, then the stream (or, without one, the next operation).
        const error = yield* Effect.flip(Providers.run(backend, Providers.oneShot(entry)))
        const second = Providers.streams(entry) ? "stream" : Providers.operationsOf(entry).find((op) => op !== Providers.oneShot(entry))!
        const streamed = yield* Effect.flip(Providers.run(backend, second))
        assert.strictEqual(entry.sentKey(server.requests[0]!), entry.key, "sent trimmed")
        const stats = yield* backend.monitor.stats
        for (const [where, value] of [["error", error], [`${second} error`, streamed], ["stats", stats]] as const) {
          Secrets.assertNoSecret(value, entry.key, `${entry.name} ${where}`, entry.key.slice(8, 28))
        }
        Secrets.assertNoSecret(yield* backend.monitor.report("text"), entry.key, "report", entry.key.slice(8, 28))
        assert.include(error.providerRequestId ?? "", "[REDACTED]", "a kept header is scrubbed too")
      }))
  }

  it.live("a provider request id echoing the key is scrubbed on a success too", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make((request) => ({
        kind: "json",
        headers: { "x-request-id": `id-${request.headers["authorization"]}` },
        body: OpenAiFixtures.completion({})
      }))
      const backend = yield* OpenAi.make({ apiKey: Redacted.make(KEY), baseUrl: `${server.url}/v1`, model: "m" }).pipe(
        Effect.provide(FetchHttpClient.layer)
      )
      const response = yield* backend.chat(hi)
      assert.isDefined(response.providerRequestId)
      Secrets.assertNoSecret(response, KEY, "response")
    }))

  it.live("pool keys are trimmed too", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(() => ({ kind: "json", body: OpenAiFixtures.completion({}) }))
      const backend = yield* OpenAi.make({
        apiKeys: [{ name: "a", value: Redacted.make(`  ${KEY}\r\n`) }],
        baseUrl: `${server.url}/v1`,
        model: "m"
      }).pipe(Effect.provide(FetchHttpClient.layer))
      yield* backend.chat(hi)
      assert.strictEqual(server.requests[0]!.headers["authorization"], `Bearer ${KEY}`)
    }))
})

describe("HeaderSafety.valueProblem", () => {
  it("passes exactly the values of visible ASCII, inner spaces and tabs, with no whitespace at either end", () => {
    const char = fc.constantFrom(" ", "\t", "\r", "\n", "a", "Z", "~", "!", "\x7f", "\x00", "\x1f", "é", "🚀")
    fc.assert(
      fc.property(fc.array(char, { maxLength: 8 }).map((cs) => cs.join("")), (value) => {
        const sendable = /^[\t\x20-\x7e]*$/.test(value) && value === value.trim()
        assert.strictEqual(HeaderSafety.valueProblem(value) === undefined, sendable, JSON.stringify(value))
      }),
      { numRuns: 5000 }
    )
  })
})

describe("Outbound.unsafeHeader with its cache of passed headers", () => {
  it("checks a header once per value, never keeps one carrying the key, and checks the request id every time", () => {
    const key = Redacted.make("sk-cache-test-000")
    const passed = new Map<string, string>()
    const context = { requestIdHeader: "x-request-id", apiKey: key }
    const request = (id: string) =>
      HttpClientRequest.post("http://x.invalid/v1").pipe(
        HttpClientRequest.setHeaders({ "x-request-id": id, "anthropic-version": "2023-06-01", authorization: `Bearer ${Redacted.value(key)}` })
      )
    assert.isUndefined(Outbound.unsafeHeader(request("req_1"), context, passed))
    assert.deepStrictEqual([...passed.keys()], ["anthropic-version"])
    // The same backend, later, with a request id fetch would refuse: still caught, named.
    const bad = Outbound.unsafeHeader(request("req\n2"), context, passed)
    assert.strictEqual(bad?.field, "options.requestId")
    assert.isFalse([...passed.values()].some((value) => value.includes(Redacted.value(key))))
  })
})
