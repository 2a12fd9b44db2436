/**
 * The hand check for Anthropic's most common stream event (a block's text
 * delta) against the `StreamEvent` Schema it stands in for: whatever it
 * takes, the Schema accepts and decodes to an equal value, over generated
 * near-values; and it takes the text deltas of the real recorded streams, so
 * the fast path is the one real streams use.
 */
import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import * as fc from "fast-check"
import { isTextDelta, StreamEvent } from "../../../src/providers/anthropic/Wire.ts"
import { junk, near, takesOnlyWhatDecodesUnchanged } from "../../support/Junk.ts"
import * as Shared from "../../support/Shared.ts"

const decode = Schema.decodeUnknownResult(StreamEvent)
// Mostly the text delta's exact shape, sometimes with a field more, a value of the wrong kind or another type.
const delta = fc.tuple(
  fc.record({ type: near(fc.constantFrom("text_delta", "input_json_delta", "thinking_delta")), text: near(fc.string({ maxLength: 4 })) }),
  fc.nat(7),
  junk
).map(([fields, dice, other]) => dice === 0 ? { ...fields, partial_json: other } : dice === 1 ? { ...fields, stop_reason: other } : fields)
const event = fc.tuple(
  fc.record({
    type: near(fc.constantFrom("content_block_delta", "content_block_start", "message_delta", "ping")),
    index: near(fc.oneof(fc.nat(3), fc.constantFrom(-1, 1.5, 2 ** 53))),
    delta: near(delta)
  }),
  fc.nat(7),
  junk
).map(([fields, dice, other]) => dice === 0 ? { ...fields, usage: other } : dice === 1 ? { ...fields, extra: other } : fields)

describe("Anthropic stream events: the hand check for text deltas", () => {
  it("takes only what the Schema accepts, and the Schema decodes it unchanged", () => {
    const taken = takesOnlyWhatDecodesUnchanged(event, isTextDelta, decode, 20000)
    assert.isAbove(taken, 40, `taken ${taken}`)
  })

  it("leaves every other shape to the Schema", () => {
    const text = { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hi" } }
    assert.isTrue(isTextDelta(text))
    for (
      const other of [
        { ...text, index: 1.5 },
        { ...text, usage: { output_tokens: 1 } },
        { ...text, delta: { ...text.delta, partial_json: "" } },
        { ...text, delta: { type: "input_json_delta", partial_json: "{" } },
        { type: "message_delta", delta: { stop_reason: "end_turn" } },
        Object.assign(Object.create({ inherited: true }), text)
      ]
    ) assert.isFalse(isTextDelta(other), JSON.stringify(other))
  })

  it(`takes the text deltas of the recorded streams${Shared.skipReason}`, { skip: !Shared.available }, () => {
    const files = Shared.streamNames(/^anthropic-messages-.*\.sse$/)
    let deltas = 0
    let taken = 0
    for (const name of files) {
      const raw = new TextDecoder().decode(Shared.streamBytes(name))
      for (const line of raw.split(/\r?\n/)) {
        if (!line.startsWith("data:")) continue
        const json: unknown = JSON.parse(line.slice(5))
        const decoded = decode(json)
        if (decoded._tag === "Success" && decoded.success.type === "content_block_delta" && decoded.success.delta?.type === "text_delta") {
          deltas++
          if (isTextDelta(json)) taken++
        }
        if (isTextDelta(json)) assert.deepStrictEqual((decoded as { readonly success: unknown }).success, json, name)
      }
    }
    assert.isAbove(deltas, 0, "the recordings carry text deltas")
    assert.strictEqual(taken, deltas, "every recorded text delta takes the fast path")
  })
})
