/**
 * Content parts: the pieces a message is made of.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * Plain text.
 *
 * @since 0.1.0
 */
export class TextPart extends Schema.TaggedClass<TextPart>()("Text", {
  text: Schema.String
}) {}

/**
 * How much detail a vision model should spend on an image (OpenAI's `detail`).
 *
 * @since 0.1.0
 */
export const ImageDetail = Schema.Literals(["auto", "low", "high"])

/**
 * @since 0.1.0
 */
export type ImageDetail = typeof ImageDetail.Type

/**
 * An image the provider fetches itself.
 *
 * @since 0.1.0
 */
export class ImageUrl extends Schema.TaggedClass<ImageUrl>()("ImageUrl", {
  url: Schema.String.check(Schema.isPattern(/^(https?:|data:)/, { expected: "an http(s) or data: URL" }))
}) {}

/**
 * An image sent inline as base64.
 *
 * @since 0.1.0
 */
export class ImageData extends Schema.TaggedClass<ImageData>()("ImageData", {
  mediaType: Schema.String.check(Schema.isPattern(/^image\/[a-z0-9.+-]+$/, { expected: "an image/* media type" })),
  data: Schema.String.check(Schema.isPattern(/^[A-Za-z0-9+/]+={0,2}$/, { expected: "base64 without a data: prefix" }))
}) {}

/**
 * An image in a user message, by URL or inline.
 *
 * @since 0.1.0
 */
export class ImagePart extends Schema.TaggedClass<ImagePart>()("Image", {
  source: Schema.Union([ImageUrl, ImageData]),
  detail: Schema.optionalKey(ImageDetail)
}) {}

/**
 * A tool call the model made. `arguments` is the JSON text exactly as the model
 * produced it: models sometimes emit invalid JSON, and the caller decides what
 * to do about that (see {@link parseArguments}).
 *
 * @since 0.1.0
 */
export class ToolCallPart extends Schema.TaggedClass<ToolCallPart>()("ToolCall", {
  id: Schema.String,
  name: Schema.NonEmptyString,
  arguments: Schema.String
}) {}

/**
 * The result of running a tool, sent back to the model.
 *
 * @since 0.1.0
 */
export class ToolResultPart extends Schema.TaggedClass<ToolResultPart>()("ToolResult", {
  toolCallId: Schema.NonEmptyString,
  name: Schema.optionalKey(Schema.String),
  content: Schema.String,
  isError: Schema.optionalKey(Schema.Boolean)
}) {}

/**
 * Parts a user may send.
 *
 * @since 0.1.0
 */
export const UserPart = Schema.Union([TextPart, ImagePart])

/**
 * @since 0.1.0
 */
export type UserPart = typeof UserPart.Type

/**
 * Parts an assistant turn may hold.
 *
 * @since 0.1.0
 */
export const AssistantPart = Schema.Union([TextPart, ToolCallPart])

/**
 * @since 0.1.0
 */
export type AssistantPart = typeof AssistantPart.Type

/**
 * A text part.
 *
 * @since 0.1.0
 */
export const text = (text: string): TextPart => new TextPart({ text })

/**
 * An image part fetched from a URL (or a `data:` URL).
 *
 * @since 0.1.0
 */
export const imageUrl = (url: string, detail?: ImageDetail): ImagePart =>
  new ImagePart(detail === undefined ? { source: new ImageUrl({ url }) } : { source: new ImageUrl({ url }), detail })

/**
 * An inline base64 image part.
 *
 * @since 0.1.0
 */
export const imageData = (data: string, mediaType: string, detail?: ImageDetail): ImagePart => {
  const source = new ImageData({ data, mediaType })
  return new ImagePart(detail === undefined ? { source } : { source, detail })
}

/**
 * A tool result part.
 *
 * @since 0.1.0
 */
export const toolResult = (
  toolCallId: string,
  content: string,
  options?: { readonly name?: string; readonly isError?: boolean }
): ToolResultPart => new ToolResultPart({ toolCallId, content, ...options })
