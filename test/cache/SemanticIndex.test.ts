import { assert, describe, it } from "@effect/vitest"
import { SemanticIndex, unit } from "../../src/cache/SemanticIndex.ts"

const v = (...xs: ReadonlyArray<number>) => unit(xs)!

describe("SemanticIndex", () => {
  it("returns rows at or above the threshold, most similar first", () => {
    const index = new SemanticIndex<string>(3, 1)
    index.add("x", v(1, 0, 0), "X")
    index.add("xy", v(1, 1, 0), "XY")
    index.add("z", v(0, 0, 1), "Z")
    const found = index.search(v(1, 0.1, 0), 0.5)
    assert.deepStrictEqual(found.map((m) => [m.key, m.data]), [["x", "X"], ["xy", "XY"]])
    assert.isAbove(found[0]!.similarity, found[1]!.similarity)
    assert.approximately(index.search(v(0, 0, 2), 0.99)[0]!.similarity, 1, 1e-6)
  })

  it("removing a row moves the last one into its place and keeps every other row findable", () => {
    const index = new SemanticIndex<number>(2, 1)
    const angles = Array.from({ length: 50 }, (_, i) => (i * Math.PI) / 100)
    angles.forEach((a, i) => index.add(`k${i}`, v(Math.cos(a), Math.sin(a)), i))
    for (let i = 0; i < 50; i += 3) index.remove(`k${i}`)
    assert.strictEqual(index.size, 50 - 17)
    angles.forEach((a, i) => {
      const best = index.search(v(Math.cos(a), Math.sin(a)), 0.99999)[0]
      if (i % 3 === 0) assert.notStrictEqual(best?.key, `k${i}`)
      else assert.deepStrictEqual([best?.key, best?.data], [`k${i}`, i])
    })
  })

  it("adding a key again replaces its row", () => {
    const index = new SemanticIndex<string>(2)
    index.add("k", v(1, 0), "old")
    index.add("k", v(0, 1), "new")
    assert.strictEqual(index.size, 1)
    assert.deepStrictEqual(index.search(v(0, 1), 0.9).map((m) => m.data), ["new"])
    assert.deepStrictEqual(index.search(v(1, 0), 0.9), [])
  })

  it("a zero or non-finite vector has no direction", () => {
    assert.strictEqual(unit([0, 0]), undefined)
    assert.strictEqual(unit([Number.NaN, 1]), undefined)
  })
})
