/**
 * The one composition every backend goes through. A provider supplies raw
 * single-attempt operations; the pipeline validates input, resolves the call
 * options, the model and the key, and runs the attempt.
 *
 * @since 0.1.0
 */
import { Effect, Redacted, Stream } from "effect"
import type { ChatRequest } from "../domain/Chat.ts"
import type { Capabilities, Service } from "../LlmBackend.ts"
import * as LlmError from "../LlmError.ts"
import type { CallContext } from "../transport/ProviderHttp.ts"
import type { Provider } from "./Provider.ts"
import * as Validate from "./Validate.ts"

/**
 * A named API key. The name is what shows up in stats and errors; the value
 * never does.
 *
 * @since 0.1.0
 */
export interface ApiKey {
  readonly name: string
  readonly value: Redacted.Redacted<string>
}

/**
 * How the pipeline wraps a provider.
 *
 * @since 0.1.0
 */
export interface Options {
  /** Model used when a chat request names none. */
  readonly model?: string | undefined
  /** Model used when an embedding request names none. */
  readonly embeddingModel?: string | undefined
  /** Keys the backend may use; none for services without auth. */
  readonly keys?: ReadonlyArray<ApiKey> | undefined
}

/**
 * Wraps a provider's raw operations into an `LlmBackend` service.
 *
 * @since 0.1.0
 */
export const make = (provider: Provider, options: Options = {}): Service => {
  const name = provider.provider
  const keys = options.keys ?? []

  const capabilities: Capabilities = {
    chat: provider.chat !== undefined,
    stream: provider.stream !== undefined,
    embed: provider.embed !== undefined,
    models: provider.models !== undefined
  }

  const chooseKey = (pinned: string | undefined): Effect.Effect<Redacted.Redacted<string> | undefined, LlmError.LlmError> => {
    if (pinned === undefined) return Effect.succeed(keys[0]?.value)
    const found = keys.find((key) => key.name === pinned)
    return found === undefined
      ? Effect.fail(LlmError.make(
        name,
        new LlmError.InvalidRequest({
          field: "options.key",
          detail: `no key named ${JSON.stringify(pinned)} (known: ${keys.map((k) => k.name).join(", ") || "none"})`
        })
      ))
      : Effect.succeed(found.value)
  }

  const prepare = (model: string | undefined, callOptions: Validate.ResolvedOptions) =>
    Effect.map(chooseKey(callOptions.key), (apiKey): CallContext => ({
      requestId: callOptions.requestId,
      model,
      apiKey
    }))

  const prepareChat = (input: Parameters<Service["chat"]>[0], callOptions: Parameters<Service["chat"]>[1]) =>
    Effect.gen(function*() {
      const request: ChatRequest = yield* Validate.chatRequest(name, input)
      const resolved = yield* Validate.callOptions(name, callOptions)
      const model = yield* Validate.model(name, request.model, options.model)
      const call = yield* prepare(model, resolved)
      return { request, call }
    })

  const chat: Service["chat"] = (input, callOptions) => {
    const run = provider.chat
    if (run === undefined) return Effect.fail(LlmError.unsupported(name, "chat"))
    return Effect.flatMap(prepareChat(input, callOptions), ({ call, request }) => run(request, call))
  }

  const stream: Service["stream"] = (input, callOptions) => {
    const run = provider.stream
    if (run === undefined) return Stream.fail(LlmError.unsupported(name, "stream"))
    return Stream.unwrap(Effect.map(prepareChat(input, callOptions), ({ call, request }) => run(request, call)))
  }

  const embed: Service["embed"] = (input, callOptions) => {
    const run = provider.embed
    if (run === undefined) return Effect.fail(LlmError.unsupported(name, "embed"))
    return Effect.gen(function*() {
      const request = yield* Validate.embedRequest(name, input)
      const resolved = yield* Validate.callOptions(name, callOptions)
      const model = yield* Validate.model(name, request.model, options.embeddingModel ?? options.model)
      const call = yield* prepare(model, resolved)
      return yield* run(request, call)
    })
  }

  const models: Service["models"] = (callOptions) => {
    const run = provider.models
    if (run === undefined) return Effect.fail(LlmError.unsupported(name, "models"))
    return Effect.gen(function*() {
      const resolved = yield* Validate.callOptions(name, callOptions)
      const call = yield* prepare(undefined, resolved)
      return yield* run(call)
    })
  }

  return { provider: name, capabilities, chat, stream, embed, models }
}
