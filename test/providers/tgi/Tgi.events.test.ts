/**
 * The hand check for TGI's token events (`generate_stream`) against the
 * `StreamEvent` Schema it stands in for: whatever it takes, the Schema
 * accepts and decodes to an equal value, over generated near-values; and it
 * takes the token events of the real recorded streams (not their last
 * event, which carries the whole text), so real streams use the fast path.
 */
import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import * as fc from "fast-check"
import * as FromWire from "../../../src/providers/tgi/fromWire.ts"
import { Token } from "../../../src/providers/tgi/Generate.ts"
import { isTokenEvent, StreamEvent } from "../../../src/providers/tgi/Wire.ts"
import { junk, near, takesOnlyWhatDecodesUnchanged } from "../../support/Junk.ts"
import * as Shared from "../../support/Shared.ts"

const decode = Schema.decodeUnknownResult(StreamEvent)
// Mostly a token event's exact shape, sometimes with a field more, a value of the wrong kind or the last event's text.
const token = fc.tuple(
  fc.record({
    id: near(fc.nat(50_000)),
    text: near(fc.string({ maxLength: 4 })),
    logprob: near(fc.oneof(fc.double({ min: -10, max: 0, noNaN: true }), fc.constant(null))),
    special: near(fc.oneof(fc.boolean(), fc.constant(null)))
  }, { requiredKeys: ["id", "text"] }),
  fc.nat(9),
  junk
).map(([fields, dice, other]) => dice === 0 ? { ...fields, extra: other } : fields)
const event = fc.tuple(
  fc.record({
    index: near(fc.oneof(fc.nat(100), fc.constant(null))),
    token: near(token),
    generated_text: near(fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.string({ maxLength: 4 }) })),
    details: near(fc.constant(null))
  }, { requiredKeys: ["token"] }),
  fc.nat(9),
  junk
).map(([fields, dice, other]) => dice === 0 ? { ...fields, top_tokens: other } : fields)

describe("TGI stream events: the hand check for token events", () => {
  it("takes only what the Schema accepts, and the Schema decodes it unchanged", () => {
    const taken = takesOnlyWhatDecodesUnchanged(event, isTokenEvent, decode, 6000)
    assert.isAbove(taken, 300, `taken ${taken}`)
  })

  it("the token built without a second parse is the constructor's", () => {
    fc.assert(
      fc.property(fc.nat(50_000), fc.string({ maxLength: 4 }), fc.option(fc.double({ noNaN: true }), { nil: null }), fc.option(fc.boolean(), { nil: null }), (id, text, logprob, special) => {
        const made = FromWire.token({ id, text, logprob, special })
        const checked = new Token({ id, text, special: special ?? false, ...(logprob === null ? {} : { logprob }) })
        assert.strictEqual(Object.getPrototypeOf(made), Object.getPrototypeOf(checked))
        assert.deepStrictEqual(Object.keys(made), Object.keys(checked))
        assert.deepStrictEqual(made, checked)
      }),
      { numRuns: 500 }
    )
  })

  it(`takes the token events of the recorded streams${Shared.skipReason}`, { skip: !Shared.available }, () => {
    let tokens = 0
    let taken = 0
    for (const name of Shared.streamNames(/^tgi-generate-stream-.*\.sse$/)) {
      const raw = new TextDecoder().decode(Shared.streamBytes(name))
      for (const line of raw.split(/\r?\n/)) {
        if (!line.startsWith("data:")) continue
        const json: unknown = JSON.parse(line.slice(5))
        const decoded = decode(json)
        if (decoded._tag === "Success" && decoded.success.generated_text == null) {
          tokens++
          if (isTokenEvent(json)) taken++
        }
        if (isTokenEvent(json)) assert.deepStrictEqual((decoded as { readonly success: unknown }).success, json, name)
      }
    }
    assert.isAbove(tokens, 0, "the recordings carry token events")
    assert.strictEqual(taken, tokens, "every recorded token event takes the fast path")
  })
})
