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
import { Context, Effect, Layer, Schema } from "effect"
import { RerankRequest, RerankResponse, RerankResult } from "../domain/Rerank.ts"
import { omitUndefined } from "../internal/omitUndefined.ts"
import type * as LlmError from "../LlmError.ts"
import * as Pipeline from "../pipeline/Pipeline.ts"
import type * as Policy from "../pipeline/Policy.ts"
import * as Validate from "../pipeline/Validate.ts"
import * as Reranker from "../Reranker.ts"
import * as Script from "./Script.ts"

/**
 * One scripted answer: a score per document (in the request's order), or a failure.
 *
 * @since 0.1.0
 */
export type Step =
  | { readonly _tag: "Scores"; readonly scores: ReadonlyArray<number> }
  | Script.Failure

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
export const fail: (reason: LlmError.Reason, options?: { readonly status?: number }) => Step = Script.fail

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
export interface Control extends Script.Control<Step, RecordedCall> {}

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
  const script = yield* Script.make<Step, RecordedCall>("TestReranker", options.script ?? [])
  const policy = yield* Script.policy(name, options.policy)
  const { extras } = yield* Pipeline.build({ provider: name }, { policy })

  const answer = (request: RerankRequest, step: Step, requestId: string) => {
    if (step._tag === "Fail") return Script.failure(name, step, { model: request.model, requestId })
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
              yield* script.record({ request, requestId: call.requestId })
              return yield* answer(request, yield* script.next("rerank"), call.requestId)
            }), callOptions)
      )
  }
  const control: Control = script.control
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
