/**
 * Tools the model may call, and how it may choose among them.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * How deep a schema may nest. Real tool schemas stay far below it; a deeper
 * one is a mistake or an attack, and would overflow the stack of anything
 * that walks it (our cost estimate, a provider's converter, JSON.stringify).
 *
 * @since 0.1.0
 */
export const MAX_SCHEMA_DEPTH = 128

/**
 * How many values a schema may hold once written out as JSON. Counted with
 * shared sub-objects expanded, since that is what is sent: a small object
 * graph reusing one node at every level would otherwise write out
 * exponentially.
 *
 * @since 0.1.0
 */
export const MAX_SCHEMA_NODES = 100_000

const isPlainObject = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

// What is wrong with `root` as a JSON value, or undefined. Recursion stops at
// MAX_SCHEMA_DEPTH, so the walk itself never runs deep; sizes are memoized
// per object, so shared nodes cost one visit.
const jsonProblem = (root: unknown): string | undefined => {
  const onPath = new Set<object>()
  // Per object: values it writes out, and levels below it.
  const seen = new Map<object, { readonly size: number; readonly height: number }>()
  let problem: string | undefined
  const leaf = { size: 1, height: 0 }
  const none = { size: 0, height: 0 }
  const visit = (value: unknown, depth: number, at: string): { readonly size: number; readonly height: number } => {
    if (problem !== undefined) return none
    if (value === null || typeof value === "string" || typeof value === "boolean") return leaf
    if (typeof value === "number") {
      if (Number.isFinite(value)) return leaf
      problem = `${at} is ${value}, which JSON cannot hold`
      return none
    }
    if (typeof value !== "object") {
      problem = `${at} is a ${typeof value}, which JSON cannot hold`
      return none
    }
    if (onPath.has(value)) {
      problem = `contains a cycle (${at} refers back to an enclosing object)`
      return none
    }
    const known = seen.get(value)
    if (depth + (known?.height ?? 0) > MAX_SCHEMA_DEPTH) {
      problem = `nests deeper than ${MAX_SCHEMA_DEPTH} levels`
      return none
    }
    if (known !== undefined) return known
    if (!Array.isArray(value) && !isPlainObject(value)) {
      problem = `${at} is not a plain JSON object`
      return none
    }
    onPath.add(value)
    let size = 1
    let height = 0
    const entries: ReadonlyArray<readonly [string, unknown]> = Array.isArray(value)
      ? value.map((item, i) => [`[${i}]`, item] as const)
      : Object.entries(value).map(([key, item]) => [`.${key}`, item] as const)
    for (const [key, item] of entries) {
      const child = visit(item, depth + 1, at.length < 120 ? at + key : at)
      size += child.size
      height = Math.max(height, child.height + 1)
      if (size > MAX_SCHEMA_NODES && problem === undefined) problem = `holds more than ${MAX_SCHEMA_NODES} values`
      if (problem !== undefined) break
    }
    onPath.delete(value)
    const result = { size, height }
    seen.set(value, result)
    return result
  }
  visit(root, 0, "$")
  return problem
}

/**
 * A JSON Schema object describing a tool's parameters (or a response shape):
 * plain JSON, at most {@link MAX_SCHEMA_DEPTH} levels deep, without cycles.
 *
 * @since 0.1.0
 */
export const JsonSchema = Schema.Record(Schema.String, Schema.Unknown).check(
  Schema.makeFilter((schema: Readonly<Record<string, unknown>>) => jsonProblem(schema) ?? true, {
    expected: `a JSON schema: plain JSON, at most ${MAX_SCHEMA_DEPTH} levels deep, no cycles`
  })
)

/**
 * @since 0.1.0
 */
export type JsonSchema = typeof JsonSchema.Type

/**
 * A function the model may call. Names follow the strictest provider rule
 * (OpenAI and Anthropic: letters, digits, `_`, `-`, at most 64).
 *
 * @since 0.1.0
 */
export class ToolDefinition extends Schema.Class<ToolDefinition>("effect-llm-backends/ToolDefinition")({
  name: Schema.String.check(
    Schema.isPattern(/^[A-Za-z0-9_-]{1,64}$/, { expected: "1-64 letters, digits, '_' or '-'" })
  ),
  description: Schema.optionalKey(Schema.String),
  parameters: JsonSchema,
  strict: Schema.optionalKey(Schema.Boolean)
}) {}

/**
 * Force one named tool.
 *
 * @since 0.1.0
 */
export class ForceTool extends Schema.TaggedClass<ForceTool>()("ForceTool", {
  name: Schema.NonEmptyString
}) {}

/**
 * `auto` lets the model decide, `none` forbids tools, `required` demands at
 * least one call, `ForceTool` demands a specific one.
 *
 * @since 0.1.0
 */
export const ToolChoice = Schema.Union([Schema.Literals(["auto", "none", "required"]), ForceTool])

/**
 * @since 0.1.0
 */
export type ToolChoice = typeof ToolChoice.Type

/**
 * A tool definition.
 *
 * @since 0.1.0
 */
export const make = (
  name: string,
  options: { readonly description?: string; readonly parameters: JsonSchema; readonly strict?: boolean }
): ToolDefinition => new ToolDefinition({ name, ...options })

/**
 * Demand a call to the named tool.
 *
 * @since 0.1.0
 */
export const force = (name: string): ForceTool => new ForceTool({ name })
