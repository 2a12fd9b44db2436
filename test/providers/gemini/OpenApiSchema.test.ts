import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import * as OpenApiSchema from "../../../src/providers/gemini/OpenApiSchema.ts"

const convert = (schema: Record<string, unknown>) => OpenApiSchema.fromJsonSchema(schema, "s")
const ok = (schema: Record<string, unknown>) => {
  const result = convert(schema)
  if (Result.isFailure(result)) return assert.fail(`unexpected failure: ${result.failure.field} ${result.failure.detail}`)
  return result.success
}
const failsAt = (schema: Record<string, unknown>) => {
  const result = convert(schema)
  if (Result.isSuccess(result)) return assert.fail(`expected a failure, got ${JSON.stringify(result.success)}`)
  return result.failure.field
}

describe("JSON Schema to Gemini's OpenAPI subset", () => {
  it("upper-cases types and keeps the supported keywords", () => {
    assert.deepStrictEqual(
      ok({
        type: "object",
        title: "T",
        description: "D",
        properties: {
          s: { type: "string", minLength: 1, maxLength: 5, pattern: "^a", format: "date-time", default: "a" },
          n: { type: "number", minimum: 0, maximum: 1, format: "double" },
          a: { type: "array", items: { type: "boolean" }, minItems: 1, maxItems: 3 }
        },
        required: ["s"],
        propertyOrdering: ["s", "n", "a"]
      }),
      {
        type: "OBJECT",
        title: "T",
        description: "D",
        properties: {
          s: { type: "STRING", minLength: 1, maxLength: 5, pattern: "^a", format: "date-time", default: "a" },
          n: { type: "NUMBER", minimum: 0, maximum: 1, format: "double" },
          a: { type: "ARRAY", items: { type: "BOOLEAN" }, minItems: 1, maxItems: 3 }
        },
        required: ["s"],
        propertyOrdering: ["s", "n", "a"]
      }
    )
  })

  it("null in a type list, an anyOf or an enum becomes nullable", () => {
    assert.deepStrictEqual(ok({ type: ["integer", "null"] }), { type: "INTEGER", nullable: true })
    assert.deepStrictEqual(ok({ anyOf: [{ type: "string" }, { type: "null" }] }), { type: "STRING", nullable: true })
    assert.deepStrictEqual(ok({ type: "string", enum: ["a", null] }), { type: "STRING", enum: ["a"], nullable: true })
  })

  it("several types become anyOf; a string const becomes a one-value enum", () => {
    assert.deepStrictEqual(ok({ type: ["string", "number"] }), { anyOf: [{ type: "STRING" }, { type: "NUMBER" }] })
    assert.deepStrictEqual(ok({ type: "string", const: "x" }), { type: "STRING", enum: ["x"] })
  })

  it("local $refs are inlined, siblings winning; a recursive one fails", () => {
    const schema = {
      $defs: { City: { type: "object", properties: { name: { type: "string" } }, description: "a city" } },
      type: "object",
      properties: { from: { $ref: "#/$defs/City" }, to: { $ref: "#/$defs/City", description: "destination" } }
    }
    assert.deepStrictEqual(ok(schema), {
      type: "OBJECT",
      properties: {
        from: { type: "OBJECT", properties: { name: { type: "STRING" } }, description: "a city" },
        to: { type: "OBJECT", properties: { name: { type: "STRING" } }, description: "destination" }
      }
    })
    const recursive = {
      definitions: { Node: { type: "object", properties: { next: { $ref: "#/definitions/Node" } } } },
      $ref: "#/definitions/Node"
    }
    assert.strictEqual(failsAt(recursive), "s.properties.next.$ref")
    assert.strictEqual(failsAt({ $ref: "https://example.com/schema" }), "s.$ref")
  })

  it("annotations, unknown formats and boolean additionalProperties are dropped (they change nothing generated)", () => {
    assert.deepStrictEqual(
      ok({
        $schema: "https://json-schema.org/draft/2020-12/schema",
        $id: "x",
        $comment: "c",
        type: "object",
        properties: { e: { type: "string", format: "email", examples: ["a@b.c"], readOnly: true, deprecated: false } },
        additionalProperties: false
      }),
      { type: "OBJECT", properties: { e: { type: "STRING" } } }
    )
  })

  const unsupported: ReadonlyArray<readonly [string, Record<string, unknown>, string]> = [
    ["oneOf", { type: "object", properties: { v: { oneOf: [{ type: "string" }] } } }, "s.properties.v.oneOf"],
    ["allOf", { allOf: [{ type: "string" }] }, "s.allOf"],
    ["not", { type: "string", not: { const: "x" } }, "s.not"],
    ["a map", { type: "object", properties: { m: { type: "object", additionalProperties: { type: "number" } } } }, "s.properties.m.additionalProperties"],
    ["tuple items", { type: "array", items: [{ type: "string" }] }, "s.items"],
    ["multipleOf", { type: "number", multipleOf: 2 }, "s.multipleOf"],
    ["exclusiveMinimum", { type: "number", exclusiveMinimum: 0 }, "s.exclusiveMinimum"],
    ["non-string enum", { type: "integer", enum: [1, 2] }, "s.enum"],
    ["a null-only schema", { type: "null" }, "s.type"],
    ["an unknown type", { type: "date" }, "s.type"],
    ["a nested object without properties", { type: "object", properties: { o: { type: "object" } } }, "s.properties.o"],
    ["a boolean schema", { type: "object", properties: { x: true } }, "s.properties.x"]
  ]
  for (const [name, schema, field] of unsupported) {
    it(`${name} fails as InvalidRequest at ${field}`, () => {
      assert.strictEqual(failsAt(schema), field)
    })
  }

  it("an object with no properties is a function without arguments", () => {
    assert.isTrue(OpenApiSchema.isEmptyObject({ type: "object" }))
    assert.isTrue(OpenApiSchema.isEmptyObject({ type: "object", properties: {}, additionalProperties: false }))
    assert.isTrue(OpenApiSchema.isEmptyObject({}))
    assert.isFalse(OpenApiSchema.isEmptyObject({ type: "object", properties: { a: { type: "string" } } }))
    assert.isFalse(OpenApiSchema.isEmptyObject({ $ref: "#/$defs/A" }))
  })
})
