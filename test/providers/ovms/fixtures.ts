/**
 * OVMS bodies written by us from its documented formats (the KServe REST
 * doc, the /v3 chat, embeddings and rerank docs, the TF-Serving-era config
 * status doc): no recordings of OVMS exist in ../shared.
 */
import type * as FakeServer from "../../support/FakeServer.ts"

/** `/v3/chat/completions` unary reply: OVMS sends no `id`. */
export const completion = (content = "How can I help you?", usage = { prompt_tokens: 22, completion_tokens: 38, total_tokens: 60 }) => ({
  choices: [{ finish_reason: "stop", index: 0, logprobs: null, message: { content, role: "assistant" } }],
  created: 1716825108,
  model: "llama3",
  object: "chat.completion",
  usage
})

/** One streamed chunk (continuous batching: the first has `content: null`). */
export const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  choices: [{ index: 0, logprobs: null, delta, finish_reason: finish }],
  created: 1772634283,
  model: "llama3",
  object: "chat.completion.chunk"
})

export const usageChunk = (prompt: number, completion: number) => ({
  choices: [],
  created: 1772634283,
  model: "llama3",
  object: "chat.completion.chunk",
  usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion }
})

/** The SSE frames of a short answer with usage and `[DONE]`. */
export const streamFrames = (words: ReadonlyArray<string>, usage = true): ReadonlyArray<unknown> => [
  chunk({ role: "assistant", content: null }),
  ...words.map((word, i) => chunk({ content: word }, i === words.length - 1 ? "stop" : null)),
  ...(usage ? [usageChunk(5, words.length)] : [])
]

export const embeddings = (vectors: ReadonlyArray<ReadonlyArray<number>>) => ({
  object: "list",
  data: vectors.map((embedding, index) => ({ object: "embedding", embedding, index })),
  usage: { prompt_tokens: 6, total_tokens: 6 }
})

export const rerank = (scores: ReadonlyArray<number>, documents?: ReadonlyArray<string>) => ({
  results: scores.map((relevance_score, index) =>
    documents === undefined ? { index, relevance_score } : { index, relevance_score, document: documents[index] }
  )
})

/** `GET /v1/config` (OVMS before 2026.3). */
export const configStatus = {
  resnet: {
    model_version_status: [
      { version: "1", state: "END", status: { error_code: "OK", error_message: "" } },
      { version: "2", state: "AVAILABLE", status: { error_code: "OK", error_message: "" } }
    ]
  },
  llama3: { model_version_status: [{ version: "1", state: "AVAILABLE", status: { error_code: "OK", error_message: "" } }] },
  broken: { model_version_status: [{ version: "1", state: "LOADING", status: { error_code: "UNKNOWN", error_message: "loading" } }] }
}

export const metadata = {
  name: "resnet",
  versions: ["1", "2"],
  platform: "OpenVINO",
  inputs: [{ name: "0", datatype: "FP32", shape: [1, 224, 224, 3] }],
  outputs: [{ name: "1463", datatype: "FP32", shape: [-1, 1000] }],
  rt_info: { model_info: { labels: "cat dog" } }
}

/** A KServe `{error}` body. */
export const kserveError = (status: number, error: string): FakeServer.Action => ({ kind: "json", status, body: { error } })

interface WireInput {
  readonly name: string
  readonly shape: ReadonlyArray<number>
  readonly datatype: string
  readonly data: ReadonlyArray<unknown>
}

/** An infer reply whose outputs echo the request's inputs, renamed `out_<name>`. */
export const echoInfer = (request: FakeServer.Recorded, model = "echo", version = "1"): FakeServer.Action => {
  const body = request.json as { readonly id?: string; readonly inputs: ReadonlyArray<WireInput> }
  return {
    kind: "json",
    body: {
      model_name: model,
      model_version: version,
      ...(body.id === undefined ? {} : { id: body.id }),
      outputs: body.inputs.map((input) => ({ name: `out_${input.name}`, shape: input.shape, datatype: input.datatype, data: input.data }))
    }
  }
}

/** An infer reply with the given outputs. */
export const inferReply = (outputs: ReadonlyArray<Record<string, unknown>>): FakeServer.Action => ({
  kind: "json",
  body: { model_name: "m", model_version: "1", outputs }
})
