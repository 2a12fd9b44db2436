/**
 * The pipeline's first stage: caller input becomes trusted domain values, or
 * an `InvalidRequest` naming the field. Constructed Schema class instances
 * were validated by their constructor and pass straight through.
 *
 * @since 0.1.0
 */
import { Duration, Effect, Result, Schema, SchemaIssue } from "effect"
import { CallOptionsSchema, type CallOptions, type Priority, REQUEST_ID_PATTERN } from "../domain/CallOptions.ts"
import { ChatRequest, type ChatRequestInput } from "../domain/Chat.ts"
import { EmbedRequest, type EmbedRequestInput } from "../domain/Embedding.ts"
import { AssistantMessage, ToolMessage, UserMessage } from "../domain/Message.ts"
import { isPlainObject } from "../internal/PlainObject.ts"
import * as Trusted from "../internal/Trusted.ts"
import * as LlmError from "../LlmError.ts"

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

/**
 * A schema failure as `InvalidRequest`, naming the first offending field
 * (under `prefix`, if given).
 *
 * @since 0.1.0
 */
export const invalid = (provider: string, prefix: string | undefined, error: Schema.SchemaError): LlmError.LlmError => {
  const first = formatter(error.issue).issues[0]
  const path = (first?.path ?? []).map((segment) =>
    typeof segment === "object" && segment !== null && "key" in segment ? segment.key : segment
  )
  const field = [prefix, ...path.map(String)].filter((s) => s !== undefined && s !== "").join(".")
  const detail = first?.message ?? error.message
  return LlmError.make(
    provider,
    new LlmError.InvalidRequest(field === "" ? { detail } : { detail, field })
  )
}

// The domain schemas need no services: decoding is synchronous, so the checks
// below are plain values (the pipeline runs them in one step, not as effects).
const decodeChat = Schema.decodeUnknownResult(ChatRequest)
const decodeEmbed = Schema.decodeUnknownEffect(EmbedRequest)
const decodeOptions = Schema.decodeUnknownResult(CallOptionsSchema)

/**
 * Validates a chat request.
 *
 * @since 0.1.0
 */
export const chatRequest = (provider: string, input: ChatRequestInput): Effect.Effect<ChatRequest, LlmError.LlmError> =>
  Effect.suspend(() => Effect.fromResult(chatRequestResult(provider, input)))

// The common request, checked by hand: a plain object of the scalar
// fields, with messages that are already message instances (validated by
// their constructors, like a `ChatRequest` instance above). The check is
// one-sided: whatever it accepts, the Schema accepts and decodes to an equal
// request (pinned by a property test); anything else (tools, a response
// format, plain-object messages, a value out of range) goes to the Schema,
// which names the field. Arrays are copied, so a caller changing theirs
// while the call waits changes nothing.
const isMessage = (value: unknown) =>
  value instanceof UserMessage || value instanceof AssistantMessage || value instanceof ToolMessage
const within = (value: unknown, minimum: number, maximum: number) =>
  typeof value === "number" && value >= minimum && value <= maximum
const isPositiveInt = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 1
const isNonEmptyString = (value: unknown) => typeof value === "string" && value.length > 0
const scalar: Record<string, (value: unknown) => boolean> = {
  model: isNonEmptyString,
  system: (value) => typeof value === "string",
  parallelToolCalls: (value) => typeof value === "boolean",
  temperature: (value) => within(value, 0, 2),
  topP: (value) => within(value, 0, 1),
  topK: isPositiveInt,
  maxTokens: isPositiveInt,
  seed: Number.isSafeInteger,
  presencePenalty: (value) => within(value, -2, 2),
  frequencyPenalty: (value) => within(value, -2, 2),
  user: (value) => typeof value === "string"
}

/**
 * The request built at once when the hand check accepts `input`; otherwise
 * nothing (the Schema decides).
 *
 * @since 0.1.0
 */
export const plainChatRequest = (input: unknown): ChatRequest | undefined => {
  if (!isPlainObject(input)) return undefined
  const fields = input
  let messages: ReadonlyArray<unknown> | undefined
  let stop: ReadonlyArray<unknown> | undefined
  for (const key in fields) {
    if (!Object.hasOwn(fields, key)) return undefined
    const value = fields[key]
    if (key === "messages") {
      if (!Array.isArray(value) || value.length === 0 || !value.every(isMessage)) return undefined
      messages = value
    } else if (key === "stop") {
      if (!Array.isArray(value) || !value.every(isNonEmptyString)) return undefined
      stop = value
    } else {
      const check = scalar[key]
      if (check === undefined || !Object.hasOwn(scalar, key) || !check(value)) return undefined
    }
  }
  if (messages === undefined) return undefined
  return Trusted.make(ChatRequest, {
    ...(fields as ConstructorParameters<typeof ChatRequest>[0]),
    messages: messages.slice() as ChatRequest["messages"],
    ...(stop === undefined ? {} : { stop: stop.slice() as Array<string> })
  })
}

/**
 * Validates a chat request, synchronously.
 *
 * @since 0.1.0
 */
export const chatRequestResult = (provider: string, input: ChatRequestInput): Result.Result<ChatRequest, LlmError.LlmError> => {
  if (input instanceof ChatRequest) return Result.succeed(input)
  const plain = plainChatRequest(input)
  if (plain !== undefined) return Result.succeed(plain)
  return Result.mapError(decodeChat(input), (error) => invalid(provider, undefined, error))
}

