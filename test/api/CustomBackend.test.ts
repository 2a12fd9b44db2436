import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { FetchHttpClient } from "effect/http"
import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { makeToy, startToyServer } from "../../examples/custom-backend.ts"
import { Message } from "../../src/index.ts"

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..")

describe("a custom backend (README, 'Writing your own backend')", () => {
  it("the README's code is the example's backend, word for word", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8")
    const example = readFileSync(join(root, "examples", "custom-backend.ts"), "utf8")
    const block = /## Writing your own backend\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1]
    const backend = /\/\/ ---- backend ----\n([\s\S]*?)\/\/ ---- end backend ----\n/.exec(example)?.[1]
    assert.isDefined(backend)
    assert.strictEqual(block, backend)
  })

  it.live("gets the pipeline: a 503 is retried, usage and stats are counted", () =>
    Effect.gen(function*() {
      const server = yield* startToyServer
      const toy = yield* makeToy(server.url)
      const reply = yield* toy.chat({ messages: [Message.user("ping")] })
      assert.strictEqual(reply.text, "echo: ping")
      assert.strictEqual(reply.usage?.totalTokens, 14)
      // The toy server answers its first request with 503: the pipeline retried.
      assert.strictEqual(server.seen(), 2)
      const stats = yield* toy.monitor.stats
      assert.strictEqual(stats.total_requests, 1)
      assert.strictEqual(stats.total_retries, 1)
      assert.deepStrictEqual(stats.tokens_by_model["toy-1"], { input: 4, output: 10 })
      // Input is validated like any backend's.
      const bad = yield* Effect.flip(toy.chat({ messages: [], temperature: 9 }))
      assert.strictEqual(bad.reason._tag, "InvalidRequest")
    }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer)))
})
