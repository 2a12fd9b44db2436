/**
 * TGI bodies written by us from the documented format (PROVIDERS.md, the
 * TGI spec's schemas), not copied from recordings: the core suites must run
 * without ../shared.
 */
import type * as FakeServer from "./FakeServer.ts"

export const token = (id: number, text: string, special = false) => ({ id, text, logprob: -0.5, special })

export const generateReply = (text: string, details?: Record<string, unknown>) => ({
  generated_text: text,
  ...(details === undefined ? {} : { details })
})

export const details = (finish = "eos_token", generated = 3) => ({
  finish_reason: finish,
  generated_tokens: generated,
  seed: 42,
  prefill: [token(1, "<s>", true), token(22, "Hello")],
  tokens: [token(5, " world"), token(6, "!"), token(2, "</s>", true)]
})

/** `data:` frames with no space after the colon, as TGI writes them. */
export const frames = (payloads: ReadonlyArray<unknown>): Array<string> =>
  payloads.map((payload) => `data:${JSON.stringify(payload)}\n\n`)

export const tokenEvent = (index: number, text: string) => ({
  index,
  token: token(100 + index, text),
  generated_text: null,
  details: null
})

export const finalEvent = (index: number, text: string, whole: string, streamDetails: Record<string, unknown> | null = null) => ({
  index,
  token: token(2, text, true),
  generated_text: whole,
  details: streamDetails
})

export const streamDetails = (generated = 3, input = 7) => ({
  finish_reason: "eos_token",
  generated_tokens: generated,
  input_length: input,
  seed: null
})

export const error = (message: string, type: string) => ({ error: message, error_type: type })

export const info = {
  model_id: "HuggingFaceH4/zephyr-7b-beta",
  model_sha: "b70e0c9a2d9e14bd1e812d3c398e5f313e93b473",
  model_pipeline_tag: "text-generation",
  max_concurrent_requests: 128,
  max_best_of: 2,
  max_stop_sequences: 4,
  max_input_tokens: 4095,
  max_total_tokens: 4096,
  validation_workers: 2,
  max_client_batch_size: 4,
  router: "text-generation-router",
  version: "3.0.1"
}

export const chatCompletion = (content = "Hello there.", finish = "stop") => ({
  object: "chat.completion",
  id: "",
  created: 1_736_000_000,
  model: "HuggingFaceH4/zephyr-7b-beta",
  system_fingerprint: "3.0.1-native",
  choices: [{ index: 0, message: { role: "assistant", content }, logprobs: null, finish_reason: finish }],
  usage: { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 }
})

export const chatChunk = (content: string, finish: string | null = null) => ({
  object: "chat.completion.chunk",
  id: "",
  created: 1_736_000_000,
  model: "HuggingFaceH4/zephyr-7b-beta",
  system_fingerprint: "3.0.1-native",
  choices: [{ index: 0, delta: { role: "assistant", content }, logprobs: null, finish_reason: finish }],
  usage: null
})

export const modelInfo = { id: "HuggingFaceH4/zephyr-7b-beta", object: "model", created: 1_736_000_000, owned_by: "HuggingFaceH4" }

export const sse = (payloads: ReadonlyArray<unknown>, rest: Partial<Extract<FakeServer.Action, { kind: "chunks" }>> = {}): FakeServer.Action => ({
  kind: "chunks",
  chunks: frames(payloads),
  ...rest
})

/** Answers every TGI route with a plausible reply. */
export const route: FakeServer.Handler = (request) => {
  const body = request.json as { stream?: boolean } | undefined
  switch (request.url) {
    case "/generate":
      return { kind: "json", body: generateReply("Hello world!", details()) }
    case "/generate_stream":
      return sse([tokenEvent(1, "Hello"), tokenEvent(2, " world"), finalEvent(3, "</s>", "Hello world", streamDetails(2, 5))])
    case "/info":
      return { kind: "json", body: info }
    case "/health":
      return { kind: "text", body: "" }
    case "/v1/models":
      return { kind: "json", body: modelInfo }
    default:
      return body?.stream === true
        ? { kind: "chunks", chunks: [...frames([chatChunk("Hi"), chatChunk(" there", "stop")]), "data:[DONE]\n\n"] }
        : { kind: "json", body: chatCompletion() }
  }
}
