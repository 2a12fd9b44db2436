/**
 * A redirect is never followed: the key must not reach another origin, and
 * another origin's answer must not come back as ours. Whatever the status,
 * the call fails as InvalidResponse (not retried, fallbackable) naming the
 * status and the target's host, never its full URL.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { NodeHttpClient } from "@effect/platform-node"
import { Message, OpenAi } from "../../src/index.ts"
import * as FakeServer from "../support/FakeServer.ts"
import * as OpenAiFixtures from "../support/OpenAiFixtures.ts"
import * as Providers from "../support/Providers.ts"

const hi = { messages: [Message.user("Hi")] }

const redirectTo = (target: string, status: number): FakeServer.Handler => () => ({
  kind: "text",
  status,
  headers: { location: `${target}/secret-path?token=abc` },
  body: "moved"
})

describe("redirects are refused", () => {
  for (const entry of Providers.all) {
    for (const status of [301, 302, 307, 308]) {
      it.live(`${entry.name}: a ${status} to another origin fails and the other origin sees nothing`, () =>
        Effect.gen(function*() {
          const other = yield* FakeServer.make(entry.answer)
          const { backend, server } = yield* Providers.setup(entry, redirectTo(other.url, status), { maxRetries: 3 })
          const operations = Providers.operationsOf(entry)
          const errors = yield* Effect.forEach(operations, (operation) => Effect.flip(Providers.run(backend, operation)))
          for (const error of errors) {
            assert.strictEqual(error.reason._tag, "InvalidResponse")
            assert.isFalse(error.retryable)
            assert.isTrue(error.fallbackable)
            assert.strictEqual(error.status, status)
            assert.include(error.message, `HTTP ${status}`)
            assert.include(error.message, new URL(other.url).host)
            assert.notInclude(error.message, "secret-path")
            assert.notInclude(error.message, "token=abc")
          }
          assert.strictEqual(other.requests.length, 0, "the other origin saw no request")
          assert.strictEqual(server.requests.length, operations.length, "one attempt per call: a redirect is not retried")
        }))
    }
  }

  it.live("the rule holds with the Node HTTP client too (it returns the 3xx as is)", () =>
    Effect.gen(function*() {
      const other = yield* FakeServer.make(() => ({ kind: "json", body: OpenAiFixtures.completion({}) }))
      const server = yield* FakeServer.make(redirectTo(other.url, 302))
      const backend = yield* OpenAi.make({
        apiKey: Redacted.make("sk-node-client-0123456789"),
        baseUrl: `${server.url}/v1`,
        model: "m",
        policy: { maxRetries: 0 }
      }).pipe(Effect.provide(NodeHttpClient.layerNodeHttp.pipe(Layer.orDie)))
      const error = yield* Effect.flip(backend.chat(hi))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      assert.strictEqual(other.requests.length, 0)
    }))
})
