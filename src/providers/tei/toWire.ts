/**
 * Our requests in TEI's wire format. Options are sent only when set: the
 * server's defaults (`normalize: true`, no truncation, ...) are never forced.
 *
 * @since 0.1.0
 */
import { omitUndefined } from "../../internal/omitUndefined.ts"

/**
 * Options of the native routes, as configured on the backend.
 *
 * @since 0.1.0
 */
export interface Settings {
  readonly normalize?: boolean | undefined
  readonly truncate?: boolean | undefined
  readonly truncationDirection?: "left" | "right" | undefined
  readonly promptName?: string | undefined
  readonly rawScores?: boolean | undefined
}

const direction = (value: Settings["truncationDirection"]) =>
  value === undefined ? undefined : value === "left" ? "Left" : "Right"

/**
 * The body of `POST /embed`.
 *
 * @since 0.1.0
 */
export const embedBody = (inputs: ReadonlyArray<string>, settings: Settings, dimensions: number | undefined) =>
  omitUndefined({
    inputs,
    normalize: settings.normalize,
    truncate: settings.truncate,
    truncation_direction: direction(settings.truncationDirection),
    prompt_name: settings.promptName,
    dimensions
  })

/**
 * The body of `POST /v1/embeddings`.
 *
 * @since 0.1.0
 */
export const openAiEmbedBody = (input: ReadonlyArray<string>, model: string | undefined, dimensions: number | undefined) =>
  omitUndefined({ input, model, encoding_format: "float", dimensions })

/**
 * The body of `POST /embed_sparse`.
 *
 * @since 0.1.0
 */
export const sparseBody = (inputs: ReadonlyArray<string>, settings: Settings) =>
  omitUndefined({
    inputs,
    truncate: settings.truncate,
    truncation_direction: direction(settings.truncationDirection),
    prompt_name: settings.promptName
  })

/**
 * The body of `POST /rerank`.
 *
 * @since 0.1.0
 */
export const rerankBody = (query: string, texts: ReadonlyArray<string>, returnText: boolean, settings: Settings) =>
  omitUndefined({
    query,
    texts,
    return_text: returnText ? true : undefined,
    raw_scores: settings.rawScores,
    truncate: settings.truncate,
    truncation_direction: direction(settings.truncationDirection)
  })

/**
 * The body of `POST /tokenize`.
 *
 * @since 0.1.0
 */
export const tokenizeBody = (
  inputs: ReadonlyArray<string>,
  options: { readonly addSpecialTokens?: boolean | undefined; readonly promptName?: string | undefined }
) => omitUndefined({ inputs, add_special_tokens: options.addSpecialTokens, prompt_name: options.promptName })
