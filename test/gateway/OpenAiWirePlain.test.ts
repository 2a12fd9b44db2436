/**
 * The gateway's hand check for the common chat request against the Schema
 * it stands in for: whatever it accepts, the wire Schema accepts too, and
 * the translation of the raw body equals the translation of the decoded one
 * (the same `ChatCall`, or the same error naming the same field), over
 * generated near-values, valid and not. It also takes the shapes SDKs send,
 * so the fast path is really used.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as fc from "fast-check"
import * as OpenAiWire from "../../src/gateway/OpenAiWire.ts"
import * as LlmError from "../../src/LlmError.ts"
import { junk as anyJunk } from "../support/Junk.ts"

const decode = Schema.decodeUnknownResult(OpenAiWire.ChatCompletionRequest)

// Anything of the wrong kind, and a content-parts array (the Schema's, never the hand check's).
const junk = fc.oneof(anyJunk, fc.constant([{ type: "text", text: "part" }]))
const near = (right: fc.Arbitrary<unknown>) => fc.oneof({ weight: 20, arbitrary: right }, { weight: 1, arbitrary: junk })
const role = fc.constantFrom("system", "developer", "user", "assistant", "tool", "other")
const message = fc.oneof(
  { weight: 12, arbitrary: fc.record({ role: near(fc.constantFrom("user", "assistant")), content: near(fc.string({ minLength: 1, maxLength: 4 })) }) },
  { weight: 3, arbitrary: fc.record({ role, content: near(fc.string({ maxLength: 4 })) }) },
  { weight: 1, arbitrary: fc.record({ role, content: junk, tool_calls: junk, name: junk }, { requiredKeys: ["role"] }) },
  { weight: 1, arbitrary: junk }
)
// Mostly in the domain's range (so many requests translate), sometimes just outside or of the wrong kind.
const anyNumber = fc.oneof(fc.double({ min: -3, max: 3 }), fc.integer({ min: -2, max: 5000 }), fc.constantFrom(0, -0, 1.5, 2 ** 53, null))
const number = (valid: fc.Arbitrary<number>) => fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: anyNumber })
const fields = {
  model: near(fc.string({ minLength: 1, maxLength: 3 })),
  messages: near(fc.array(message, { maxLength: 3 })),
  stream: near(fc.constantFrom(true, false, null)),
  stream_options: near(fc.oneof(fc.constant(null), fc.record({ include_usage: near(fc.boolean()), other: junk }, { requiredKeys: [] }))),
  temperature: near(number(fc.double({ min: 0, max: 2, noNaN: true }))),
  top_p: near(number(fc.double({ min: 0, max: 1, noNaN: true }))),
  max_tokens: near(number(fc.integer({ min: 1, max: 4096 }))),
  max_completion_tokens: near(number(fc.integer({ min: 1, max: 4096 }))),
  seed: near(number(fc.integer())),
  presence_penalty: near(number(fc.double({ min: -2, max: 2, noNaN: true }))),
  frequency_penalty: near(number(fc.double({ min: -2, max: 2, noNaN: true }))),
  n: near(fc.constantFrom(1, 2, null)),
  logprobs: near(fc.constantFrom(true, false, null)),
  user: near(fc.string({ maxLength: 3 })),
  stop: near(fc.oneof(fc.constant(null), fc.string({ maxLength: 2 }), fc.array(fc.string({ maxLength: 2 }), { maxLength: 2 }))),
  metadata: junk
}
// Each field absent or present; the fields of other shapes (the Schema's own), rarely.
const body = fc.tuple(fc.record(fields, { requiredKeys: ["model", "messages"] }), fc.nat(19), junk).map(([input, dice, other]) => {
  const out: Record<string, unknown> = { ...input }
  if (dice === 0) out["tools"] = other
  if (dice === 1) out["response_format"] = other
  if (dice === 2) out["tool_choice"] = other
  return out
})

const same = (fast: OpenAiWire.ChatCall | LlmError.LlmError, slow: OpenAiWire.ChatCall | LlmError.LlmError, input: unknown) => {
  if (fast instanceof LlmError.LlmError || slow instanceof LlmError.LlmError) {
    assert.instanceOf(fast, LlmError.LlmError, `only the Schema path failed for ${JSON.stringify(input)}`)
    assert.instanceOf(slow, LlmError.LlmError, `only the hand path failed for ${JSON.stringify(input)}`)
    assert.deepStrictEqual(fast.reason, slow.reason)
    return
  }
  assert.deepStrictEqual(fast, slow)
}

describe("OpenAiWire: the hand check for the common chat request", () => {
  it("accepts only what the Schema accepts, and translates it the same way", () => {
    let accepted = 0
    let translated = 0
    fc.assert(
      fc.property(body, (input) => {
        if (!OpenAiWire.isPlainChatRequest(input)) return
        accepted++
        const decoded = decode(input)
        assert.strictEqual(decoded._tag, "Success", `the Schema refuses what the hand check took: ${JSON.stringify(input)}`)
        const fast = OpenAiWire.fromWireRequest(input)
        if (!(fast instanceof LlmError.LlmError)) translated++
        same(fast, OpenAiWire.schemaChatCall(input), input)
      }),
      { numRuns: 6000, seed: 20261202 }
    )
    // Otherwise the property says nothing: the fast path must be taken, and often lead somewhere.
    assert.isAbove(accepted, 300, `accepted ${accepted}`)
    assert.isAbove(translated, 60, `accepted ${accepted}, translated ${translated}`)
  })

  it("takes what SDKs send, and leaves tools, parts and tool messages to the Schema", () => {
    const hi = [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }, { role: "assistant", content: "Hello" }, { role: "user", content: "Again" }]
    const sdk = { model: "gpt-4o-mini", messages: hi, stream: true, stream_options: { include_usage: true }, temperature: 0.2, max_tokens: 64, stop: ["\n"], user: "u" }
    assert.isTrue(OpenAiWire.isPlainChatRequest(sdk))
    assert.isTrue(OpenAiWire.isPlainChatRequest(JSON.parse(JSON.stringify(sdk))))
    for (
      const other of [
        { ...sdk, tools: [] },
        { ...sdk, response_format: { type: "text" } },
        { ...sdk, messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }] },
        { ...sdk, messages: [{ role: "tool", tool_call_id: "c", content: "42" }] },
        { ...sdk, messages: [{ role: "assistant", content: "x", tool_calls: [] }] },
        { messages: hi },
        Object.assign(Object.create({ inherited: true }), sdk)
      ]
    ) assert.isFalse(OpenAiWire.isPlainChatRequest(other), JSON.stringify(other))
  })

  it.effect("a bad value on the fast path is still named by its wire field", () =>
    Effect.gen(function*() {
      const field = (input: unknown) =>
        Effect.map(Effect.flip(OpenAiWire.chatCall(input)), (error) => error.reason._tag === "InvalidRequest" ? error.reason.field : error.reason._tag)
      const hi = [{ role: "user", content: "Hi" }]
      assert.strictEqual(yield* field({ model: "m", messages: hi, temperature: 3 }), "temperature")
      assert.strictEqual(yield* field({ model: "m", messages: hi, max_tokens: 0 }), "max_tokens")
      assert.strictEqual(yield* field({ model: "m", messages: hi, max_completion_tokens: 1.5 }), "max_completion_tokens")
      assert.strictEqual(yield* field({ model: "m", messages: [] }), "messages")
      assert.strictEqual(yield* field({ model: "m", messages: hi, n: 3 }), "n")
    }))
})
