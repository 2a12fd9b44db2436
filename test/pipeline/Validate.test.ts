/**
 * The hand check for plain chat requests against the Schema it stands in
 * for: whatever it accepts, `ChatRequest`'s Schema accepts and decodes to an
 * equal request (over generated near-values, valid and not), and it does
 * accept the common shapes, so the fast path is really taken.
 */
import { assert, describe, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import * as fc from "fast-check"
import { CallOptionsSchema } from "../../src/domain/CallOptions.ts"
import { ChatRequest } from "../../src/domain/Chat.ts"
import * as Message from "../../src/domain/Message.ts"
import * as Validate from "../../src/pipeline/Validate.ts"
import { junk } from "../support/Junk.ts"

const decode = Schema.decodeUnknownResult(ChatRequest)
const encode = Schema.encodeSync(ChatRequest)

const message = fc.oneof(
  { weight: 10, arbitrary: fc.string({ minLength: 1 }).map((text) => Message.user(text)) },
  { weight: 10, arbitrary: fc.string({ minLength: 1 }).map((text) => Message.assistant(text)) },
  { weight: 1, arbitrary: fc.constant({ role: "user", content: "a plain object, not an instance" }) },
  { weight: 1, arbitrary: junk }
)
const near = (right: fc.Arbitrary<unknown>) => fc.oneof({ weight: 30, arbitrary: right }, { weight: 1, arbitrary: junk })
const number = (min: number, max: number) =>
  fc.oneof(fc.double({ min: min - 1, max: max + 1 }), fc.constantFrom(min, max, 0, -0, min - Number.EPSILON, max + 1e-9))
const int = fc.oneof(fc.integer({ min: -3, max: 5000 }), fc.constantFrom(1.5, 2 ** 53, -1))
const fields = {
  model: near(fc.string({ maxLength: 4 })),
  system: near(fc.string()),
  messages: near(fc.array(message, { maxLength: 3 })),
  temperature: near(number(0, 2)),
  topP: near(number(0, 1)),
  topK: near(int),
  maxTokens: near(int),
  seed: near(int),
  stop: near(fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 })),
  presencePenalty: near(number(-2, 2)),
  frequencyPenalty: near(number(-2, 2)),
  user: near(fc.string()),
  parallelToolCalls: near(fc.boolean()),
  tools: junk,
  unknownField: junk
}
// Each field absent or present; the two the hand check never takes, rarely.
const request = fc.tuple(fc.record(fields, { requiredKeys: ["messages"] }), fc.nat(9)).map(([input, dice]) => {
  const out: Record<string, unknown> = { ...input }
  if (dice > 0) {
    delete out["tools"]
    delete out["unknownField"]
  }
  return out
})

