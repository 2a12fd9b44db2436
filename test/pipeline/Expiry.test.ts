import { assert, describe, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const here = dirname(fileURLToPath(import.meta.url))

describe("queue wait deadlines (Expiry)", () => {
  // The queue bounds every wait with one sleeping timer; left sleeping after the
  // waits ended, it held the process open for the whole bound (60 s by default).
  it("a program whose calls waited in the queue exits as soon as its work is done", { timeout: 30_000 }, () => {
    const start = Date.now()
    const out = execFileSync(process.execPath, ["--import", "tsx", join(here, "support", "queue-exit.ts")], {
      encoding: "utf8",
      timeout: 25_000
    })
    assert.strictEqual(out.trim(), "done 2 waited true")
    assert.isBelow(Date.now() - start, 15_000)
  })
})
