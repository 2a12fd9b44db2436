/**
 * TGI's native generation: a prompt and sampling `parameters` in, text out
 * (`POST /generate`), or a token at a time (`POST /generate_stream`). The
 * prompt is sent as written: no chat template is applied here (use `chat`
 * on the backend for conversations; the server applies the model's own).
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { FinishReason } from "../../domain/Chat.ts"
import { Usage } from "../../domain/Usage.ts"
import type * as LlmError from "../../LlmError.ts"
import * as Validate from "../../pipeline/Validate.ts"

const positive = Schema.Number.check(Schema.isGreaterThan(0))
const positiveInt = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))
const count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
const probability = Schema.Number.check(Schema.isGreaterThan(0), Schema.isLessThan(1))

/**
 * Constrained decoding: a JSON Schema the output must match, a regular
 * expression, or a named JSON Schema (`json_schema`, newer servers).
 *
 * @since 0.1.0
 */
export const Grammar = Schema.Union([
  Schema.Struct({ type: Schema.Literal("json"), value: Schema.Unknown }),
  Schema.Struct({ type: Schema.Literal("regex"), value: Schema.String }),
  Schema.Struct({
    type: Schema.Literal("json_schema"),
    value: Schema.Struct({ name: Schema.optionalKey(Schema.String), schema: Schema.Unknown })
  })
])
/** @since 0.1.0 */
export type Grammar = typeof Grammar.Type

/**
 * A generation request: every TGI `parameters` field, in camelCase.
 *
 * @since 0.1.0
 */
export class GenerateRequest extends Schema.Class<GenerateRequest>("effect-llm-backends/TgiGenerateRequest")({
  inputs: Schema.NonEmptyString,
  maxNewTokens: Schema.optionalKey(positiveInt),
  temperature: Schema.optionalKey(positive),
  topP: Schema.optionalKey(probability),
  topK: Schema.optionalKey(positiveInt),
  typicalP: Schema.optionalKey(probability),
  repetitionPenalty: Schema.optionalKey(positive),
  frequencyPenalty: Schema.optionalKey(Schema.Number.check(Schema.isGreaterThan(-2))),
  stop: Schema.optionalKey(Schema.Array(Schema.NonEmptyString)),
  doSample: Schema.optionalKey(Schema.Boolean),
  seed: Schema.optionalKey(positiveInt),
  /** Prepend the prompt to the generated text. */
  returnFullText: Schema.optionalKey(Schema.Boolean),
  /** Ask for `details` (finish reason, token counts, tokens). */
  details: Schema.optionalKey(Schema.Boolean),
  /** Also return the prompt's tokens (`prefill`), which gives input token counts. */
  decoderInputDetails: Schema.optionalKey(Schema.Boolean),
  topNTokens: Schema.optionalKey(count),
  /** Keep only the last `truncate` prompt tokens. */
  truncate: Schema.optionalKey(count),
  watermark: Schema.optionalKey(Schema.Boolean),
  bestOf: Schema.optionalKey(positiveInt),
  grammar: Schema.optionalKey(Grammar),
  /** A LoRA adapter loaded on the server. */
  adapterId: Schema.optionalKey(Schema.NonEmptyString)
}) {}

/**
 * A `GenerateRequest` or a plain object of its shape.
 *
 * @since 0.1.0
 */
export type GenerateRequestInput = GenerateRequest | ConstructorParameters<typeof GenerateRequest>[0]

/**
 * One token as TGI reports it. `special` tokens (e.g. `</s>`) are not part
 * of the text.
 *
 * @since 0.1.0
 */
export class Token extends Schema.Class<Token>("effect-llm-backends/TgiToken")({
  id: Schema.Number,
  text: Schema.String,
  logprob: Schema.optionalKey(Schema.Number),
  special: Schema.Boolean
}) {}

/**
 * What `details` said about a generation.
 *
 * @since 0.1.0
 */
export class Details extends Schema.Class<Details>("effect-llm-backends/TgiDetails")({
  generatedTokens: Schema.Number,
  inputTokens: Schema.optionalKey(Schema.Number),
  seed: Schema.optionalKey(Schema.Number),
  tokens: Schema.optionalKey(Schema.Array(Token)),
  prefill: Schema.optionalKey(Schema.Array(Token))
}) {}

/**
 * A finished generation. `finishReason` is known only when `details` was
 * asked for (otherwise `other`, with no `rawFinishReason`).
 *
 * @since 0.1.0
 */
export class GenerateResponse extends Schema.Class<GenerateResponse>("effect-llm-backends/TgiGenerateResponse")({
  provider: Schema.String,
  model: Schema.optionalKey(Schema.String),
  text: Schema.String,
  finishReason: FinishReason,
  rawFinishReason: Schema.optionalKey(Schema.String),
  details: Schema.optionalKey(Details),
  usage: Schema.optionalKey(Usage),
  requestId: Schema.optionalKey(Schema.String),
  providerRequestId: Schema.optionalKey(Schema.String),
  /**
   * What the stream decoder had to leave out (a malformed event skipped under
   * `malformedEvents: "skip"`): the text may have a gap.
   */
  warnings: Schema.optionalKey(Schema.Array(Schema.String))
}) {}

/**
 * A token as it is generated (`/generate_stream`).
 *
 * @since 0.1.0
 */
export class TokenEvent extends Schema.TaggedClass<TokenEvent>()("Token", {
  index: Schema.optionalKey(Schema.Number),
  token: Token
}) {}

/**
 * The stream's last event: its last token, the whole text, and `details`
 * when asked for.
 *
 * @since 0.1.0
 */
export class FinalEvent extends Schema.TaggedClass<FinalEvent>()("Final", {
  index: Schema.optionalKey(Schema.Number),
  token: Token,
  response: GenerateResponse
}) {}

/**
 * A `/generate_stream` event.
 *
 * @since 0.1.0
 */
export type StreamEvent = TokenEvent | FinalEvent

const decode = Schema.decodeUnknownEffect(GenerateRequest)

/**
 * Validates a request, failing with `InvalidRequest` naming the field.
 *
 * @since 0.1.0
 */
export const validate = (provider: string, input: GenerateRequestInput): Effect.Effect<GenerateRequest, LlmError.LlmError> =>
  input instanceof GenerateRequest
    ? Effect.succeed(input)
    : Effect.mapError(decode(input), (error) => Validate.invalid(provider, undefined, error))
