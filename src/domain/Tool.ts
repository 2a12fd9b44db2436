/**
 * Tools the model may call, and how it may choose among them.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * A JSON Schema object describing a tool's parameters (or a response shape).
 *
 * @since 0.1.0
 */
export const JsonSchema = Schema.Record(Schema.String, Schema.Unknown)

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
