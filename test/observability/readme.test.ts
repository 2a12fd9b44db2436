/**
 * The README's Metrics section names every metric we register, so the table
 * cannot fall behind `Stats.metrics`.
 */
import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import * as Stats from "../../src/pipeline/Stats.ts"

const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "..", "README.md"), "utf8")

describe("README Metrics", () => {
  it("lists every metric of Stats.metrics with its type", () => {
    const section = /## Metrics\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? ""
    assert.isNotEmpty(section, "a Metrics section exists")
    for (const spec of Object.values(Stats.metrics)) {
      assert.match(section, new RegExp(`\\| \`${spec.name}\` \\| ${spec.kind} \\|`), spec.name)
    }
  })
})
