/**
 * A backend for your tests: it answers from a script (replies, errors,
 * streams, embeddings, model lists) and records every call it receives.
 * Input is validated exactly as a real backend validates it, so a test that
 * passes here does not hide an invalid request.
 *
 * A call with no scripted step left is a defect (a test-setup mistake), never
 * an invented answer.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LlmBackend, Message } from "effect-llm-backends"
 * import { TestBackend } from "effect-llm-backends/testing"
 *
 * const test = Effect.gen(function*() {
 *   const script = yield* TestBackend.TestBackend
 *   yield* script.push(TestBackend.reply("Hello!"))
 *   const answer = yield* LlmBackend.chat({ messages: [Message.user("Hi")] })
 *   const calls = yield* script.calls
 *   return [answer.text, calls.length]
 * }).pipe(Effect.provide(TestBackend.layer()))
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Stream } from "effect"
import { type ChatRequest, ChatResponse, type FinishReason } from "../domain/Chat.ts"
import * as Chunk from "../domain/ChatChunk.ts"
import * as Content from "../domain/Content.ts"
import { type EmbedRequest, EmbedResponse } from "../domain/Embedding.ts"
import { ModelInfo } from "../domain/Model.ts"
import type { Usage } from "../domain/Usage.ts"
import { omitUndefined } from "../internal/omitUndefined.ts"
import { LlmBackend, type Service } from "../LlmBackend.ts"
import * as LlmError from "../LlmError.ts"
import * as Pipeline from "../pipeline/Pipeline.ts"
import type * as Policy from "../pipeline/Policy.ts"
import type { Provider } from "../pipeline/Provider.ts"
import type { CallContext } from "../transport/ProviderHttp.ts"
import * as Script from "./Script.ts"

/**
 * One scripted answer.
 *
 * @since 0.1.0
 */
export type Step =
  | { readonly _tag: "Reply"; readonly response: ChatResponse }
  | { readonly _tag: "Stream"; readonly chunks: ReadonlyArray<Chunk.ChatChunk>; readonly failWith?: LlmError.Reason }
  | Script.Failure
  | { readonly _tag: "Embeddings"; readonly embeddings: ReadonlyArray<ReadonlyArray<number>> }
  | { readonly _tag: "Models"; readonly models: ReadonlyArray<string> }

/**
 * A call the backend received, after validation.
 *
 * @since 0.1.0
 */
export type RecordedCall =
  | { readonly operation: "chat" | "stream"; readonly request: ChatRequest; readonly requestId: string; readonly model: string | undefined }
  | { readonly operation: "embed"; readonly request: EmbedRequest; readonly requestId: string; readonly model: string | undefined }
  | { readonly operation: "models"; readonly requestId: string }

/**
 * A chat reply: text, or a full `ChatResponse`.
 *
 * @since 0.1.0
 */
export const reply = (
  answer: string | ChatResponse,
  options?: { readonly usage?: Usage; readonly finishReason?: FinishReason; readonly model?: string }
): Step => ({
  _tag: "Reply",
  response: typeof answer === "string"
    ? new ChatResponse({
      provider: "test",
      model: options?.model ?? "test-model",
      content: answer.length === 0 ? [] : [Content.text(answer)],
      finishReason: options?.finishReason ?? "stop",
      ...omitUndefined({ usage: options?.usage })
    })
    : answer
})

/**
 * A reply that calls tools.
 *
 * @since 0.1.0
 */
export const toolCalls = (calls: ReadonlyArray<{ readonly id: string; readonly name: string; readonly arguments: unknown }>): Step =>
  reply(
    new ChatResponse({
      provider: "test",
      model: "test-model",
      content: calls.map((call) =>
        new Content.ToolCallPart({ id: call.id, name: call.name, arguments: JSON.stringify(call.arguments) })
      ),
      finishReason: "tool_calls"
    })
  )

/**
 * A stream of chunks; strings become text deltas. Without `failWith` a
 * `Finish` chunk is appended when the script has none.
 *
 * @since 0.1.0
 */
export const stream = (
  chunks: ReadonlyArray<Chunk.ChatChunk | string>,
  options?: { readonly failWith?: LlmError.Reason }
): Step => {
  const mapped = chunks.map((chunk) => typeof chunk === "string" ? new Chunk.TextDelta({ text: chunk }) : chunk)
  const finished = options?.failWith !== undefined || mapped.some((chunk) => chunk._tag === "Finish")
  return {
    _tag: "Stream",
    chunks: finished ? mapped : [...mapped, new Chunk.Finish({ reason: "stop" })],
    ...omitUndefined({ failWith: options?.failWith })
  }
}

/**
 * A failure with the given reason (any `LlmError` reason).
 *
 * @since 0.1.0
 */
export const fail: (reason: LlmError.Reason, options?: { readonly status?: number }) => Step = Script.fail

/**
 * An embedding answer, one vector per input.
 *
 * @since 0.1.0
 */
export const embeddings = (vectors: ReadonlyArray<ReadonlyArray<number>>): Step => ({ _tag: "Embeddings", embeddings: vectors })

/**
 * A model list answer.
 *
 * @since 0.1.0
 */
export const models = (ids: ReadonlyArray<string>): Step => ({ _tag: "Models", models: ids })

/**
 * Controls the test backend: add steps, read the calls.
 *
 * @since 0.1.0
 */
