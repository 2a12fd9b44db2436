import { assert, describe, it } from "@effect/vitest"
import * as PromptGuard from "../../src/cache/PromptGuard.ts"

const why = (a: string, b: string) => PromptGuard.disagreement(PromptGuard.facts(a), PromptGuard.facts(b))

describe("PromptGuard", () => {
  it("names which fact differs", () => {
    assert.strictEqual(why("Convert 5 km to miles", "Convert 50 km to miles"), "numbers")
    assert.strictEqual(why("Wait 10 minutes", "Wait 10 hours"), "numbers")
    assert.strictEqual(why("Price in USD?", "Price in EUR?"), "units")
    assert.strictEqual(why("Weather on Monday?", "Weather on Tuesday?"), "dates")
    assert.strictEqual(why("Is it safe?", "Is it not safe?"), "negations")
    assert.strictEqual(why("Capital of France?", "Capital of Spain?"), "entities")
    assert.strictEqual(why("France is big?", "Spain is big?"), "entities")
    assert.strictEqual(why("Translate 'yes'", "Translate 'no'"), "quoted")
    assert.strictEqual(why("Sort ascending", "Sort descending"), "opposites")
    assert.strictEqual(why("Convert a string to an int", "Convert an int to a string"), "directions")
  })

  it("agrees across wording that keeps the facts", () => {
    const pairs: ReadonlyArray<readonly [string, string]> = [
      ["Is it not safe?", "Isn't it safe?"],
      ["Convert 5 kilometres to miles", "Convert 5 km into miles"],
      ["Give me three tips", "Give me 3 tips"],
      ["Is 1,000 a lot?", "Is 1000 a lot?"],
      ["What is France's capital?", "The capital of France?"],
      ["Set a timer", "Please set a timer"],
      ["What is the price now?", "What is the current price?"],
      ["What does status 404 mean?", "What is the meaning of status 404?"]
    ]
    for (const [a, b] of pairs) assert.strictEqual(why(a, b), undefined, `${a} / ${b}`)
  })

  it("a minus sign belongs to its number; a hyphen inside a word does not", () => {
    assert.strictEqual(why("It is -5 °C", "It is 5 °C"), "numbers")
    assert.deepStrictEqual(PromptGuard.facts("GPT-4 vs GPT-3").entities, ["gpt-3", "gpt-4"])
  })

  it("a quoted string is compared as a whole, an apostrophe is not a quote", () => {
    assert.deepStrictEqual(PromptGuard.facts("Say \"hello world\" in 'French' now, don't shout").quoted, ["french", "hello world"])
  })
})
