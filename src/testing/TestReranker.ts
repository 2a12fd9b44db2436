/**
 * A `Reranker` for your tests: it scores documents from a script and
 * records every call. Requests are validated as a real reranker validates
 * them, and scripted scores go through the same finishing a real one does
 * (sorted best first, `topN`, `returnDocuments`), so code under test sees
 * the shapes it will see in production.
 *
 * A call with no scripted step left is a defect (a test-setup mistake),
 * never an invented ranking.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Reranker } from "effect-llm-backends"
 * import { TestReranker } from "effect-llm-backends/testing"
 *
 * const test = Effect.gen(function*() {
 *   const script = yield* TestReranker.TestReranker
 *   yield* script.push(TestReranker.scores([0.1, 0.9]))
 *   const ranked = yield* Reranker.Reranker.use((r) => r.rerank({ query: "q", documents: ["a", "b"] }))
 *   return ranked.results[0]?.index // 1
 * }).pipe(Effect.provide(TestReranker.layer()))
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Ref, Schema } from "effect"
import { RerankRequest, RerankResponse, RerankResult } from "../domain/Rerank.ts"
import { omitUndefined } from "../internal/omitUndefined.ts"
import * as LlmError from "../LlmError.ts"
import * as Pipeline from "../pipeline/Pipeline.ts"
import * as Policy from "../pipeline/Policy.ts"
import * as Validate from "../pipeline/Validate.ts"
import * as Reranker from "../Reranker.ts"

/**
 * One scripted answer: a score per document (in the request's order), or a failure.
 *
 * @since 0.1.0
 */
export type Step =
  | { readonly _tag: "Scores"; readonly scores: ReadonlyArray<number> }
  | { readonly _tag: "Fail"; readonly reason: LlmError.Reason; readonly status?: number }

/**
 * Scores for the documents of one call, in the request's document order.
 *
 * @since 0.1.0
 */
export const scores = (values: ReadonlyArray<number>): Step => ({ _tag: "Scores", scores: values })

/**
 * A failure with the given reason.
 *
 * @since 0.1.0
 */
export const fail = (reason: LlmError.Reason, options?: { readonly status?: number }): Step => ({
  _tag: "Fail",
  reason,
  ...omitUndefined({ status: options?.status })
})

/**
 * A call the reranker received, after validation.
 *
 * @since 0.1.0
 */
export interface RecordedCall {
  readonly request: RerankRequest
  readonly requestId: string
}

/**
 * Controls the test reranker.
 *
 * @since 0.1.0
 */
export interface Control {
  readonly push: (...steps: ReadonlyArray<Step>) => Effect.Effect<void>
  readonly calls: Effect.Effect<ReadonlyArray<RecordedCall>>
  readonly remaining: Effect.Effect<number>
}

/**
 * The control service, next to `Reranker` in the test layer.
 *
 * @since 0.1.0
 */
export class TestReranker extends Context.Service<TestReranker, Control>()("effect-llm-backends/testing/TestReranker") {}

/**
 * @since 0.1.0
 */
export interface Options {
  readonly script?: ReadonlyArray<Step> | undefined
  /** Provider name reported on responses and errors (default `test`). */
  readonly provider?: string | undefined
  /** Run calls through the pipeline with these settings (default: straight through). */
  readonly policy?: Policy.Input | undefined
}

const decode = Schema.decodeUnknownEffect(RerankRequest)

/**
 * Builds a test reranker and its control.
 *
 * @since 0.1.0
 */
export const make = Effect.fnUntraced(function*(options: Options = {}) {
  const name = options.provider ?? "test"
  const script = yield* Ref.make<ReadonlyArray<Step>>(options.script ?? [])
  const calls = yield* Ref.make<ReadonlyArray<RecordedCall>>([])
  const policy = options.policy === undefined
    ? Policy.passthrough
    : yield* Effect.orDie(Policy.make(name, { ...Policy.passthrough, ...options.policy }))
  const { extras } = yield* Pipeline.build({ provider: name }, { policy })

  const answer = (request: RerankRequest, step: Step, requestId: string) => {
    if (step._tag === "Fail") {
      return Effect.fail(LlmError.make(name, step.reason, { model: request.model, requestId, status: step.status }))
    }
    if (step.scores.length !== request.documents.length) {
      return Effect.die(new Error(`TestReranker: ${step.scores.length} scripted scores for ${request.documents.length} documents`))
    }
    const results = step.scores
      .map((score, index) => ({ score, index }))
      .sort((a, b) => b.score - a.score || a.index - b.index)
      .slice(0, request.topN ?? step.scores.length)
      .map(({ index, score }) =>
        new RerankResult({ index, score, ...omitUndefined({ document: request.returnDocuments === true ? request.documents[index] : undefined }) })
      )
    return Effect.succeed(new RerankResponse({ provider: name, results, requestId, ...omitUndefined({ model: request.model }) }))
  }

  const reranker: Reranker.Service = {
    provider: name,
    rerank: (input, callOptions) =>
      Effect.flatMap(
        input instanceof RerankRequest ? Effect.succeed(input) : Effect.mapError(decode(input), (error) => Validate.invalid(name, undefined, error)),
        (request) =>
          extras.effect({ name: "rerank", model: request.model }, (call) =>
            Effect.gen(function*() {
              yield* Ref.update(calls, (all) => [...all, { request, requestId: call.requestId }])
              const [step, rest] = yield* Ref.get(script).pipe(Effect.map((steps) => [steps[0], steps.slice(1)] as const))
              if (step === undefined) return yield* Effect.die(new Error("TestReranker: no scripted step left for a rerank call"))
              yield* Ref.set(script, rest)
              return yield* answer(request, step, call.requestId)
            }), callOptions)
      )
  }
  const control: Control = {
    push: (...steps) => Ref.update(script, (all) => [...all, ...steps]),
    calls: Ref.get(calls),
    remaining: Effect.map(Ref.get(script), (steps) => steps.length)
  }
  return { reranker, control }
})

/**
 * `Reranker` and its `TestReranker` control, for `Effect.provide`.
 *
 * @since 0.1.0
 */
export const layer = (options?: Options): Layer.Layer<Reranker.Reranker | TestReranker> =>
  Layer.effectContext(
    Effect.map(make(options), ({ control, reranker }) =>
      Context.make(Reranker.Reranker, reranker).pipe(Context.add(TestReranker, control)))
  )
