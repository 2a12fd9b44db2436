// Runs a dev command (vitest, tsc, tsx) with node_modules/.bin on PATH and,
// when the running Node is older than 22.19, the pinned Node of .toolchain/
// first (installed on first use: see toolchain.mjs).
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { delimiter, dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { ensureToolchain, toolchainBin } from "./toolchain.mjs"

ensureToolchain()
const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const localBin = join(root, "node_modules", ".bin")
const env = { ...process.env }
const path = [localBin, env.PATH ?? ""]
if (existsSync(join(toolchainBin, "node"))) path.unshift(toolchainBin)
env.PATH = path.join(delimiter)
const [command, ...args] = process.argv.slice(2)
const child = spawn(command, args, { stdio: "inherit", env, shell: process.platform === "win32" })
child.on("exit", (code, signal) => process.exit(signal === null ? code ?? 1 : 1))