/**
 * Validates an embedding request; bare text(s) are accepted.
 *
 * @since 0.1.0
 */
export const embedRequest = (
  provider: string,
  input: EmbedRequestInput
): Effect.Effect<EmbedRequest, LlmError.LlmError> => {
  if (input instanceof EmbedRequest) return Effect.succeed(input)
  const value = typeof input === "string" ? { input: [input] } : Array.isArray(input) ? { input } : input
  return Effect.mapError(decodeEmbed(value), (error) => invalid(provider, undefined, error))
}

/**
 * Call options after validation, with defaults filled in.
 *
 * @since 0.1.0
 */
export interface ResolvedOptions {
  readonly priority: Priority
  readonly requestId: string
  readonly timeout: Duration.Duration | undefined
  readonly key: string | undefined
  readonly sessionId: string | undefined
  /** The caller's cap on retries, if any. */
  readonly maxRetries: number | undefined
}

// Unique per process by its counter, and across processes by a prefix drawn
// once (start time and randomness): no clock read or random draw per call.
const idPrefix = `req_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
let counter = 0
const newRequestId = (): string => `${idPrefix}${(counter++).toString(36)}`

/**
 * Validates call options; a request id is generated when none is given.
 *
 * @since 0.1.0
 */
export const callOptions = (
  provider: string,
  options: CallOptions | undefined
): Effect.Effect<ResolvedOptions, LlmError.LlmError> =>
  // Run per evaluation: each run of the effect is its own call, with its own request id.
  Effect.suspend(() => Effect.fromResult(callOptionsResult(provider, options)))

// Common call options, checked by hand: a plain object of the known keys,
// each present with a value of its type. One-sided like the request check
// above: what it accepts, the Schema accepts and decodes unchanged (pinned
// by a property test); anything else (an unknown key, a key present as
// `undefined`) goes to the Schema, which names the field.
const isLiteral = (...values: ReadonlyArray<string>) => (value: unknown) => typeof value === "string" && values.includes(value)
const optionField: Record<string, (value: unknown) => boolean> = {
  priority: isLiteral("high", "normal", "low"),
  requestId: (value) => typeof value === "string" && REQUEST_ID_PATTERN.test(value),
  timeout: (value) => value !== undefined,
  key: isNonEmptyString,
  sessionId: isNonEmptyString,
  maxRetries: (value) => Number.isSafeInteger(value) && (value as number) >= 0,
  midStream: isLiteral("fail", "restart", "continue"),
  cache: isLiteral("default", "bypass", "refresh")
}

/**
 * Whether the hand check takes these options as they are (exported for its property test).
 *
 * @since 0.1.0
 */
export const isPlainCallOptions = (options: unknown): options is CallOptions => {
  if (!isPlainObject(options)) return false
  const fields = options
  for (const key in fields) {
    if (!Object.hasOwn(fields, key)) return false
    const check = Object.hasOwn(optionField, key) ? optionField[key] : undefined
    if (check === undefined || !check(fields[key])) return false
  }
  return true
}

/**
 * Validates call options, synchronously; a request id is generated when none is given.
 *
 * @since 0.1.0
 */
export const callOptionsResult = (
  provider: string,
  options: CallOptions | undefined
): Result.Result<ResolvedOptions, LlmError.LlmError> => {
  if (options === undefined) {
    return Result.succeed({
      priority: "normal",
      requestId: newRequestId(),
      timeout: undefined,
      key: undefined,
      sessionId: undefined,
      maxRetries: undefined
    })
  }
  let valid: typeof CallOptionsSchema.Type
  if (isPlainCallOptions(options)) valid = options as typeof CallOptionsSchema.Type
  else {
    const decoded = decodeOptions(options)
    if (Result.isFailure(decoded)) return Result.fail(invalid(provider, "options", decoded.failure))
    valid = decoded.success
  }
  let timeout: Duration.Duration | undefined
  if (options.timeout !== undefined) {
    const parsed = Duration.fromInput(options.timeout)
    if (parsed._tag === "None" || Duration.isNegative(parsed.value) || Duration.isZero(parsed.value)) {
      return Result.fail(LlmError.make(
        provider,
        new LlmError.InvalidRequest({
          field: "options.timeout",
          detail: "expected a positive duration (millis or e.g. \"30 seconds\")"
        })
      ))
    }
    timeout = parsed.value
  }
  return Result.succeed({
    priority: valid.priority ?? "normal",
    requestId: valid.requestId ?? newRequestId(),
    timeout,
    key: valid.key,
    sessionId: valid.sessionId,
    maxRetries: valid.maxRetries
  })
}

/**
 * The model for a call: the request's own, else the backend default, else an
 * `InvalidRequest` naming `model`.
 *
 * @since 0.1.0
 */
export const model = (
  provider: string,
  requested: string | undefined,
  fallback: string | undefined
): Effect.Effect<string, LlmError.LlmError> => Effect.fromResult(modelResult(provider, requested, fallback))

/**
 * The model for a call, synchronously.
 *
 * @since 0.1.0
 */
export const modelResult = (
  provider: string,
  requested: string | undefined,
  fallback: string | undefined
): Result.Result<string, LlmError.LlmError> => {
  const chosen = requested ?? fallback
  return chosen === undefined
    ? Result.fail(LlmError.make(
      provider,
      new LlmError.InvalidRequest({
        field: "model",
        detail: "no model in the request and no default model configured for this backend"
      })
    ))
    : Result.succeed(chosen)
}
