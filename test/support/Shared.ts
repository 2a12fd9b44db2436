/**
 * Access to ../shared/wire (official specs, recorded streams). It exists on
 * developer machines and in CI, not in a user's clone: suites that need it
 * skip with a one-line reason. Its data is read in place, never copied here.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const wire = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "shared", "wire")

export const available = existsSync(wire)

/** Why a suite is skipped, for its title. */
export const skipReason = available ? "" : " [skipped: ../shared/wire is absent (it is not part of a user's clone)]"

export const specPath = (name: string): string => join(wire, "specs", name)

export const streamNames = (pattern: RegExp): ReadonlyArray<string> =>
  available ? readdirSync(join(wire, "streams")).filter((name) => pattern.test(name)).sort() : []

export const streamBytes = (name: string): Uint8Array => new Uint8Array(readFileSync(join(wire, "streams", name)))
