// Runs a dev command (vitest, tsc, tsx) with the Node from .toolchain/ first on
// PATH when scripts/toolchain.mjs installed one; otherwise as is.
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { delimiter, dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const toolchainBin = join(root, ".toolchain", "node_modules", ".bin")
const env = { ...process.env }
if (existsSync(join(toolchainBin, "node"))) env.PATH = `${toolchainBin}${delimiter}${env.PATH ?? ""}`
const [command, ...args] = process.argv.slice(2)
const child = spawn(command, args, { stdio: "inherit", env, shell: process.platform === "win32" })
child.on("exit", (code, signal) => process.exit(signal === null ? code ?? 1 : 1))
