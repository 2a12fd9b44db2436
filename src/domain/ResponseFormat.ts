/**
 * What shape the model's answer must take.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { JsonSchema } from "./Tool.ts"

/**
 * Free text (the default).
 *
 * @since 0.1.0
 */
export class Text extends Schema.TaggedClass<Text>()("Text", {}) {}

/**
 * Any valid JSON object.
 *
 * @since 0.1.0
 */
export class Json extends Schema.TaggedClass<Json>()("Json", {}) {}

/**
 * JSON matching a schema.
 *
 * @since 0.1.0
 */
export class JsonSchemaFormat extends Schema.TaggedClass<JsonSchemaFormat>()("JsonSchema", {
  name: Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_-]{1,64}$/, { expected: "1-64 letters, digits, '_' or '-'" })),
  description: Schema.optionalKey(Schema.String),
  schema: JsonSchema,
  strict: Schema.optionalKey(Schema.Boolean)
}) {}

/**
 * @since 0.1.0
 */
export const ResponseFormat = Schema.Union([Text, Json, JsonSchemaFormat])

/**
 * @since 0.1.0
 */
export type ResponseFormat = typeof ResponseFormat.Type

/**
 * @since 0.1.0
 */
export const text: Text = new Text({})

/**
 * @since 0.1.0
 */
export const json: Json = new Json({})

/**
 * JSON constrained by `schema`.
 *
 * @since 0.1.0
 */
export const jsonSchema = (
  name: string,
  schema: JsonSchema,
  options?: { readonly description?: string; readonly strict?: boolean }
): JsonSchemaFormat => new JsonSchemaFormat({ name, schema, ...options })
