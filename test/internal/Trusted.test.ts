/**
 * Trusted construction gives the very instance the validating constructor
 * would: prototype, own keys in field order, structural equality, JSON.
 */
import { assert, describe, it } from "@effect/vitest"
import { Equal } from "effect"
import * as fc from "fast-check"
import { ChatResponse } from "../../src/domain/Chat.ts"
import * as Chunk from "../../src/domain/ChatChunk.ts"
import * as Content from "../../src/domain/Content.ts"
import * as Usage from "../../src/domain/Usage.ts"
import * as Trusted from "../../src/internal/Trusted.ts"

const same = (trusted: object, checked: object) => {
  assert.strictEqual(Object.getPrototypeOf(trusted), Object.getPrototypeOf(checked))
  assert.deepStrictEqual(Object.keys(trusted), Object.keys(checked))
  assert.isTrue(Equal.equals(trusted, checked))
  assert.strictEqual(JSON.stringify(trusted), JSON.stringify(checked))
  assert.strictEqual(String(trusted), String(checked))
}

describe("Trusted", () => {
  it("a class with every optional key, given out of field order", () => {
    const fields = {
      providerRequestId: "pr-1",
      provider: "openai",
      content: [Content.text("hi")],
      model: "m",
      finishReason: "stop" as const,
      requestId: "req-1",
      id: "id-1",
      refusal: "no",
      rawFinishReason: "stop",
      usage: Usage.make({ inputTokens: 1, outputTokens: 2 })
    }
    const trusted = Trusted.make(ChatResponse, fields)
    same(trusted, new ChatResponse(fields))
    assert.strictEqual(trusted.text, "hi")
  })

  it("absent optional keys stay absent; tagged classes get their tag first", () => {
    same(Trusted.make(ChatResponse, { provider: "p", model: "m", content: [], finishReason: "other" }), new ChatResponse({ provider: "p", model: "m", content: [], finishReason: "other" }))
    same(Trusted.tagged(Chunk.TextDelta, "TextDelta", { text: "x" }), new Chunk.TextDelta({ text: "x" }))
    same(Trusted.tagged(Chunk.Metadata, "Metadata", { requestId: "r", model: "m" }), new Chunk.Metadata({ model: "m", requestId: "r" }))
    same(Trusted.tagged(Content.TextPart, "Text", { text: "y" }), Content.text("y"))
    assert.isTrue(Chunk.isContent(Trusted.tagged(Chunk.TextDelta, "TextDelta", { text: "x" })))
  })
})

describe("Usage.make's hand check", () => {
  it("gives the constructor's instance for counts it takes, and the constructor's error for the rest", () => {
    const count = fc.oneof(
      { weight: 8, arbitrary: fc.nat(100_000) },
      { weight: 1, arbitrary: fc.constantFrom(-1, 1.5, -0, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, Number.MAX_SAFE_INTEGER) }
    )
    let taken = 0
    fc.assert(
      fc.property(count, count, fc.option(count, { nil: undefined }), fc.option(count, { nil: undefined }), fc.option(count, { nil: undefined }), (inputTokens, outputTokens, totalTokens, cachedInputTokens, reasoningTokens) => {
        const fields = { inputTokens, outputTokens, totalTokens, cachedInputTokens, reasoningTokens }
        const input = {
          inputTokens,
          outputTokens,
          totalTokens: totalTokens ?? inputTokens + outputTokens,
          ...(cachedInputTokens === undefined ? {} : { cachedInputTokens }),
          ...(reasoningTokens === undefined ? {} : { reasoningTokens })
        }
        let checked: Usage.Usage | undefined
        let refused: unknown
        try {
          checked = new Usage.Usage(input)
        } catch (error) {
          refused = error
        }
        if (checked === undefined) {
          assert.throws(() => Usage.make(fields), String((refused as Error).message).slice(0, 30))
          return
        }
        taken++
        same(Usage.make(fields), checked)
      }),
      { numRuns: 2000, seed: 20261202 }
    )
    assert.isAbove(taken, 500, `taken ${taken}`)
  })
})
