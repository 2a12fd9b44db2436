/**
 * Ollama's raw completion endpoint, `POST /api/generate`: a prompt (with an
 * optional system prompt, images, `suffix` for fill-in-the-middle, `raw` to
 * skip the model's template) in, text out.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { FinishReason } from "../../domain/Chat.ts"
import { ResponseFormat } from "../../domain/ResponseFormat.ts"
import { Usage } from "../../domain/Usage.ts"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import type * as LlmError from "../../LlmError.ts"
import * as Validate from "../../pipeline/Validate.ts"
import * as FromWire from "./fromWire.ts"
import * as ToWire from "./toWire.ts"
import type * as Wire from "./Wire.ts"

const between = (minimum: number, maximum: number) => Schema.Number.check(Schema.isBetween({ minimum, maximum }))
const positiveInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))
const Base64 = Schema.String.check(
  Schema.isPattern(/^[A-Za-z0-9+/]+={0,2}$/, { expected: "base64 without a data: prefix" })
)

/**
 * A completion request. `model` may be left out when the service was built
 * with a default model.
 *
 * @since 0.1.0
 */
export class GenerateRequest extends Schema.Class<GenerateRequest>("effect-llm-backends/OllamaGenerateRequest")({
  model: Schema.optionalKey(Schema.NonEmptyString),
  prompt: Schema.String,
  system: Schema.optionalKey(Schema.String),
  /** Text after the answer, for fill-in-the-middle models. */
  suffix: Schema.optionalKey(Schema.String),
  /** Base64 images (no `data:` prefix), for vision models. */
  images: Schema.optionalKey(Schema.Array(Base64)),
  format: Schema.optionalKey(ResponseFormat),
  /** Send the prompt as is, without the model's prompt template. */
  raw: Schema.optionalKey(Schema.Boolean),
  temperature: Schema.optionalKey(between(0, 2)),
  topP: Schema.optionalKey(between(0, 1)),
  topK: Schema.optionalKey(positiveInt),
  maxTokens: Schema.optionalKey(positiveInt),
  stop: Schema.optionalKey(Schema.Array(Schema.NonEmptyString)),
  seed: Schema.optionalKey(Schema.Int),
  presencePenalty: Schema.optionalKey(between(-2, 2)),
  frequencyPenalty: Schema.optionalKey(between(-2, 2))
}) {}

/**
 * A `GenerateRequest` or a plain object of its shape (validated, failing with
 * `InvalidRequest` naming the field).
 *
 * @since 0.1.0
 */
export type GenerateRequestInput = GenerateRequest | ConstructorParameters<typeof GenerateRequest>[0]

/**
 * A completion.
 *
 * @since 0.1.0
 */
export class GenerateResponse extends Schema.Class<GenerateResponse>("effect-llm-backends/OllamaGenerateResponse")({
  provider: Schema.String,
  model: Schema.String,
  text: Schema.String,
  finishReason: FinishReason,
  rawFinishReason: Schema.optionalKey(Schema.String),
  usage: Schema.optionalKey(Usage),
  requestId: Schema.optionalKey(Schema.String),
  providerRequestId: Schema.optionalKey(Schema.String)
}) {}

const decode = Schema.decodeUnknownEffect(GenerateRequest)

/**
 * Validates a request.
 *
 * @since 0.1.0
 */
export const validate = (provider: string, input: GenerateRequestInput): Effect.Effect<GenerateRequest, LlmError.LlmError> =>
  input instanceof GenerateRequest
    ? Effect.succeed(input)
    : Effect.mapError(decode(input), (error) => Validate.invalid(provider, undefined, error))

/**
 * The body of `POST /api/generate`.
 *
 * @since 0.1.0
 */
export const body = (
  request: GenerateRequest,
  model: string,
  settings: ToWire.Settings,
  stream: boolean
): Effect.Effect<ToWire.Body, LlmError.Reason> =>
  Effect.map(ToWire.format(request.format, "format"), (format) =>
    omitUndefined({
      model,
      prompt: request.prompt,
      system: request.system,
      suffix: request.suffix,
      images: request.images,
      format,
      options: ToWire.options(request),
      raw: request.raw,
      stream,
      keep_alive: settings.keepAlive
    }))

/**
 * Maps a non-streamed reply; `undefined` when `done` is not true.
 *
 * @since 0.1.0
 */
export const response = (line: Wire.GenerateLine, context: FromWire.ReplyContext): GenerateResponse | undefined =>
  line.done !== true ? undefined : new GenerateResponse({
    provider: context.provider,
    model: line.model ?? context.model,
    text: line.response ?? "",
    finishReason: FromWire.finishReason(line.done_reason, false),
    requestId: context.requestId,
    ...omitUndefined({
      rawFinishReason: line.done_reason ?? undefined,
      usage: FromWire.usage(line),
      providerRequestId: context.providerRequestId
    })
  })
