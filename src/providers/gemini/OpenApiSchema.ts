/**
 * Our JSON Schemas (tool parameters, response formats) in the form Gemini's
 * `parameters` and `responseSchema` accept: its `Schema` object, a subset of
 * OpenAPI 3.0. What it keeps, what it drops, and what fails:
 *
 * - kept: `type` (upper-cased, as Google's SDK sends it), `properties`,
 *   `required`, `items`, `anyOf`, `enum` (strings only), `nullable`,
 *   `description`, `title`, `default`, `example`, `pattern`, `minimum`,
 *   `maximum`, `minLength`, `maxLength`, `minItems`, `maxItems`,
 *   `minProperties`, `maxProperties`, `propertyOrdering`; `format` when Gemini
 *   knows it (`date-time`, `enum`, `int32`, `int64`, `float`, `double`).
 * - rewritten: `type: ["x", "null"]` and an `anyOf` member `{type: "null"}`
 *   become `nullable: true`; `type: ["x", "y"]` becomes `anyOf`; a string
 *   `const` becomes a one-value `enum`; local `$ref`s into `$defs` /
 *   `definitions` are inlined (a recursive one fails).
 * - dropped, because they change nothing Gemini generates: annotations
 *   (`$schema`, `$id`, `$comment`, `examples`, `readOnly`, `writeOnly`,
 *   `deprecated`, `contentMediaType`, `contentEncoding`), other `format`s (an
 *   annotation in JSON Schema), and a boolean `additionalProperties` (Gemini
 *   only ever emits declared properties, which satisfies `false` and `true`).
 * - anything else (`oneOf`, `allOf`, `not`, `if`, tuple `items`, a schema-valued
 *   `additionalProperties`, `multipleOf`, exclusive bounds, non-string enums,
 *   an object without properties, ...) fails with `InvalidRequest` naming the
 *   path, rather than being sent as a weaker schema.
 *
 * @since 0.1.0
 */
import { Result } from "effect"
import * as LlmError from "../../LlmError.ts"

type Json = Record<string, unknown>

const TYPES: Record<string, string> = {
  string: "STRING",
  number: "NUMBER",
  integer: "INTEGER",
  boolean: "BOOLEAN",
  array: "ARRAY",
  object: "OBJECT"
}
const KEPT = new Set([
  "description",
  "title",
  "default",
  "example",
  "pattern",
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "minProperties",
  "maxProperties",
  "propertyOrdering",
  "required",
  "nullable"
])
const ANNOTATIONS = new Set([
  "$schema",
  "$id",
  "$comment",
  "$anchor",
  "$defs",
  "definitions",
  "examples",
  "readOnly",
  "writeOnly",
  "deprecated",
  "contentMediaType",
  "contentEncoding"
])
const FORMATS = new Set(["date-time", "enum", "int32", "int64", "float", "double"])

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value)

const invalidRequest = (field: string, detail: string) =>
  new LlmError.InvalidRequest({ field, detail: `Gemini's schema subset: ${detail}` })
const invalid = (field: string, detail: string) => Result.fail(invalidRequest(field, detail))

type Converted = Result.Result<Json, LlmError.InvalidRequest>

class Converter {
  constructor(private readonly defs: Json) {}

  // Resolves a local `$ref`, merging its siblings over the target.
  private resolve(node: Json, path: string, stack: ReadonlyArray<string>): Result.Result<{ node: Json; stack: ReadonlyArray<string> }, LlmError.InvalidRequest> {
    const ref = node["$ref"]
    if (ref === undefined) return Result.succeed({ node, stack })
    const match = typeof ref === "string" ? /^#\/(?:\$defs|definitions)\/(.+)$/.exec(ref) : null
    const target = match === null ? undefined : this.defs[match[1]!]
    if (match === null || !isObject(target)) return invalid(`${path}.$ref`, `only local refs into $defs are inlined, got ${JSON.stringify(ref)}`)
    if (stack.includes(match[1]!)) return invalid(`${path}.$ref`, `recursive schema ${JSON.stringify(ref)} cannot be inlined`)
    const { $ref: _, ...siblings } = node
    return this.resolve({ ...target, ...siblings }, path, [...stack, match[1]!])
  }

