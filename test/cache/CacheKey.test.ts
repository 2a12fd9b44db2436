import { assert, describe, it } from "@effect/vitest"
import * as CacheKey from "../../src/cache/CacheKey.ts"
import { ChatRequest } from "../../src/domain/Chat.ts"
import { Content, Message, Tool } from "../../src/index.ts"

const tool = (parameters: Record<string, unknown>) => Tool.make("lookup", { description: "Look up", parameters })

describe("CacheKey", () => {
  it("the same request with keys in another order and trailing whitespace is one key", () => {
    const a = new ChatRequest({
      model: "m",
      system: "Be brief.",
      messages: [Message.user("What is 2 + 2?")],
      tools: [tool({ type: "object", properties: { q: { type: "string" }, n: { type: "integer" } } })],
      temperature: 0
    })
    const b = new ChatRequest({
      temperature: 0,
      tools: [tool({ properties: { n: { type: "integer" }, q: { type: "string" } }, type: "object" })],
      messages: [Message.user("What is 2 + 2?  \r\n")],
      system: "  Be brief.\n",
      model: "m"
    })
    assert.strictEqual(CacheKey.exact(a), CacheKey.exact(b))
  })

  it("tool-call arguments are compared as JSON, not as text", () => {
    const withArgs = (args: string) =>
      new ChatRequest({
        messages: [
          Message.user("weather?"),
          Message.assistant([new Content.ToolCallPart({ id: "c1", name: "lookup", arguments: args })]),
          Message.tool([Content.toolResult("c1", "sunny")])
        ]
      })
    assert.strictEqual(CacheKey.exact(withArgs("{\"city\":\"Oslo\",\"days\":2}")), CacheKey.exact(withArgs("{ \"days\": 2, \"city\": \"Oslo\" }")))
    assert.notStrictEqual(CacheKey.exact(withArgs("{\"city\":\"Oslo\"}")), CacheKey.exact(withArgs("{\"city\":\"Bergen\"}")))
  })

  it("anything that changes the answer changes the key", () => {
    const base = { model: "m", messages: [Message.user("Hi")], temperature: 0 } as const
    const key = CacheKey.exact(new ChatRequest(base))
    const variants = [
      { ...base, model: "n" },
      { ...base, system: "Be brief." },
      { ...base, messages: [Message.user("Hi!")] },
      { ...base, temperature: 0.5 },
      { ...base, maxTokens: 10 },
      { ...base, stop: ["\n"] },
      { ...base, seed: 1 },
      { ...base, tools: [tool({ type: "object" })] },
      // Inner spacing can matter (code, tables), so it is kept.
      { ...base, messages: [Message.user("H  i")] }
    ]
    for (const variant of variants) assert.notStrictEqual(CacheKey.exact(new ChatRequest(variant)), key, JSON.stringify(variant))
  })

  it("the end-user id does not split entries", () => {
    const base = { messages: [Message.user("Hi")] }
    assert.strictEqual(CacheKey.exact(new ChatRequest({ ...base, user: "u1" })), CacheKey.exact(new ChatRequest({ ...base, user: "u2" })))
  })
})
