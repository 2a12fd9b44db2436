/**
 * The README's quick start is examples/quick-start.ts verbatim, so the
 * typecheck (which covers examples/) proves the README's code compiles.
 */
import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")

describe("README", () => {
  it("its quick start is examples/quick-start.ts, word for word", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8")
    const file = readFileSync(join(root, "examples", "quick-start.ts"), "utf8")
    const block = /## Quick start\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1]
    assert.strictEqual(block, file)
  })
})
