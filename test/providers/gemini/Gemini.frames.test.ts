/**
 * The hand check for Gemini's common stream event (a response whose
 * candidates hold only text parts) against the `GenerateContentResponse`
 * Schema it stands in for: whatever it takes, the Schema accepts, and what
 * the decoder reads from it is what it reads from the Schema's output, over
 * generated near-values; and it takes every text event of the real recorded
 * streams, so real streams use the fast path.
 */
import { assert, describe, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import * as fc from "fast-check"
import * as FromWire from "../../../src/providers/gemini/fromWire.ts"
import * as StreamDecoder from "../../../src/providers/gemini/StreamDecoder.ts"
import * as Wire from "../../../src/providers/gemini/Wire.ts"
import { junk, near } from "../../support/Junk.ts"
import * as Shared from "../../support/Shared.ts"

const decode = Schema.decodeUnknownResult(Wire.GenerateContentResponse)

const text = fc.oneof(fc.string({ maxLength: 4 }), fc.constant(null))
const count = fc.oneof(fc.nat(10_000), fc.constant(null))
const rarely = <A>(arbitrary: fc.Arbitrary<A>) => fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, { weight: 1, arbitrary })
const withExtra = <A extends object>(fields: fc.Arbitrary<A>) =>
  fc.tuple(fields, fc.nat(9), junk).map(([value, dice, other]) => dice === 0 ? { ...value, extra: other } : value)

const part = withExtra(fc.record({
  text: near(fc.string({ maxLength: 4 })),
  thought: near(fc.oneof(fc.boolean(), fc.constant(null))),
  functionCall: near(rarely(fc.record({ name: fc.constant("f"), args: fc.constant({ a: 1 }) })))
}, { requiredKeys: [] }))
const candidate = withExtra(fc.record({
  content: near(fc.oneof(
    { weight: 8, arbitrary: withExtra(fc.record({ role: near(text), parts: near(fc.oneof({ weight: 8, arbitrary: fc.array(part, { maxLength: 2 }) }, { weight: 1, arbitrary: fc.constant(null) })) }, { requiredKeys: [] })) },
    { weight: 1, arbitrary: fc.constant(null) }
  )),
  finishReason: near(rarely(fc.constantFrom("STOP", "MAX_TOKENS", "SAFETY"))),
  finishMessage: near(text),
  index: near(count)
}, { requiredKeys: [] }))
const usage = withExtra(fc.record({
  promptTokenCount: near(count),
  candidatesTokenCount: near(count),
  totalTokenCount: near(count),
  thoughtsTokenCount: near(count)
}, { requiredKeys: [] }))
const frames = withExtra(fc.record({
  candidates: near(fc.oneof({ weight: 8, arbitrary: fc.array(candidate, { minLength: 1, maxLength: 2 }) }, { weight: 1, arbitrary: fc.constant(null) })),
  promptFeedback: near(rarely(fc.record({ blockReason: near(text) }, { requiredKeys: [] }))),
  usageMetadata: near(fc.oneof({ weight: 8, arbitrary: usage }, { weight: 1, arbitrary: fc.constant(null) })),
  modelVersion: near(text),
  responseId: near(text)
}, { requiredKeys: [] }))

// Everything the stream decoder reads off a response (`onFrame`), through the same helpers.
const reads = (frame: Wire.GenerateContentResponse) => {
  const first = frame.candidates?.[0]
  return {
    id: frame.responseId ?? undefined,
    model: frame.modelVersion ?? undefined,
    usage: FromWire.usage(frame.usageMetadata),
    blocked: frame.promptFeedback?.blockReason ?? undefined,
    candidate: first === undefined ? undefined : {
      parts: (first.content?.parts ?? []).map((p) => ({ text: FromWire.text(p), call: p.functionCall ?? undefined, skipped: FromWire.skippedKinds(p) })),
      finishReason: first.finishReason ?? undefined,
      finishMessage: first.finishMessage ?? undefined
    }
  }
}

describe("Gemini stream events: the hand check for text events", () => {
  it("takes only what GenerateContentResponse accepts, and reads it as the Schema's output reads", () => {
    let taken = 0
    fc.assert(
      fc.property(frames, (json) => {
        if (!Wire.isTextFrame(json)) return
        taken++
        const decoded = decode(json)
        assert.isTrue(Result.isSuccess(decoded), `the Schema refuses what the hand check took: ${JSON.stringify(json)}`)
        const read = StreamDecoder.readFrame(json)
        assert.strictEqual(read, json, "a taken event is read as it is")
        assert.deepStrictEqual(reads(json), reads((decoded as Result.Success<Wire.GenerateContentResponse, unknown>).success))
      }),
      { numRuns: 6000, seed: 20261202 }
    )
    assert.isAbove(taken, 300, `taken ${taken}`)
  })

  it("refuses what is not a plain object, a function call, a blocked prompt and a wrong kind", () => {
    for (const value of [null, [], "x", 1, Object.create({ candidates: [] }), new (class { candidates = [] })()]) assert.isFalse(Wire.isTextFrame(value))
    assert.isFalse(Wire.isTextFrame({ candidates: [{ content: { parts: [{ functionCall: { name: "f", args: {} } }] } }] }))
    assert.isFalse(Wire.isTextFrame({ candidates: [{ content: { parts: [{ text: "a", functionCall: { name: "f" } }] } }] }))
    assert.isFalse(Wire.isTextFrame({ promptFeedback: { blockReason: "SAFETY" } }))
    assert.isFalse(Wire.isTextFrame({ candidates: [{ content: { parts: [{ inlineData: {} }] } }] }), "a part without text goes to the Schema (and is reported skipped)")
    assert.isFalse(Wire.isTextFrame({ candidates: [{ content: { parts: [{ text: 1 }] } }] }))
    assert.isFalse(Wire.isTextFrame({ candidates: [{ content: { parts: [{ text: "a" }] } }], usageMetadata: { totalTokenCount: "7" } }))
    assert.isTrue(Wire.isTextFrame({ candidates: [{ content: { parts: [{ text: "a" }], role: "model" }, finishReason: "STOP", safetyRatings: [] }], usageMetadata: { totalTokenCount: 7, promptTokensDetails: [] } }))
  })

  it(`takes the text events of the recorded streams${Shared.skipReason}`, { skip: !Shared.available }, () => {
    let events = 0
    let taken = 0
    for (const name of Shared.streamNames(/^gemini-stream-.*\.sse$/)) {
      const raw = new TextDecoder().decode(Shared.streamBytes(name))
      for (const line of raw.split(/\r?\n/)) {
        if (!line.startsWith("data:")) continue
        const json: unknown = JSON.parse(line.slice(5))
        const decoded = decode(json)
        if (Result.isFailure(decoded)) continue
        const textOnly = decoded.success.promptFeedback == null &&
          (decoded.success.candidates ?? []).every((c) => (c.content?.parts ?? []).every((p) => typeof p.text === "string" && p.functionCall == null))
        if (textOnly) events++
        if (Wire.isTextFrame(json)) {
          assert.isTrue(textOnly, `${name}: only text events are taken`)
          taken++
        }
      }
    }
    assert.isAbove(events, 0, "the recordings carry text events")
    assert.strictEqual(taken, events, "every recorded text event takes the fast path")
  })
})