describe("Validate.plainChatRequest", () => {
  it("accepts only what the Schema accepts, and builds an equal request", () => {
    let accepted = 0
    fc.assert(
      fc.property(request, (input) => {
        const fast = Validate.plainChatRequest(input)
        if (fast === undefined) return
        accepted++
        const slow = decode(input)
        assert.isTrue(Result.isSuccess(slow), `the hand check took what the Schema refuses: ${JSON.stringify(input)}`)
        assert.instanceOf(fast, ChatRequest)
        assert.deepStrictEqual(encode(fast), encode((slow as Result.Success<ChatRequest, unknown>).success))
        assert.deepStrictEqual(Object.keys(fast), Object.keys((slow as Result.Success<ChatRequest, unknown>).success))
      }),
      { numRuns: 3000 }
    )
    assert.isAbove(accepted, 30, "the hand check accepted almost nothing")
  })

  it("takes the common shapes: messages as instances, with or without sampling settings", () => {
    const hi = [Message.user("Hi")]
    assert.instanceOf(Validate.plainChatRequest({ messages: hi }), ChatRequest)
    assert.instanceOf(Validate.plainChatRequest({ model: "m", messages: hi, temperature: 0.2, maxTokens: 64, stop: ["\n"] }), ChatRequest)
    // What it leaves to the Schema (which names the field when wrong).
    assert.isUndefined(Validate.plainChatRequest({ messages: [{ role: "user", content: "Hi" }] }))
    assert.isUndefined(Validate.plainChatRequest({ messages: hi, temperature: 3 }))
    assert.isUndefined(Validate.plainChatRequest({ messages: hi, model: undefined }))
    assert.isUndefined(Validate.plainChatRequest({ messages: [] }))
    assert.isUndefined(Validate.plainChatRequest(Object.assign(Object.create({ inherited: 1 }), { messages: hi })))
  })

  it("copies the caller's arrays", () => {
    const messages = [Message.user("Hi")]
    const built = Validate.plainChatRequest({ messages })!
    messages.push(Message.user("later"))
    assert.strictEqual(built.messages.length, 1)
  })

  it("a wrong field still gets the Schema's InvalidRequest naming it", () => {
    const result = Validate.chatRequestResult("p", { messages: [Message.user("Hi")], temperature: 3 })
    assert.isTrue(Result.isFailure(result))
    const reason = (result as Result.Failure<unknown, { reason: { _tag: string; field?: string } }>).failure.reason
    assert.deepStrictEqual([reason._tag, reason.field], ["InvalidRequest", "temperature"])
  })
})

const decodeOptions = Schema.decodeUnknownResult(CallOptionsSchema)
const option = {
  priority: near(fc.constantFrom("high", "normal", "low", "urgent")),
  requestId: near(fc.oneof(fc.stringMatching(/^[A-Za-z0-9._:-]{1,130}$/), fc.string({ maxLength: 4 }))),
  timeout: near(fc.oneof(fc.integer({ min: -1, max: 5000 }), fc.constantFrom("30 seconds", "soon"))),
  key: near(fc.string({ maxLength: 3 })),
  sessionId: near(fc.string({ maxLength: 3 })),
  maxRetries: near(int),
  midStream: near(fc.constantFrom("fail", "restart", "continue", "resume")),
  cache: near(fc.constantFrom("default", "bypass", "refresh", "never")),
  unknownOption: junk
}
const options = fc.tuple(fc.record(option, { requiredKeys: [] }), fc.nat(9)).map(([input, dice]) => {
  const out: Record<string, unknown> = { ...input }
  if (dice > 0) delete out["unknownOption"]
  return out
})

describe("Validate: the hand check for call options", () => {
  it("accepts only what the Schema accepts, and the Schema decodes it unchanged", () => {
    let accepted = 0
    fc.assert(
      fc.property(options, (input) => {
        if (!Validate.isPlainCallOptions(input)) return
        accepted++
        const slow = decodeOptions(input)
        assert.isTrue(Result.isSuccess(slow), `the hand check took what the Schema refuses: ${JSON.stringify(input)}`)
        assert.deepStrictEqual((slow as Result.Success<unknown, unknown>).success, input)
      }),
      { numRuns: 3000, seed: 20261202 }
    )
    assert.isAbove(accepted, 200, `accepted ${accepted}`)
  })

  it("takes what a router or gateway passes, and leaves the rest to the Schema", () => {
    assert.isTrue(Validate.isPlainCallOptions({ priority: "high", requestId: "gw-1", timeout: 1000, maxRetries: 1 }))
    assert.isFalse(Validate.isPlainCallOptions({ priority: undefined }))
    assert.isFalse(Validate.isPlainCallOptions({ requestId: "has space" }))
    assert.isFalse(Validate.isPlainCallOptions({ other: 1 }))
    const result = Validate.callOptionsResult("p", { maxRetries: -1 })
    assert.isTrue(Result.isFailure(result))
    const reason = (result as Result.Failure<unknown, { reason: { _tag: string; field?: string } }>).failure.reason
    assert.deepStrictEqual([reason._tag, reason.field], ["InvalidRequest", "options.maxRetries"])
  })
})
