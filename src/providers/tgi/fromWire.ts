/**
 * TGI's native replies as our values.
 *
 * @since 0.1.0
 */
import type { FinishReason } from "../../domain/Chat.ts"
import { ModelInfo } from "../../domain/Model.ts"
import * as Usage from "../../domain/Usage.ts"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import * as Trusted from "../../internal/Trusted.ts"
import { Details, GenerateResponse, Token } from "./Generate.ts"
import type * as Wire from "./Wire.ts"

/**
 * TGI's finish reasons: `length`, `eos_token`, `stop_sequence`.
 *
 * @since 0.1.0
 */
export const finishReason = (raw: string | undefined): FinishReason => {
  switch (raw) {
    case "eos_token":
    case "stop_sequence":
      return "stop"
    case "length":
      return "length"
    default:
      return "other"
  }
}

// Every field is a decoded number, string or boolean, which is all the class asks: built without a second parse.
/**
 * Maps one wire token.
 *
 * @since 0.1.0
 */
export const token = (wire: Wire.Token): Token =>
  Trusted.make(Token, {
    id: wire.id,
    text: wire.text,
    special: wire.special ?? false,
    ...omitUndefined({ logprob: wire.logprob ?? undefined })
  })

type WireDetails = {
  readonly finish_reason: string
  readonly generated_tokens: number
  readonly seed?: number | null
  readonly prefill?: ReadonlyArray<Wire.Token> | null
  readonly tokens?: ReadonlyArray<Wire.Token> | null
  readonly input_length?: number | null
}

// Input tokens are known from the stream's `input_length`, or from `prefill`
// when the caller asked for the prompt's tokens; never guessed.
const inputTokens = (details: WireDetails): number | undefined =>
  details.input_length ?? (details.prefill === undefined || details.prefill === null ? undefined : details.prefill.length)

/**
 * Context the reply carries that the body does not.
 *
 * @since 0.1.0
 */
export interface ReplyContext {
  readonly provider: string
  readonly model: string | undefined
  readonly requestId: string
  readonly providerRequestId: string | undefined
}

/**
 * Maps a finished generation (a `/generate` reply or the stream's last event).
 *
 * @since 0.1.0
 */
export const generateResponse = (
  text: string,
  wire: WireDetails | null | undefined,
  context: ReplyContext
): GenerateResponse => {
  const details = wire ?? undefined
  const input = details === undefined ? undefined : inputTokens(details)
  return new GenerateResponse({
    provider: context.provider,
    text,
    finishReason: finishReason(details?.finish_reason),
    requestId: context.requestId,
    ...omitUndefined({
      model: context.model,
      rawFinishReason: details?.finish_reason,
      details: details === undefined ? undefined : new Details({
        generatedTokens: details.generated_tokens,
        ...omitUndefined({
          inputTokens: input,
          seed: details.seed ?? undefined,
          tokens: details.tokens?.map(token),
          prefill: details.prefill?.map(token)
        })
      }),
      usage: details === undefined || input === undefined
        ? undefined
        : Usage.make({ inputTokens: input, outputTokens: details.generated_tokens }),
      providerRequestId: context.providerRequestId
    })
  })
}

/**
 * Maps `/v1/models` (one bare model, or a list).
 *
 * @since 0.1.0
 */
export const models = (body: Wire.Models, provider: string): ReadonlyArray<ModelInfo> =>
  ("data" in body ? body.data : [body]).map((model) =>
    new ModelInfo({
      provider,
      id: model.id,
      ...omitUndefined({ ownedBy: model.owned_by ?? undefined, created: model.created ?? undefined })
    })
  )
