/**
 * OVMS's `LlmBackend` translation: chat, streaming and embeddings on the
 * OpenAI-compatible `/v3` routes (the shared OpenAI-family translation with
 * the OVMS dialect), and models from the config-status route `GET
 * /v1/config` where the deployment still has it (OVMS 2026.3 removed the
 * `/v1` REST API and documents no other listing route).
 *
 * @since 0.1.0
 */
import { Effect, Stream } from "effect"
import type { ChatRequest } from "../../domain/Chat.ts"
import type { EmbedRequest } from "../../domain/Embedding.ts"
import { ModelInfo } from "../../domain/Model.ts"
import * as LlmError from "../../LlmError.ts"
import type { Provider } from "../../pipeline/Provider.ts"
import type { CallContext, ProviderHttp } from "../../transport/ProviderHttp.ts"
import * as Dialect from "../openai-compat/Dialect.ts"
import * as OpenAiCompat from "../openai-compat/OpenAiCompat.ts"
import * as Wire from "./Wire.ts"

/**
 * What the translation needs from the backend's settings.
 *
 * @since 0.1.0
 */
export interface Settings {
  /** Whether the deployment has `GET /v1/config` (false for OVMS 2026.3 and later). */
  readonly listModels: boolean
}

/**
 * The models the config status lists with at least one version `AVAILABLE`
 * (loading, failed and retired versions cannot serve a call).
 *
 * @since 0.1.0
 */
export const models = (body: Wire.ConfigStatus, provider: string): ReadonlyArray<ModelInfo> =>
  Object.entries(body)
    .filter(([, status]) => (status.model_version_status ?? []).some((v) => v.state === "AVAILABLE"))
    .map(([id]) => new ModelInfo({ provider, id }))

/**
 * Builds the raw operations over a configured transport.
 *
 * @since 0.1.0
 */
export const make = (http: ProviderHttp, settings: Settings): Provider => {
  const compat = OpenAiCompat.make(http, Dialect.ovms)
  const provider = http.provider

  // OVMS lists these among the OpenAI parameters it does not take: refused, never dropped.
  const unsupported = (call: CallContext, capability: string, detail: string) =>
    http.fail(call, new LlmError.Unsupported({ capability, detail }))
  const chatRefusal = (request: ChatRequest, call: CallContext) =>
    request.user === undefined ? undefined : unsupported(call, "user", "OVMS /v3/chat/completions does not take `user`")
  const embedRefusal = (request: EmbedRequest, call: CallContext) =>
    request.dimensions === undefined ? undefined : unsupported(call, "dimensions", "OVMS /v3/embeddings does not take `dimensions`")

  const chat = compat.chat!
  const stream = compat.stream!
  const embed = compat.embed!

  return {
    provider,
    chat: (request, call) => {
      const refused = chatRefusal(request, call)
      return refused === undefined ? chat(request, call) : Effect.fail(refused)
    },
    stream: (request, call) => {
      const refused = chatRefusal(request, call)
      return refused === undefined ? stream(request, call) : Stream.fail(refused)
    },
    embed: (request, call) => {
      const refused = embedRefusal(request, call)
      return refused === undefined ? embed(request, call) : Effect.fail(refused)
    },
    models: settings.listModels
      ? (call) =>
        http.json({ method: "GET", path: Dialect.ovms.paths.models }, call, Wire.ConfigStatus).pipe(
          Effect.map((reply) => models(reply.body, provider)),
          // No such route: a deployment from 2026.3 on, which cannot list its models.
          Effect.catchIf(
            (error) => error.reason._tag === "NotFound",
            (error) =>
              Effect.fail(http.fail(call, new LlmError.Unsupported({
                capability: "models",
                detail: "this OVMS has no GET /v1/config (removed in 2026.3) and no other route lists models"
              }), { status: error.status }))
          )
        )
      : undefined
  }
}
