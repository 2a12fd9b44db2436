/**
 * The CLI as users run it: the BUILT bin (`npm run build`, then
 * `dist/gateway/cli.js`) for `hash-key`, `serve --check` (errors name the
 * file key) and `serve` until SIGTERM (a clean exit).
 */
import { assert, beforeAll, describe, it } from "@effect/vitest"
import { execFileSync, spawn, spawnSync } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { hashKey } from "../../src/gateway/Clients.ts"

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..")
const bin = join(root, "dist", "gateway", "cli.js")
const work = mkdtempSync(join(tmpdir(), "elb-cli-"))
const run = (...args: Array<string>) => spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", env: { ...process.env, CLI_TEST_KEY: "sk-cli-test" } })
const file = (name: string, json: unknown) => {
  const path = join(work, name)
  writeFileSync(path, JSON.stringify(json))
  return path
}
const good = {
  listen: { host: "127.0.0.1", port: 0 },
  clients: [{ name: "a", keyHash: hashKey("k") }],
  backends: [{ name: "up", provider: "openai", baseUrl: "http://127.0.0.1:9/v1", apiKeyEnv: "CLI_TEST_KEY" }]
}

describe("the built CLI", () => {
  beforeAll(() => {
    execFileSync("npm", ["run", "build"], { cwd: root, stdio: "ignore" })
  }, 120_000)

  it("hash-key prints the sha256 hash a config stores", () => {
    const out = run("hash-key", "my-key")
    assert.strictEqual(out.status, 0)
    assert.strictEqual(out.stdout.trim(), hashKey("my-key"))
  })

  it("serve --check accepts a good config and names the file key of a bad one", () => {
    const ok = run("serve", "--config", file("good.json", good), "--check")
    assert.strictEqual(ok.status, 0, ok.stderr)
    assert.include(ok.stdout, "OK (1 backends")
    const inline = run("serve", "--config", file("inline.json", { ...good, backends: [{ ...good.backends[0], apiKey: "sk-inline" }] }), "--check")
    assert.strictEqual(inline.status, 1)
    assert.include(inline.stderr, "backends.0.apiKey")
    assert.notInclude(inline.stderr + inline.stdout, "sk-inline")
    const unset = run("serve", "--config", file("unset.json", { ...good, backends: [{ ...good.backends[0], apiKeyEnv: "CLI_TEST_UNSET" }] }), "--check")
    assert.strictEqual(unset.status, 1)
    assert.include(unset.stderr, "backends.0.apiKeyEnv")
    const route = run("serve", "--config", file("route.json", { ...good, routes: [{ match: "m", targets: ["nope"] }] }), "--check")
    assert.include(route.stderr, "routes.0.targets.0")
  })

  it("serve answers /health and exits cleanly on SIGTERM", async () => {
    const child = spawn(process.execPath, [bin, "serve", "--config", file("serve.json", good)], { env: { ...process.env, CLI_TEST_KEY: "sk-cli-test" } })
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        const m = /listening on (http:\S+)/.exec(String(d))
        if (m !== null) resolve(m[1]!)
      })
      child.once("exit", (code) => reject(new Error(`exited ${code}`)))
    })
    const health = await fetch(`${url}/health`).then((r) => r.status)
    assert.strictEqual(health, 200)
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
    child.kill("SIGTERM")
    const code = await exited
    assert.isTrue(code === 0 || code === 130 || code === 143, `exit code ${code}`)
    const after = await fetch(`${url}/health`).then(() => "answered", () => "refused")
    assert.strictEqual(after, "refused")
  }, 20_000)
})
