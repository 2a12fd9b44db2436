/**
 * One attempt at each TEI route, over the backend's transport: pure
 * translation (body out, body in). Batching, caching and the pipeline are
 * the callers'.
 *
 * @since 0.1.0
 */
import { Effect, Stream } from "effect"
import { EmbedResponse } from "../../domain/Embedding.ts"
import * as Usage from "../../domain/Usage.ts"
import { omitUndefined } from "../../internal/omitUndefined.ts"
import { isWireCount } from "../../internal/WireCount.ts"
import type * as LlmError from "../../LlmError.ts"
import type { CallContext, ProviderHttp, Reply } from "../../transport/ProviderHttp.ts"
import * as CompatFromWire from "../openai-compat/fromWire.ts"
import * as CompatWire from "../openai-compat/Wire.ts"
import * as Info from "./Info.ts"
import * as ToWire from "./toWire.ts"
import * as Wire from "./Wire.ts"

/**
 * Which embedding route to use: TEI's native `/embed` (with its options) or
 * the OpenAI-compatible `/v1/embeddings`.
 *
 * @since 0.1.0
 */
export type EmbedRoute = "native" | "openai"

// TEI reports the tokens it computed in a header on native routes.
const computedTokens = (reply: Reply<unknown>): Usage.Usage | undefined => {
  const raw = reply.headers["x-compute-tokens"]
  const n = raw === undefined ? Number.NaN : Number(raw)
  return isWireCount(n) ? Usage.make({ inputTokens: n, outputTokens: 0 }) : undefined
}

/**
 * The single-attempt routes.
 *
 * @since 0.1.0
 */
export const make = (http: ProviderHttp, settings: ToWire.Settings & { readonly embedRoute: EmbedRoute }) => {
  const provider = http.provider

  const embed = (
    inputs: ReadonlyArray<string>,
    model: string | undefined,
    dimensions: number | undefined,
    call: CallContext
  ): Effect.Effect<EmbedResponse, LlmError.LlmError> => {
    const context = { provider, model: model ?? "", requestId: call.requestId }
    if (settings.embedRoute === "openai") {
      return Effect.map(
        http.json({ method: "POST", path: "/v1/embeddings", body: ToWire.openAiEmbedBody(inputs, model, dimensions) }, call, CompatWire.EmbeddingList),
        (reply) => CompatFromWire.embedResponse(reply.body, { ...context, providerRequestId: reply.providerRequestId })
      )
    }
    return Effect.map(
      http.json({ method: "POST", path: "/embed", body: ToWire.embedBody(inputs, settings, dimensions) }, call, Wire.Embeddings),
      (reply) =>
        new EmbedResponse({
          ...context,
          embeddings: reply.body,
          ...omitUndefined({ usage: computedTokens(reply), providerRequestId: reply.providerRequestId })
        })
    )
  }

  const sparse = (inputs: ReadonlyArray<string>, call: CallContext) =>
    Effect.map(
      http.json({ method: "POST", path: "/embed_sparse", body: ToWire.sparseBody(inputs, settings) }, call, Wire.SparseEmbeddings),
      (reply) => reply.body
    )

  const rerank = (query: string, texts: ReadonlyArray<string>, returnText: boolean, call: CallContext) =>
    Effect.map(
      http.json({ method: "POST", path: "/rerank", body: ToWire.rerankBody(query, texts, returnText, settings) }, call, Wire.Ranks),
      (reply) => ({ ranks: reply.body, usage: computedTokens(reply), providerRequestId: reply.providerRequestId })
    )

  const tokenize = (
    inputs: ReadonlyArray<string>,
    options: Parameters<typeof ToWire.tokenizeBody>[1],
    call: CallContext
  ) =>
    Effect.map(
      http.json({ method: "POST", path: "/tokenize", body: ToWire.tokenizeBody(inputs, options) }, call, Wire.Tokens),
      (reply) => reply.body
    )

  const info = (call: CallContext) =>
    Effect.map(http.json({ method: "GET", path: "/info" }, call, Wire.Info), (reply) => Info.fromWire(reply.body))

  const health = (call: CallContext) =>
    // The 200 has an empty body: only the status matters (at most one piece is
    // read, so an endless body cannot hold the call). A 503 is the server's answer.
    http.stream({ method: "GET", path: "/health" }, call).pipe(
      Effect.flatMap((reply) => Stream.runHead(reply.body)),
      Effect.as(true),
      Effect.catchIf((error) => error.status === 503, () => Effect.succeed(false))
    )

  return { embed, sparse, rerank, tokenize, info, health }
}

/**
 * @since 0.1.0
 */
export type Routes = ReturnType<typeof make>
