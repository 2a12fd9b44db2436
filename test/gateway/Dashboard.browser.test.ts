/**
 * The dashboard in a real browser (Debian chromium + playwright-core): one
 * page load shows all eleven configured backends at 1280×800, and a breaker
 * opening on a fake backend appears on the page. A screenshot is saved under
 * .artifacts/ (gitignored). Outside CI it skips when /usr/bin/chromium is
 * absent; under CI it must run.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { chromium } from "playwright-core"
import * as S from "./support.ts"

const CHROMIUM = "/usr/bin/chromium"
const present = existsSync(CHROMIUM)
const ci = process.env["CI"] === "true"
const NAMES = ["openai", "claude", "groq", "gemini", "tgi", "tei", "ollama", "ovms", "opea", "llvm", "flaky"]

describe("gateway dashboard in chromium", () => {
  if (!present && !ci) it.skip(`skipped: ${CHROMIUM} is absent (install Debian chromium)`, () => {})
  else {
    it.live("every backend's card is visible at 1280x800 and a breaker opening shows up", () =>
      Effect.gen(function*() {
        const ok = yield* S.upstream(() => ({ kind: "json", body: S.completion("ok") }))
        const down = yield* S.upstream(() => ({ kind: "json", status: 500, body: { error: { message: "down", type: "server_error" } } }))
        const { url } = yield* S.serve(S.baseConfig(
          NAMES.map((name) => S.backend(name, name === "flaky" ? down.url : ok.url, { policy: { max_retries: 0, failure_threshold: 2, reset_timeout: 600 } })),
          { routes: [{ match: "flaky-model", targets: ["flaky"] }, { match: "*", targets: ["openai"] }] }
        ))
        const profile = mkdtempSync(join(tmpdir(), "elb-chromium-"))
        // A fresh profile directory (playwright's way of passing --user-data-dir).
        const browser = yield* Effect.acquireRelease(
          Effect.promise(() =>
            chromium.launchPersistentContext(profile, {
              executablePath: CHROMIUM,
              viewport: { width: 1280, height: 800 },
              args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
            })
          ),
          (b) => Effect.promise(() => b.close().finally(() => rmSync(profile, { recursive: true, force: true })))
        )
        const page = yield* Effect.promise(() => browser.newPage())
        yield* Effect.promise(() => page.goto(`${url}/dashboard?key=${S.ADMIN_KEY}`))
        yield* Effect.promise(() => page.waitForFunction((n) => document.querySelectorAll("section.card").length === n, NAMES.length, { timeout: 10_000 }))
        for (const name of NAMES) {
          const box = yield* Effect.promise(() => page.locator(`section.card[data-backend="${name}"]`).boundingBox())
          assert.isNotNull(box, name)
          assert.isTrue(box!.y >= 0 && box!.y + box!.height <= 800 && box!.x + box!.width <= 1280, `${name} card inside 1280x800: ${JSON.stringify(box)}`)
        }
        assert.strictEqual(page.url(), `${url}/dashboard`, "the key left the address bar")
        // Two failures open the flaky backend's breaker; the page shows it.
        for (let i = 0; i < 2; i++) {
          yield* Effect.promise(() =>
            fetch(`${url}/v1/chat/completions`, {
              method: "POST",
              headers: { authorization: `Bearer ${S.CLIENT_KEY}`, "content-type": "application/json" },
              body: JSON.stringify({ model: "flaky-model", messages: [{ role: "user", content: "x" }] })
            }).then((r) => r.text())
          )
        }
        assert.strictEqual(down.seen.length, 2)
        yield* Effect.promise(() =>
          page.waitForSelector(`section.card[data-backend="flaky"][data-breaker="open"] .badge.open`, { timeout: 10_000 })
        )
        const badge = yield* Effect.promise(() => page.locator(`section.card[data-backend="flaky"] .badge`).textContent())
        assert.strictEqual(badge, "open")
        const html = yield* Effect.promise(() => page.content())
        assert.notInclude(html, S.PROVIDER_KEY)
        mkdirSync(".artifacts", { recursive: true })
        yield* Effect.promise(() => page.screenshot({ path: ".artifacts/gateway-dashboard.png" }))
      }), 60_000)
  }
})
