/**
 * The hand-written wire checks against the Schemas they stand in for:
 * whatever one accepts, its Schema accepts (over generated near-values,
 * valid and not); the chunk check accepts every chunk of every recorded
 * OpenAI-compatible stream (recorded traffic takes the fast path), and the
 * completion check the fake server's completions.
 */
import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import * as fc from "fast-check"
import * as WireShape from "../../../src/providers/openai-compat/WireShape.ts"
import { ChatCompletion, ChatCompletionChunk } from "../../../src/providers/openai-compat/Wire.ts"
import type * as EventStream from "../../../src/transport/EventStream.ts"
import * as SseParser from "../../../src/transport/SseParser.ts"
import * as OpenAiFixtures from "../../support/OpenAiFixtures.ts"
import * as Shared from "../../support/Shared.ts"

const decode = Schema.decodeUnknownResult(ChatCompletionChunk)
const decodeCompletion = Schema.decodeUnknownResult(ChatCompletion)

// Any JSON value, for a field to hold when it is not the right type.
const junk = fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}), fc.array(fc.string(), { maxLength: 2 }))

// A field: absent, or holding the right kind of value, or anything else.
const field = (right: fc.Arbitrary<unknown>) => fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 4, arbitrary: right }, { weight: 1, arbitrary: junk })
const record = (fields: Record<string, fc.Arbitrary<unknown>>) =>
  fc.record(Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, field(v)]))).map((r) =>
    Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)))
const str = fc.oneof(fc.string(), fc.constant(null))
const num = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(null))
// Mostly whole counts, sometimes a negative, a fraction or one past the wire bound (which the Schema refuses).
const count = fc.oneof({ weight: 20, arbitrary: fc.nat(10_000) }, { weight: 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: num }, {
  weight: 1,
  arbitrary: fc.constantFrom(2 ** 50, 2 ** 50 + 1, 2 ** 60)
})
const usage = record({
  prompt_tokens: count,
  completion_tokens: count,
  total_tokens: count,
  prompt_tokens_details: fc.oneof(record({ cached_tokens: count }), fc.constant(null)),
  completion_tokens_details: fc.oneof(record({ reasoning_tokens: count }), fc.constant(null))
})
const piece = record({
  index: fc.oneof({ weight: 8, arbitrary: fc.integer() }, { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) }, { weight: 1, arbitrary: fc.constant(2 ** 60) }),
  id: str,
  type: str,
  function: fc.oneof(record({ name: str, arguments: str }), fc.constant(null))
})
const delta = record({ role: str, content: str, refusal: str, tool_calls: fc.oneof(fc.array(piece, { maxLength: 3 }), fc.constant(null)) })
const choice = record({ index: num, delta: fc.oneof(delta, fc.constant(null)), finish_reason: str, logprobs: junk })
const chunk = record({
  id: str,
  object: fc.string(),
  model: str,
  choices: fc.oneof(fc.array(choice, { maxLength: 3 }), fc.constant(null)),
  usage: fc.oneof(usage, fc.constant(null)),
  x_groq: fc.oneof(record({ usage: fc.oneof(usage, fc.constant(null)) }), fc.constant(null))
})

const toolCall = record({ id: str, type: str, function: record({ name: str, arguments: str }) })
const message = record({ role: str, content: str, refusal: str, tool_calls: fc.oneof(fc.array(toolCall, { maxLength: 3 }), fc.constant(null)) })
const completion = record({
  id: str,
  model: str,
  object: fc.string(),
  choices: fc.array(record({ index: num, message, finish_reason: str }), { maxLength: 3 }),
  usage: fc.oneof(usage, fc.constant(null))
})

// Over generated values (through JSON, as the decoder sees them): whatever `check` accepts,
// `schema` decodes; and `check` accepts at least `least` of them (one that accepts nothing
// would pass the loop alone).
const assertSound = (
  check: (value: unknown) => boolean,
  schema: (value: unknown) => { readonly _tag: string },
  values: fc.Arbitrary<unknown>,
  least: number
) => {
  let accepted = 0
  fc.assert(
    fc.property(values, (value) => {
      const json = JSON.parse(JSON.stringify(value)) as unknown
      if (check(json)) {
        accepted++
        assert.strictEqual(schema(json)._tag, "Success", JSON.stringify(json))
      }
    }),
    { numRuns: 5000 }
  )
  assert.isAbove(accepted, least)
}

