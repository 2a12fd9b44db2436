/**
 * An in-memory provider for pipeline tests: each attempt takes the next
 * scripted step (succeed, fail with a reason, or wait for a gate), and the
 * virtual time of every attempt is recorded. Like a server, it reports its
 * answer's (empty) headers through `onHeaders` once it answers, so the
 * pipeline counts the attempt as answered.
 */
import { Clock, Deferred, Effect, Redacted, Stream } from "effect"
import { ChatResponse } from "../../src/domain/Chat.ts"
import * as ChatChunk from "../../src/domain/ChatChunk.ts"
import * as Content from "../../src/domain/Content.ts"
import * as LlmError from "../../src/LlmError.ts"
import type { Provider } from "../../src/pipeline/Provider.ts"
import type { CallContext } from "../../src/transport/ProviderHttp.ts"

export type Step =
  | { readonly _tag: "Ok"; readonly text?: string }
  | { readonly _tag: "Fail"; readonly reason: LlmError.Reason }
  | { readonly _tag: "Gate"; readonly gate: Deferred.Deferred<void>; readonly text?: string }
  | { readonly _tag: "Chunks"; readonly chunks: ReadonlyArray<ChatChunk.ChatChunk>; readonly then?: LlmError.Reason | "stall" }

export const ok = (text = "ok"): Step => ({ _tag: "Ok", text })
export const fail = (reason: LlmError.Reason): Step => ({ _tag: "Fail", reason })
export const chunks = (list: ReadonlyArray<ChatChunk.ChatChunk>, then?: LlmError.Reason | "stall"): Step =>
  then === undefined ? { _tag: "Chunks", chunks: list } : { _tag: "Chunks", chunks: list, then }

export interface Scripted {
  readonly provider: Provider
  /** Virtual millis of each attempt, in order. */
  readonly attempts: Array<number>
  /** Request ids seen, in order. */
  readonly requestIds: Array<string>
  /** The key value each attempt carried ("" without a key). */
  readonly keys: Array<string>
  /** Attempts running right now, and the most ever at once. */
  readonly running: { now: number; max: number }
  readonly push: (...steps: ReadonlyArray<Step>) => void
}

export const make = (steps: ReadonlyArray<Step> = [], fallback?: Step): Scripted => {
  const queue = [...steps]
  const attempts: Array<number> = []
  const requestIds: Array<string> = []
  const keys: Array<string> = []
  const running = { now: 0, max: 0 }
  const next = () => queue.shift() ?? fallback ?? ok()
  const response = (text: string) =>
    new ChatResponse({ provider: "scripted", model: "m", content: [Content.text(text)], finishReason: "stop" })

  const begin = (requestId: string, key?: Redacted.Redacted<string>) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.sync(() => {
        attempts.push(now)
        requestIds.push(requestId)
        keys.push(key === undefined ? "" : Redacted.value(key))
        running.now++
        running.max = Math.max(running.max, running.now)
      }))
  const end = Effect.sync(() => {
    running.now--
  })

  const answered = (call: CallContext) => call.onHeaders?.({}) ?? Effect.void

  const provider: Provider = {
    provider: "scripted",
    chat: (_request, call) =>
      Effect.flatMap(begin(call.requestId, call.apiKey), () => {
        const step = next()
        const body = (() => {
          switch (step._tag) {
            case "Ok":
              return Effect.as(answered(call), response(step.text ?? "ok"))
            case "Fail":
              return Effect.andThen(answered(call), Effect.fail(LlmError.make("scripted", step.reason, { requestId: call.requestId })))
            case "Gate":
              return Effect.as(Effect.andThen(Deferred.await(step.gate), answered(call)), response(step.text ?? "ok"))
            case "Chunks":
              return Effect.die("a Chunks step met a chat call")
          }
        })()
        return Effect.ensuring(body, end)
      }),
    stream: (_request, call) =>
      Stream.unwrap(Effect.map(begin(call.requestId, call.apiKey), () => {
        const step = next()
        const body: Stream.Stream<ChatChunk.ChatChunk, LlmError.LlmError> = (() => {
          switch (step._tag) {
            case "Chunks": {
              const chunks = Stream.concat(Stream.fromEffectDrain(answered(call)), Stream.fromIterable(step.chunks))
              if (step.then === undefined) return chunks
              if (step.then === "stall") return Stream.concat(chunks, Stream.never)
              return Stream.concat(chunks, Stream.fail(LlmError.make("scripted", step.then, { requestId: call.requestId })))
            }
            case "Fail":
              return Stream.concat(
                Stream.fromEffectDrain(answered(call)),
                Stream.fail(LlmError.make("scripted", step.reason, { requestId: call.requestId }))
              )
            case "Ok":
              return Stream.make(new ChatChunk.TextDelta({ text: step.text ?? "ok" }), new ChatChunk.Finish({ reason: "stop" }))
            case "Gate":
              return Stream.concat(
                Stream.fromEffectDrain(Deferred.await(step.gate)),
                Stream.make(new ChatChunk.TextDelta({ text: step.text ?? "ok" }), new ChatChunk.Finish({ reason: "stop" }))
              )
          }
        })()
        return Stream.ensuring(body, end)
      }))
  }
  return { provider, attempts, requestIds, keys, running, push: (...more) => queue.push(...more) }
}
