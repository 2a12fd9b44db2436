/**
 * The package as a user gets it: build, `npm pack`, install the tarball into
 * a fresh project (offline: `effect` is linked from our own install),
 * type-check a small program against the installed types
 * and run it. Slow-ish (~20 s), so it is one test.
 */
import { assert, describe, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..")
const run = (command: string, args: ReadonlyArray<string>, cwd: string) =>
  execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, npm_config_audit: "false", npm_config_fund: "false" } })

const program = `import { Effect } from "effect"
import { LlmBackend, Message, OpenAi } from "effect-llm-backends"
import { TestBackend } from "effect-llm-backends/testing"

const strictTypes: typeof OpenAi.makeConfig = OpenAi.makeConfig
const program = Effect.gen(function*() {
  const script = yield* TestBackend.TestBackend
  yield* script.push(TestBackend.reply("installed and working"))
  const reply = yield* LlmBackend.chat({ messages: [Message.user("hi")] })
  console.log(reply.text, typeof strictTypes)
}).pipe(Effect.provide(TestBackend.layer()))

Effect.runPromise(program)
`

describe("the published package", () => {
  it("packs without install scripts, installs into a fresh project, type-checks and runs", { timeout: 180_000 }, () => {
    const work = mkdtempSync(join(tmpdir(), "elb-pack-"))
    try {
      run("npm", ["run", "build"], root)
      const tarball = run("npm", ["pack", "--silent", "--pack-destination", work], root).trim().split("\n").pop()!
      const manifest = JSON.parse(run("tar", ["-xOzf", join(work, tarball), "package/package.json"], work)) as {
        exports?: Record<string, string | { types: string; default: string }>
        bin?: Record<string, string>
        scripts?: Record<string, string>
        peerDependencies?: Record<string, string>
        peerDependenciesMeta?: Record<string, { optional?: boolean }>
      }
      for (const hook of ["preinstall", "install", "postinstall", "prepare"]) {
        assert.notProperty(manifest.scripts ?? {}, hook, `the package must not declare a ${hook} script`)
      }
      // Every subpath export and the CLI point at files the tarball ships.
      const shipped = new Set(run("tar", ["-tzf", join(work, tarball)], work).split("\n").map((f) => f.replace(/^package\//, "")))
      const targets = Object.values(manifest.exports ?? {}).flatMap((e) => typeof e === "string" ? [e] : [e.types, e.default])
      for (const target of [...targets, ...Object.values(manifest.bin ?? {})]) {
        assert.isTrue(shipped.has(target.replace(/^\.\//, "")), `${target} is in the package`)
      }
      assert.includeMembers(Object.keys(manifest.exports ?? {}), [".", "./testing", "./s3", "./ai", "./observability", "./gateway", "./redis", "./node"])
      // A user of the LLM backends alone needs effect and nothing else.
      const required = Object.keys(manifest.peerDependencies ?? {}).filter((name) => manifest.peerDependenciesMeta?.[name]?.optional !== true)
      assert.deepStrictEqual(required, ["effect"])

      const app = join(work, "app")
      run("mkdir", ["-p", app], work)
      writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }))
      // effect comes from our own node_modules (linked), so no registry is asked.
      run("npm", ["install", "--offline", "--no-package-lock", "--install-links=false", join(work, tarball), join(root, "node_modules", "effect")], app)
      writeFileSync(join(app, "main.ts"), program)
      writeFileSync(join(app, "tsconfig.json"), JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          exactOptionalPropertyTypes: true,
          noEmit: false,
          outDir: "out",
          skipLibCheck: false,
          types: []
        },
        files: ["main.ts"]
      }))
      // Our own compiler, the user's project: the shipped .d.ts must compile strictly.
      run(join(root, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"], app)
      const output = run(process.execPath, [join(app, "out", "main.js")], app)
      assert.strictEqual(output.trim(), "installed and working function")
    } finally {
      rmSync(work, { recursive: true, force: true })
    }
  })
})