export interface Control extends Script.Control<Step, RecordedCall> {}

/**
 * The control service, next to `LlmBackend` in the test layer.
 *
 * @since 0.1.0
 */
export class TestBackend extends Context.Service<TestBackend, Control>()("effect-llm-backends/testing/TestBackend") {}

/**
 * @since 0.1.0
 */
export interface Options {
  /** Steps to start with. */
  readonly script?: ReadonlyArray<Step> | undefined
  /** Provider name reported by the backend and its errors (default `test`). */
  readonly provider?: string | undefined
  /** Default model (default `test-model`). */
  readonly model?: string | undefined
  /**
   * Run calls through the resilience pipeline with these settings. By default
   * the pipeline passes calls straight through (no retries, no breaker), so a
   * scripted error reaches your code as scripted.
   */
  readonly policy?: Policy.Input | undefined
}

/**
 * Builds a test backend and its control.
 *
 * @since 0.1.0
 */
export const make = Effect.fnUntraced(function*(options: Options = {}) {
  const name = options.provider ?? "test"
  const script = yield* Script.make<Step, RecordedCall>("TestBackend", options.script ?? [])
  const { next, record } = script
  const failure = (call: CallContext, step: Script.Failure) => Script.failure(name, step, call)
  const mismatch = (operation: string, step: Step) =>
    Effect.die(new Error(`TestBackend: a ${operation} call met a scripted ${step._tag} step`))

  const asStream = (step: Step, call: CallContext): Stream.Stream<Chunk.ChatChunk, LlmError.LlmError> => {
    switch (step._tag) {
      case "Stream": {
        const body = Stream.fromIterable(step.chunks)
        return step.failWith === undefined
          ? body
          : Stream.concat(body, Stream.fail(LlmError.make(name, step.failWith, { model: call.model, requestId: call.requestId })))
      }
      case "Reply":
        return Stream.fromIterable(toChunks(step.response))
      case "Fail":
        return Stream.fromEffect(failure(call, step))
      default:
        return Stream.fromEffect(mismatch("stream", step))
    }
  }

  const provider: Provider = {
    provider: name,
    chat: (request, call) =>
      Effect.flatMap(record({ operation: "chat", request, requestId: call.requestId, model: call.model }), () =>
        Effect.flatMap(next("chat"), (step) => {
          switch (step._tag) {
            case "Reply":
              // A real backend reports its own name, whatever the script built.
              return Effect.succeed(
                step.response.provider === name ? step.response : new ChatResponse({ ...step.response, provider: name })
              )
            case "Stream":
              return Chunk.collect(asStream(step, call), name)
            case "Fail":
              return failure(call, step)
            default:
              return mismatch("chat", step)
          }
        })),
    stream: (request, call) =>
      Stream.unwrap(
        Effect.flatMap(
          record({ operation: "stream", request, requestId: call.requestId, model: call.model }),
          () => Effect.map(next("stream"), (step) => asStream(step, call))
        )
      ),
    embed: (request, call) =>
      Effect.flatMap(record({ operation: "embed", request, requestId: call.requestId, model: call.model }), () =>
        Effect.flatMap(next("embed"), (step) => {
          switch (step._tag) {
            case "Embeddings":
              return Effect.succeed(
                new EmbedResponse({
                  provider: name,
                  model: call.model ?? "test-model",
                  embeddings: step.embeddings.map((v) => [...v]),
                  requestId: call.requestId
                })
              )
            case "Fail":
              return failure(call, step)
            default:
              return mismatch("embed", step)
          }
        })),
    models: (call) =>
      Effect.flatMap(record({ operation: "models", requestId: call.requestId }), () =>
        Effect.flatMap(next("models"), (step) => {
          switch (step._tag) {
            case "Models":
              return Effect.succeed(step.models.map((id) => new ModelInfo({ provider: name, id })))
            case "Fail":
              return failure(call, step)
            default:
              return mismatch("models", step)
          }
        }))
  }

  const policy = yield* Script.policy(name, options.policy)
  const backend: Service = yield* Pipeline.make(provider, { model: options.model ?? "test-model", policy })
  const control: Control = script.control
  return { backend, control }
})

const toChunks = (response: ChatResponse): ReadonlyArray<Chunk.ChatChunk> => {
  const out: Array<Chunk.ChatChunk> = [new Chunk.Metadata({ model: response.model, ...omitUndefined({ id: response.id }) })]
  if (response.text.length > 0) out.push(new Chunk.TextDelta({ text: response.text }))
  response.toolCalls.forEach((call, index) => {
    out.push(new Chunk.ToolCallDelta({ index, id: call.id, name: call.name, argumentsDelta: call.arguments }))
    out.push(new Chunk.ToolCall({ index, id: call.id, name: call.name, arguments: call.arguments }))
  })
  if (response.usage !== undefined) out.push(new Chunk.UsageChunk({ usage: response.usage }))
  out.push(new Chunk.Finish({ reason: response.finishReason }))
  return out
}

/**
 * `LlmBackend` and its `TestBackend` control, for `Effect.provide`.
 *
 * @since 0.1.0
 */
export const layer = (options?: Options): Layer.Layer<LlmBackend | TestBackend> =>
  Layer.effectContext(
    Effect.map(make(options), ({ backend, control }) =>
      Context.make(LlmBackend, backend).pipe(Context.add(TestBackend, control)))
  )