  convert(input: unknown, path: string, stack: ReadonlyArray<string> = []): Converted {
    if (!isObject(input)) return invalid(path, "a schema must be an object")
    const resolved = this.resolve(input, path, stack)
    if (Result.isFailure(resolved)) return resolved
    const node = resolved.success.node
    const inner = resolved.success.stack
    const out: Json = {}
    for (const [key, value] of Object.entries(node)) {
      const at = `${path}.${key}`
      if (KEPT.has(key)) out[key] = value
      else if (ANNOTATIONS.has(key)) continue
      else if (key === "type") {
        const failure = this.type(value, at, out)
        if (failure !== undefined) return Result.fail(failure)
      } else if (key === "properties") {
        if (!isObject(value)) return invalid(at, "properties must be an object")
        const properties: Json = {}
        for (const [name, schema] of Object.entries(value)) {
          const r = this.convert(schema, `${at}.${name}`, inner)
          if (Result.isFailure(r)) return r
          properties[name] = r.success
        }
        out["properties"] = properties
      } else if (key === "items") {
        const r = this.convert(value, at, inner)
        if (Result.isFailure(r)) return Array.isArray(value) ? invalid(at, "tuple items are not supported") : r
        out["items"] = r.success
      } else if (key === "anyOf") {
        if (!Array.isArray(value)) return invalid(at, "anyOf must be an array")
        const members: Array<Json> = []
        for (const [i, member] of value.entries()) {
          if (isObject(member) && member["type"] === "null" && Object.keys(member).length === 1) {
            out["nullable"] = true
            continue
          }
          const r = this.convert(member, `${at}[${i}]`, inner)
          if (Result.isFailure(r)) return r
          members.push(r.success)
        }
        // `anyOf: [X, {type: null}]` is just a nullable X.
        if (members.length === 1) Object.assign(out, members[0]!)
        else out["anyOf"] = members
      } else if (key === "enum" || key === "const") {
        const values = key === "enum" ? value : [value]
        if (!Array.isArray(values)) return invalid(at, "enum must be an array")
        const strings = values.filter((v) => v !== null)
        if (values.length !== strings.length) out["nullable"] = true
        if (!strings.every((v) => typeof v === "string")) return invalid(at, "enum values must be strings")
        out["enum"] = strings
      } else if (key === "format") {
        if (typeof value === "string" && FORMATS.has(value)) out["format"] = value
      } else if (key === "additionalProperties") {
        if (typeof value !== "boolean") return invalid(at, "a map (additionalProperties as a schema) cannot be expressed")
      } else {
        return invalid(at, `\`${key}\` cannot be expressed`)
      }
    }
    if (out["type"] === "OBJECT" && !isObject(out["properties"])) {
      return invalid(path, "an object needs at least one declared property")
    }
    if (isObject(out["properties"]) && Object.keys(out["properties"]).length === 0) {
      return invalid(`${path}.properties`, "an object needs at least one declared property")
    }
    return Result.succeed(out)
  }

  // Sets `type` (or `anyOf` of types) and `nullable` on `out`; a failure is returned.
  private type(value: unknown, at: string, out: Json): LlmError.InvalidRequest | undefined {
    const list = Array.isArray(value) ? value : [value]
    const named = list.filter((t) => t !== "null")
    if (named.length !== list.length) out["nullable"] = true
    const mapped: Array<string> = []
    for (const t of named) {
      const upper = typeof t === "string" ? TYPES[t] : undefined
      if (upper === undefined) return invalidRequest(at, `unknown type ${JSON.stringify(t)}`)
      mapped.push(upper)
    }
    if (mapped.length === 0) return invalidRequest(at, "a schema cannot be only null")
    if (mapped.length === 1) out["type"] = mapped[0]
    else out["anyOf"] = mapped.map((type) => ({ type }))
    return undefined
  }
}

/**
 * Converts a JSON Schema; `field` names where it sits in our request (e.g.
 * `responseFormat.schema`), so a failure points at the offending keyword.
 *
 * @since 0.1.0
 */
export const fromJsonSchema = (schema: Json, field: string): Converted => {
  const defs = { ...(isObject(schema["definitions"]) ? schema["definitions"] : {}), ...(isObject(schema["$defs"]) ? schema["$defs"] : {}) }
  return new Converter(defs).convert(schema, field)
}

/**
 * True for a schema declaring an object with no properties: a function
 * without arguments, which Gemini wants declared with no `parameters` at all
 * (it rejects an OBJECT without properties).
 *
 * @since 0.1.0
 */
export const isEmptyObject = (schema: Json): boolean =>
  (schema["type"] === "object" || schema["type"] === undefined) &&
  schema["$ref"] === undefined && schema["anyOf"] === undefined && schema["oneOf"] === undefined &&
  (!isObject(schema["properties"]) || Object.keys(schema["properties"]).length === 0)
