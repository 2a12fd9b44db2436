/**
 * Tensor inference on OpenVINO Model Server over KServe v2, with typed tensors.
 *
 *   npm run example examples/ovms-infer.ts -- --fake                  # offline, against examples/ovms-fake.ts
 *   OVMS_API_URL=http://localhost:8000 npm run example examples/ovms-infer.ts -- my-model
 *
 * It probes the server, reads the model's metadata, builds its input from the
 * metadata's name and shape (never a hard-coded `data` input), runs it
 * through the pipeline, and reads the outputs as typed tensors. Then it shows
 * a tensor whose data does not fit its shape refused before anything is sent,
 * and, on the fake, a rerank.
 */
import { Console, Effect, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import { LlmBackend } from "../src/LlmBackend.ts"
import * as Ovms from "../src/providers/ovms/Ovms.ts"
import { OvmsApi } from "../src/providers/ovms/OvmsApi.ts"
import * as Tensor from "../src/providers/ovms/Tensor.ts"
import { Reranker } from "../src/Reranker.ts"
import * as FakeOvms from "./ovms-fake.ts"

const args = process.argv.slice(2)
const fake = args.includes("--fake")
const model = args.find((arg) => !arg.startsWith("--")) ?? "tiny-classifier"

const program = Effect.gen(function*() {
  const ovms = yield* OvmsApi
  yield* Console.log(`server live: ${yield* ovms.serverLive()}, ready: ${yield* ovms.serverReady()}, ${model} ready: ${yield* ovms.ready(model)}`)

  const meta = yield* ovms.metadata(model)
  const input = meta.inputs[0]
  if (input === undefined || input.datatype !== "FP32") {
    return yield* Console.log(`${model} does not take an FP32 input; its inputs: ${JSON.stringify(meta.inputs)}`)
  }
  yield* Console.log(`${meta.name} (${meta.platform ?? "?"}), versions ${meta.versions.join(", ")}`)
  for (const t of [...meta.inputs.map((t) => ["in ", t] as const), ...meta.outputs.map((t) => ["out", t] as const)]) {
    yield* Console.log(`  ${t[0]} ${t[1].name.padEnd(8)} ${t[1].datatype.padEnd(5)} [${t[1].shape.join(", ")}]`)
  }

  // Dynamic dimensions (-1) become a batch of 2; the data is made to fit the shape.
  const shape = input.shape.map((d, i) => d >= 0 ? d : i === 0 ? 2 : 1)
  const data = Array.from({ length: Tensor.size(shape) }, (_, i) => (i % 5) / 4)
  const result = yield* ovms.infer(model, { inputs: [Tensor.make(input.name, "FP32", shape, data)] })
  yield* Console.log(`\n${result.model} v${result.modelVersion ?? "?"} answered (request ${result.requestId}):`)
  for (const output of result.outputs) {
    yield* Console.log(`  ${output.name} ${output.datatype} [${output.shape.join(", ")}]: ${JSON.stringify(output.data)}`)
  }
  const labels = Tensor.find(result.outputs, "label", "BYTES")
  if (labels !== undefined) yield* Console.log(`  labels, typed as strings: ${labels.data.join(", ")}`)

  const refused = yield* ovms.infer(model, { inputs: [Tensor.make(input.name, "FP32", shape, data.slice(1))] }).pipe(
    Effect.match({ onSuccess: () => "it was sent (unexpected)", onFailure: (error) => `refused before sending: ${error.message}` })
  )
  yield* Console.log(`\n${refused}`)

  if (fake) {
    const reranker = yield* Reranker
    const ranked = yield* reranker.rerank({
      model: "fake-reranker",
      query: "small fast model server",
      documents: ["a slow big server", "a small fast model server", "cats"]
    })
    yield* Console.log(`\nrerank: ${ranked.results.map((r) => `#${r.index} ${r.score.toFixed(2)}`).join(", ")}`)
  }
  const stats = yield* (yield* LlmBackend).monitor.stats
  yield* Console.log(`\ncalls through the pipeline: ${stats.total_requests} (${stats.successful_requests} ok, ${stats.failed_requests} failed)`)
})

// --fake starts the fake server for the life of the layer.
const live = fake
  ? Layer.unwrap(
    Effect.map(
      Effect.acquireRelease(Effect.promise(() => FakeOvms.serve()), (served) => Effect.promise(served.close)),
      (served) => Ovms.layer({ baseUrl: served.url })
    )
  )
  : Ovms.layerConfig()

program.pipe(
  Effect.provide(live.pipe(Layer.provide(FetchHttpClient.layer))),
  Effect.catch((error) =>
    Console.error(error._tag === "LlmError" ? `failed: ${error.message}` : error.message).pipe(
      Effect.andThen(Effect.sync(() => (process.exitCode = 1)))
    )
  ),
  Effect.runPromise
)
