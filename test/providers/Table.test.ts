/**
 * The shared provider table says what each backend really has: the suites
 * that iterate it send each entry's operations, so an entry listing less
 * than its backend can do would leave a door untested.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Providers from "../support/Providers.ts"

describe("the provider table", () => {
  it("names are unique", () => {
    const names = Providers.all.map((entry) => entry.name)
    assert.strictEqual(new Set(names).size, names.length)
  })

  for (const entry of Providers.all) {
    it.live(`${entry.name}: its operations are its backend's chat, stream and models (embed when it has no chat)`, () =>
      Effect.gen(function*() {
        const { backend } = yield* Providers.setup(entry, entry.answer)
        const operations = Providers.operationsOf(entry)
        const has = backend.capabilities
        assert.strictEqual(backend.provider, Providers.providerOf(entry))
        for (const operation of operations) assert.isTrue(has[operation], `${operation} is a capability`)
        assert.strictEqual(operations.includes("chat"), has.chat)
        assert.strictEqual(operations.includes("stream"), has.stream)
        assert.strictEqual(operations.includes("models"), has.models)
        if (!has.chat) assert.strictEqual(operations.includes("embed"), has.embed)
        assert.strictEqual(entry.malformedStream !== undefined, has.stream, "a malformed stream exactly when it streams")
      }))
  }
})