describe("WireShape.isCompletion", () => {
  it("accepts only what the wire Schema accepts", () => {
    assertSound(WireShape.isCompletion, decodeCompletion, fc.oneof(completion, chunk, junk), 300)
  })

  it("accepts the fake server's completions (text, tool calls, refusal, no content)", () => {
    const bodies = [
      OpenAiFixtures.completion({}),
      OpenAiFixtures.completion({ content: null, toolCalls: [{ id: "call_1", name: "get_weather", arguments: "{}" }], finish: "tool_calls" }),
      OpenAiFixtures.completion({ content: null, refusal: "I can't help with that." })
    ]
    for (const body of bodies) {
      const json = JSON.parse(JSON.stringify(body)) as unknown
      assert.isTrue(WireShape.isCompletion(json), JSON.stringify(body))
      assert.strictEqual(decodeCompletion(json)._tag, "Success")
    }
  })

  it("refuses a wrong type in each field the decoder reads", () => {
    const ok = { choices: [{ message: { content: "hi" } }] }
    assert.isTrue(WireShape.isCompletion(ok))
    const bad = [
      {},
      { choices: null },
      { choices: [{}] },
      { choices: [{ message: null }] },
      { choices: [{ message: { content: 1 } }] },
      { choices: [{ message: { tool_calls: [{ function: {} }] } }] },
      { choices: [{ message: { tool_calls: [{ function: { name: null } }] } }] },
      { choices: [{ message: { tool_calls: [{ function: { name: "f", arguments: {} } }] } }] },
      { choices: [{ message: {}, finish_reason: 1 }] },
      { ...ok, id: 1 },
      { ...ok, usage: { total_tokens: "2" } }
    ]
    for (const value of bad) {
      assert.isFalse(WireShape.isCompletion(value), JSON.stringify(value))
      assert.strictEqual(decodeCompletion(value)._tag, "Failure", JSON.stringify(value))
    }
  })
})

describe("WireShape.isChunk", () => {
  it("accepts only what the wire Schema accepts", () => {
    assertSound(WireShape.isChunk, decode, fc.oneof(chunk, junk), 500)
  })

  it("refuses a wrong type in each field the decoder reads", () => {
    const bad = [
      { id: 1 },
      { model: [] },
      { choices: {} },
      { choices: [{ delta: { content: 5 } }] },
      { choices: [{ delta: { refusal: {} } }] },
      { choices: [{ delta: { tool_calls: [{ id: "a" }] } }] },
      { choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: 1 } }] } }] },
      { choices: [{ finish_reason: 0 }] },
      { choices: [{ index: "0" }] },
      { usage: { prompt_tokens: "3" } },
      { usage: { completion_tokens_details: { reasoning_tokens: "1" } } },
      { x_groq: { usage: { total_tokens: true } } },
      [],
      "data"
    ]
    for (const value of bad) {
      assert.isFalse(WireShape.isChunk(value), JSON.stringify(value))
      assert.strictEqual(decode(value)._tag, "Failure", JSON.stringify(value))
    }
  })

  const names = Shared.streamNames(/^(openai-chat-|compat-).*\.sse$/)
  describe(`recorded streams${Shared.skipReason}`, () => {
    it.skipIf(!Shared.available)("every chunk of every recorded OpenAI-compatible stream passes the check", () => {
      assert.isAbove(names.length, 5)
      let chunks = 0
      for (const name of names) {
        const events: Array<EventStream.SseEvent> = []
        SseParser.make(1 << 24).feed(new TextDecoder().decode(Shared.streamBytes(name)), events)
        for (const event of events) {
          const data = event.data.trim()
          if (data === "[DONE]") continue
          const json = JSON.parse(data) as { readonly error?: unknown }
          if (typeof json === "object" && json !== null && json.error !== undefined) continue
          chunks++
          assert.isTrue(WireShape.isChunk(json), `${name}: ${data}`)
          assert.strictEqual(decode(json)._tag, "Success", name)
        }
      }
      assert.isAbove(chunks, 50)
    })
  })
})
