/**
 * TEI bodies written by us from the documented format (PROVIDERS.md, the
 * TEI spec's schemas), not copied from recordings. The fake answers derive
 * from the inputs (`doc-7` embeds as `[7, 0.5]`), so order can be checked.
 */
import type * as FakeServer from "./FakeServer.ts"

export const info = (maxClientBatchSize = 4) => ({
  model_id: "BAAI/bge-small-en-v1.5",
  model_sha: null,
  model_dtype: "float16",
  model_type: { embedding: { pooling: "cls" } },
  max_concurrent_requests: 512,
  max_input_length: 512,
  max_batch_tokens: 16384,
  max_batch_requests: null,
  max_client_batch_size: maxClientBatchSize,
  auto_truncate: false,
  tokenization_workers: 4,
  version: "1.5.0",
  served_model_name: "bge-small"
})

export const error = (message: string, type: string) => ({ error: message, error_type: type })

/** The number in `doc-7`, or the text's length. */
export const numberOf = (text: string): number => {
  const match = /(\d+)$/.exec(text)
  return match === null ? text.length : Number(match[1])
}

export const vector = (text: string) => [numberOf(text), 0.5]

type Body = { inputs?: unknown; input?: unknown; texts?: ReadonlyArray<string>; return_text?: boolean }

const list = (value: unknown): ReadonlyArray<string> => Array.isArray(value) ? value as ReadonlyArray<string> : [String(value)]

/** Answers every TEI route, deriving results from the inputs. */
export const route = (options: { readonly limit?: number } = {}): FakeServer.Handler => (request) => {
  const body = (request.json ?? {}) as Body
  const limit = options.limit ?? 4
  const tooMany = (n: number): FakeServer.Action | undefined =>
    n > limit
      ? { kind: "json", status: 413, body: error(`batch size ${n} > maximum allowed batch size ${limit}`, "Validation") }
      : undefined
  switch (request.url) {
    case "/info":
      return { kind: "json", body: info(limit) }
    case "/health":
      return { kind: "text", body: "" }
    case "/embed": {
      const inputs = list(body.inputs)
      return tooMany(inputs.length) ?? { kind: "json", body: inputs.map(vector), headers: { "x-compute-tokens": String(inputs.length * 3) } }
    }
    case "/v1/embeddings": {
      const inputs = list(body.input)
      return tooMany(inputs.length) ?? {
        kind: "json",
        body: {
          object: "list",
          model: "BAAI/bge-small-en-v1.5",
          data: inputs.map((text, index) => ({ object: "embedding", index, embedding: vector(text) })),
          usage: { prompt_tokens: inputs.length * 3, total_tokens: inputs.length * 3 }
        }
      }
    }
    case "/embed_sparse": {
      const inputs = list(body.inputs)
      return tooMany(inputs.length) ?? { kind: "json", body: inputs.map((text) => [{ index: numberOf(text), value: 1.5 }]) }
    }
    case "/tokenize": {
      const inputs = list(body.inputs)
      return tooMany(inputs.length) ?? {
        kind: "json",
        body: inputs.map((text) => [{ id: 101, text: "[CLS]", special: true, start: null, stop: null }, { id: numberOf(text), text, special: false, start: 0, stop: text.length }])
      }
    }
    case "/rerank": {
      const texts = body.texts ?? []
      // Scores rise with the document's number, answered best first as TEI does.
      return tooMany(texts.length) ?? {
        kind: "json",
        headers: { "x-compute-tokens": String(texts.length * 5) },
        body: texts
          .map((text, index) => ({ index, score: numberOf(text) / 1000, ...(body.return_text === true ? { text } : {}) }))
          .sort((a, b) => b.score - a.score)
      }
    }
    default:
      return { kind: "json", status: 404, body: error("not found", "Empty") }
  }
}

export const docs = (n: number) => Array.from({ length: n }, (_, i) => `doc-${i}`)
