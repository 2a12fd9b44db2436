/**
 * Our generation requests in TGI's native wire format. Every parameter is
 * sent only when set: the server's defaults are never restated (or forced).
 *
 * @since 0.1.0
 */
import { omitUndefined } from "../../internal/omitUndefined.ts"
import type { GenerateRequest } from "./Generate.ts"

/**
 * The body of `POST /generate` and `POST /generate_stream`.
 *
 * @since 0.1.0
 */
export const generateBody = (request: GenerateRequest): Record<string, unknown> => {
  const parameters = omitUndefined({
    max_new_tokens: request.maxNewTokens,
    temperature: request.temperature,
    top_p: request.topP,
    top_k: request.topK,
    typical_p: request.typicalP,
    repetition_penalty: request.repetitionPenalty,
    frequency_penalty: request.frequencyPenalty,
    stop: request.stop,
    do_sample: request.doSample,
    seed: request.seed,
    return_full_text: request.returnFullText,
    details: request.details,
    decoder_input_details: request.decoderInputDetails,
    top_n_tokens: request.topNTokens,
    truncate: request.truncate,
    watermark: request.watermark,
    best_of: request.bestOf,
    grammar: request.grammar,
    adapter_id: request.adapterId
  })
  return Object.keys(parameters).length === 0 ? { inputs: request.inputs } : { inputs: request.inputs, parameters }
}
