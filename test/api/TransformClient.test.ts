/**
 * `transformClient` on every provider: the function given to one backend
 * changes that backend's `HttpClient` for every operation it sends, and no
 * other backend's. Counted from the server side: the header each request
 * arrived with.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import * as FakeServer from "../support/FakeServer.ts"
import * as Providers from "../support/Providers.ts"

const HEADER = "x-audit-proxy"

describe("transformClient, every provider", () => {
  for (const entry of Providers.all) {
    it.live(`${entry.name}: every operation goes through the transformed client; a backend without it is untouched`, () =>
      Effect.gen(function*() {
        const server = yield* FakeServer.make(entry.answer)
        const common = {
          apiKey: Redacted.make(entry.key),
          baseUrl: `${server.url}${entry.basePath}`,
          model: "m",
          policy: { maxRetries: 0, circuitBreaker: false }
        }
        const proxied = yield* entry.build({
          ...common,
          transformClient: HttpClient.mapRequest(HttpClientRequest.setHeader(HEADER, entry.name))
        })
        const plain = yield* entry.build(common)
        const operations = Providers.operationsOf(entry)
        for (const operation of operations) yield* Providers.run(proxied, operation)
        const proxiedSeen = server.requests.length
        for (const operation of operations) yield* Providers.run(plain, operation)
        assert.isAtLeast(proxiedSeen, operations.length)
        assert.deepStrictEqual(
          server.requests.slice(0, proxiedSeen).map((r) => r.headers[HEADER]),
          Array.from({ length: proxiedSeen }, () => entry.name)
        )
        const rest = server.requests.slice(proxiedSeen)
        assert.isAtLeast(rest.length, operations.length)
        assert.isTrue(rest.every((r) => r.headers[HEADER] === undefined))
      }))
  }
})
