/**
 * Ollama-format bodies and NDJSON lines written by us from the documented
 * format (docs/api.md), not copied from recordings, for the core wire suite
 * that must run without ../shared.
 */
import type * as FakeServer from "./FakeServer.ts"

const CREATED = "2025-07-07T20:22:19.184789Z"

export interface Counts {
  readonly prompt?: number
  readonly output?: number
}

const metrics = (counts: Counts = {}) => ({
  total_duration: 5_191_566_416,
  load_duration: 2_154_458,
  ...(counts.prompt === undefined ? {} : { prompt_eval_count: counts.prompt }),
  prompt_eval_duration: 383_809_000,
  ...(counts.output === undefined ? {} : { eval_count: counts.output }),
  eval_duration: 4_799_921_000
})

export interface WireCall {
  readonly name: string
  readonly arguments: unknown
  readonly id?: string
}

const toolCalls = (calls: ReadonlyArray<WireCall>) =>
  calls.map((call) => ({ ...(call.id === undefined ? {} : { id: call.id }), function: { name: call.name, arguments: call.arguments } }))

/** A whole `/api/chat` reply (`stream:false`). */
export const chatReply = (options: {
  readonly content?: string
  readonly toolCalls?: ReadonlyArray<WireCall>
  readonly doneReason?: string | null
  readonly counts?: Counts
  readonly model?: string
} = {}) => ({
  model: options.model ?? "llama3.2",
  created_at: CREATED,
  message: {
    role: "assistant",
    content: options.content ?? "Hello! How are you today?",
    ...(options.toolCalls === undefined ? {} : { tool_calls: toolCalls(options.toolCalls) })
  },
  ...(options.doneReason === null ? {} : { done_reason: options.doneReason ?? "stop" }),
  done: true,
  ...metrics(options.counts ?? { prompt: 26, output: 298 })
})

/** A streamed `/api/chat` content line. */
export const chatLine = (content: string, calls?: ReadonlyArray<WireCall>) => ({
  model: "llama3.2",
  created_at: CREATED,
  message: { role: "assistant", content, ...(calls === undefined ? {} : { tool_calls: toolCalls(calls) }) },
  done: false
})

/** The final streamed `/api/chat` line with the counts. */
export const chatDone = (options: { readonly doneReason?: string; readonly counts?: Counts; readonly content?: string } = {}) => ({
  model: "llama3.2",
  created_at: CREATED,
  message: { role: "assistant", content: options.content ?? "" },
  done_reason: options.doneReason ?? "stop",
  done: true,
  ...metrics(options.counts ?? { prompt: 26, output: 282 })
})

/** A streamed `/api/generate` line. */
export const generateLine = (response: string, done?: { readonly doneReason?: string; readonly counts?: Counts }) => ({
  model: "gemma4",
  created_at: CREATED,
  response,
  done: done !== undefined,
  ...(done === undefined ? {} : { done_reason: done.doneReason ?? "stop", ...metrics(done.counts ?? { prompt: 11, output: 18 }) })
})

/** A whole `/api/generate` reply. */
export const generateReply = (response = "Hello! How can I help you today?") => ({
  ...generateLine(response, { counts: { prompt: 11, output: 18 } }),
  context: [1, 2, 3]
})

export const embedReply = (vectors: ReadonlyArray<ReadonlyArray<number>>, prompt = 8) => ({
  model: "all-minilm",
  embeddings: vectors,
  total_duration: 14_143_917,
  load_duration: 1_019_500,
  prompt_eval_count: prompt
})

export const tagsReply = {
  models: [
    {
      name: "llama3.2:latest",
      model: "llama3.2:latest",
      modified_at: "2025-05-04T17:37:44.706015396-07:00",
      size: 2_019_393_189,
      digest: "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
      details: {
        parent_model: "",
        format: "gguf",
        family: "llama",
        families: ["llama"],
        parameter_size: "3.2B",
        quantization_level: "Q4_K_M"
      }
    },
    { name: "all-minilm:latest", model: "all-minilm:latest", modified_at: "not a date", size: 45_960_996, digest: "1b226e2802db" }
  ]
}

export const showReply = {
  parameters: "num_ctx                        4096\nstop                           \"<|eot_id|>\"",
  license: "LLAMA 3.2 COMMUNITY LICENSE AGREEMENT",
  modified_at: "2025-05-04T17:37:44.706015396-07:00",
  template: "{{ if .System }}<|start_header_id|>system<|end_header_id|>{{ .System }}<|eot_id|>{{ end }}",
  details: {
    parent_model: "",
    format: "gguf",
    family: "llama",
    families: ["llama"],
    parameter_size: "3.2B",
    quantization_level: "Q4_K_M"
  },
  model_info: {
    "general.architecture": "llama",
    "general.parameter_count": 3_212_749_888,
    "llama.context_length": 131_072,
    "llama.embedding_length": 3072,
    "tokenizer.ggml.tokens": null
  },
  capabilities: ["completion", "tools"]
}

export const pullLines = [
  { status: "pulling manifest" },
  { status: "pulling dde5aa3fc5ff", digest: "sha256:dde5aa3fc5ff", total: 2_019_377_376 },
  { status: "pulling dde5aa3fc5ff", digest: "sha256:dde5aa3fc5ff", total: 2_019_377_376, completed: 1_009_688_688 },
  { status: "pulling dde5aa3fc5ff", digest: "sha256:dde5aa3fc5ff", total: 2_019_377_376, completed: 2_019_377_376 },
  { status: "pulling 966de95ca8a6", digest: "sha256:966de95ca8a6", total: 1429, completed: 1429 },
  { status: "verifying sha256 digest" },
  { status: "writing manifest" },
  { status: "success" }
]

export const errorBody = (message: string) => ({ error: message })

/** NDJSON text for the given objects, one per line. */
export const ndjson = (lines: ReadonlyArray<unknown>): string =>
  lines.map((line) => `${typeof line === "string" ? line : JSON.stringify(line)}\n`).join("")

/** A server action streaming the lines as NDJSON, one write per line. */
export const stream = (lines: ReadonlyArray<unknown>, extra: Partial<FakeServer.Action & { kind: "chunks" }> = {}): FakeServer.Action => ({
  kind: "chunks",
  headers: { "content-type": "application/x-ndjson" },
  chunks: lines.map((line) => ndjson([line])),
  ...extra
})
