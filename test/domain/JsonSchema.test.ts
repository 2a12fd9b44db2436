/**
 * Tool and response schemas are plain, bounded JSON: a schema nested 5,000
 * levels, one with a cycle, or a small graph that writes out exponentially is
 * refused as InvalidRequest naming the field, before anything is sent (it
 * used to pass validation and crash the call in the cost estimate).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Message, Tool } from "../../src/index.ts"
import * as OpenAiFixtures from "../support/OpenAiFixtures.ts"
import { setup } from "../support/openAi.ts"

const nested = (levels: number): Record<string, unknown> => {
  let schema: Record<string, unknown> = { type: "string" }
  for (let i = 0; i < levels; i++) schema = { type: "object", properties: { a: schema } }
  return schema
}

const cyclic = (): Record<string, unknown> => {
  const node: Record<string, unknown> = { type: "object", properties: {} }
  ;(node["properties"] as Record<string, unknown>)["self"] = node
  return node
}

// 40 levels, each holding the level below twice: tiny in memory, 2^40 values written out.
const bomb = (): Record<string, unknown> => {
  let schema: Record<string, unknown> = { type: "string" }
  for (let i = 0; i < 40; i++) schema = { anyOf: [schema, schema] }
  return schema
}

const withTool = (parameters: Record<string, unknown>) => ({
  messages: [Message.user("Hi")],
  tools: [{ name: "f", parameters }]
})

describe("JSON schema bounds", () => {
  for (const [label, schema] of [["5,000 levels deep", nested(5_000)], ["cyclic", cyclic()], ["exponential when written out", bomb()]] as const) {
    it.live(`a tool schema ${label} is InvalidRequest at tools.0.parameters; nothing is sent`, () =>
      Effect.gen(function*() {
        const { backend, server } = yield* setup(() => ({ kind: "json", body: OpenAiFixtures.completion({}) }))
        const error = yield* Effect.flip(backend.chat(withTool(schema)))
        assert.strictEqual(error.reason._tag, "InvalidRequest")
        assert.strictEqual(error.reason._tag === "InvalidRequest" ? error.reason.field : undefined, "tools.0.parameters")
        assert.strictEqual(server.requests.length, 0)
      }))
  }

  it.live("a response-format schema is bounded the same way", () =>
    Effect.gen(function*() {
      const { backend, server } = yield* setup(() => ({ kind: "json", body: OpenAiFixtures.completion({}) }))
      const error = yield* Effect.flip(backend.chat({
        messages: [Message.user("Hi")],
        responseFormat: { _tag: "JsonSchema", name: "out", schema: cyclic() }
      }))
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      assert.include(error.reason._tag === "InvalidRequest" ? error.reason.field ?? "" : "", "responseFormat")
      assert.strictEqual(server.requests.length, 0)
    }))

  it("ordinary schemas pass: deep but within the bound, and a node shared by two properties", () => {
    const shared = { type: "string" }
    assert.doesNotThrow(() => Tool.make("f", { parameters: nested(60) }))
    assert.doesNotThrow(() => Tool.make("g", { parameters: { type: "object", properties: { a: shared, b: shared } } }))
  })

  it("non-JSON values are refused", () => {
    assert.throws(() => Tool.make("f", { parameters: { type: "object", default: 1n } as Record<string, unknown> }))
    assert.throws(() => Tool.make("f", { parameters: { minimum: Number.NaN } }))
  })
})
