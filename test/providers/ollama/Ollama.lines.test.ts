/**
 * The hand checks for Ollama's common stream lines (`/api/chat` and
 * `/api/generate`, `done: false`, text only) against the `ChatLine` and
 * `GenerateLine` Schemas they stand in for: whatever a check takes, the
 * Schema accepts, and the line read from it is the line read from the
 * decoded value, over generated near-values; and the checks take every text
 * line of the real recorded streams, so real streams use the fast path.
 */
import { assert, describe, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import * as fc from "fast-check"
import * as StreamDecoder from "../../../src/providers/ollama/StreamDecoder.ts"
import * as Wire from "../../../src/providers/ollama/Wire.ts"
import { junk, near } from "../../support/Junk.ts"
import * as Shared from "../../support/Shared.ts"

const decodeChat = Schema.decodeUnknownResult(Wire.ChatLine)
const decodeGenerate = Schema.decodeUnknownResult(Wire.GenerateLine)

const text = fc.oneof(fc.string({ maxLength: 4 }), fc.constant(null))
const count = fc.oneof(fc.nat(10_000), fc.constant(null))
const common = {
  model: near(text),
  created_at: near(text),
  // Mostly a text line; sometimes the last one, or none given.
  done: near(fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) })),
  done_reason: near(text),
  eval_count: near(count),
  prompt_eval_count: near(count),
  total_duration: near(count)
}
const withExtra = <A extends object>(fields: fc.Arbitrary<A>) =>
  fc.tuple(fields, fc.nat(9), junk).map(([value, dice, other]) => dice === 0 ? { ...value, extra: other } : value)
const toolCall = fc.record({ function: fc.record({ name: near(fc.string({ minLength: 1, maxLength: 3 })), arguments: near(fc.constant({ a: 1 })) }) })
const message = withExtra(fc.record({
  role: near(text),
  content: near(text),
  thinking: near(text),
  images: near(fc.constant(null)),
  tool_calls: near(fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.array(toolCall, { maxLength: 1 }) }))
}, { requiredKeys: [] }))
const chatLines = withExtra(fc.record({ ...common, message: near(fc.oneof({ weight: 8, arbitrary: message }, { weight: 1, arbitrary: fc.constant(null) })) }, { requiredKeys: [] }))
const generateLines = withExtra(fc.record({ ...common, response: near(text), thinking: near(text) }, { requiredKeys: [] }))

// The parts of a line the decoder reads (`counts` only on a final line, which the checks never take).
const readOf = (line: StreamDecoder.Line) => ({
  model: line.model,
  text: line.text,
  toolCalls: line.toolCalls,
  done: line.done,
  doneReason: line.doneReason,
  prompt: line.counts.prompt_eval_count,
  output: line.counts.eval_count
})

const agrees = (
  values: fc.Arbitrary<unknown>,
  takes: (json: unknown) => boolean,
  decode: (json: unknown) => Result.Result<unknown, unknown>,
  read: StreamDecoder.Reader
): number => {
  let taken = 0
  fc.assert(
    fc.property(values, (json) => {
      const viaDecoder = read(json)
      if (!takes(json)) return
      taken++
      const decoded = decode(json)
      assert.isTrue(Result.isSuccess(decoded), `the Schema refuses what the hand check took: ${JSON.stringify(json)}`)
      assert.isTrue(Result.isSuccess(viaDecoder))
      // Read from the Schema's output, as the decoder did before the hand check.
      const viaSchema = read((decoded as Result.Success<unknown, unknown>).success)
      assert.deepStrictEqual(readOf((viaDecoder as Result.Success<StreamDecoder.Line, string>).success), readOf((viaSchema as Result.Success<StreamDecoder.Line, string>).success))
      assert.isFalse((viaDecoder as Result.Success<StreamDecoder.Line, string>).success.done, "a final line is never taken")
    }),
    { numRuns: 6000, seed: 20261202 }
  )
  return taken
}

describe("Ollama stream lines: the hand checks for text lines", () => {
  it("chat: takes only what ChatLine accepts, and reads it as the Schema's output reads", () => {
    const taken = agrees(chatLines, Wire.isTextChatLine, decodeChat, StreamDecoder.chatLine)
    assert.isAbove(taken, 300, `taken ${taken}`)
  })

  it("generate: takes only what GenerateLine accepts, and reads it as the Schema's output reads", () => {
    const taken = agrees(generateLines, Wire.isTextGenerateLine, decodeGenerate, StreamDecoder.generateLine)
    assert.isAbove(taken, 300, `taken ${taken}`)
  })

  it("refuses what is not a plain object, a final line, and a line with a tool call", () => {
    for (const value of [null, [], "x", 1, Object.create({ done: false }), new (class { done = false })()]) {
      assert.isFalse(Wire.isTextChatLine(value))
      assert.isFalse(Wire.isTextGenerateLine(value))
    }
    assert.isFalse(Wire.isTextChatLine({ message: { content: "" }, done: true }))
    assert.isFalse(Wire.isTextGenerateLine({ response: "", done: true }))
    assert.isFalse(Wire.isTextChatLine({ message: { tool_calls: [{ function: { name: "f", arguments: {} } }] }, done: false }))
    assert.isFalse(Wire.isTextChatLine({ message: { content: 1 }, done: false }))
    assert.isTrue(Wire.isTextChatLine({ model: "m", message: { role: "assistant", content: "a", images: null }, done: false }))
  })

  it(`takes the text lines of the recorded streams${Shared.skipReason}`, { skip: !Shared.available }, () => {
    let lines = 0
    let taken = 0
    for (const name of Shared.streamNames(/^ollama-(chat|generate)-stream.*\.ndjson$/)) {
      const chat = name.startsWith("ollama-chat")
      const raw = new TextDecoder().decode(Shared.streamBytes(name))
      for (const line of raw.split("\n")) {
        if (line.trim() === "") continue
        const json: unknown = JSON.parse(line)
        const decoded: Result.Result<Wire.ChatLine | Wire.GenerateLine, unknown> = (chat ? decodeChat : decodeGenerate)(json)
        if (Result.isFailure(decoded)) continue
        const value = decoded.success as Wire.ChatLine
        const textOnly = value.done === false && (value.message?.tool_calls ?? null) === null
        if (textOnly) lines++
        if ((chat ? Wire.isTextChatLine : Wire.isTextGenerateLine)(json)) {
          assert.isTrue(textOnly, `${name}: only text lines are taken`)
          taken++
        }
      }
    }
    assert.isAbove(lines, 0, "the recordings carry text lines")
    assert.strictEqual(taken, lines, "every recorded text line takes the fast path")
  })
})
