/**
 * Backends for the cache tests: an echo chat backend that counts the calls
 * that reach it, and a deterministic embedder (hashed bag of words) so
 * semantic tests need no model.
 */
import { Effect, Stream } from "effect"
import { ChatResponse } from "../../src/domain/Chat.ts"
import * as ChatChunk from "../../src/domain/ChatChunk.ts"
import * as Content from "../../src/domain/Content.ts"
import { EmbedResponse } from "../../src/domain/Embedding.ts"
import * as LlmError from "../../src/LlmError.ts"
import * as Pipeline from "../../src/pipeline/Pipeline.ts"
import * as Policy from "../../src/pipeline/Policy.ts"

export const DIMENSIONS = 384

// Words that carry no topic; the embedder leaves them out, as a sentence
// embedder weighs them little.
const stopWords = new Set([
  "a", "an", "the", "is", "are", "was", "were", "be", "do", "does", "did", "of", "to", "in", "on", "at", "for",
  "and", "or", "what", "whats", "which", "who", "how", "me", "i", "my", "you", "your", "please", "can", "could",
  "would", "tell", "it", "this", "that", "s", "with", "about", "into", "from", "by", "as", "give", "show", "explain",
  "some", "any", "there", "should", "will", "let", "know"
])

/** Lowercase word tokens minus stop words, with a crude plural/-ing strip. */
export const words = (text: string): ReadonlyArray<string> =>
  (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])
    .filter((w) => !stopWords.has(w))
    .map((w) => (w.length > 4 && w.endsWith("ing") ? w.slice(0, -3) : w.length > 3 && w.endsWith("s") ? w.slice(0, -1) : w))

// FNV-1a, 32 bits: a stable bucket and sign for each word.
const fnv = (text: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

/** The hashed bag-of-words vector of a text. */
export const bagOfWords = (text: string, dimensions = DIMENSIONS): Array<number> => {
  const vector = new Array<number>(dimensions).fill(0)
  for (const word of words(text)) {
    const h = fnv(word)
    vector[h % dimensions]! += (h & 0x80000000) === 0 ? 1 : -1
  }
  return vector
}

/** An embed-only backend over the bag-of-words embedder; `calls.n` counts embeddings. */
export const embedder = (options: { readonly fail?: () => boolean } = {}) =>
  Effect.gen(function*() {
    const calls = { n: 0 }
    const backend = yield* Pipeline.make({
      provider: "bow",
      embed: (request) =>
        Effect.suspend(() => {
          calls.n++
          if (options.fail?.() === true) return Effect.fail(LlmError.make("bow", new LlmError.ServerError({ detail: "embedder down" })))
          return Effect.succeed(
            new EmbedResponse({ provider: "bow", model: "bow", embeddings: request.input.map((t) => bagOfWords(t)) })
          )
        })
    }, { model: "bow", policy: Policy.passthrough })
    return { backend, calls }
  })

const lastText = (messages: ReadonlyArray<{ readonly content: ReadonlyArray<unknown> }>): string => {
  const part = messages[messages.length - 1]?.content[0] as { readonly text?: string } | undefined
  return part?.text ?? ""
}

/** A chat backend answering "answer to: <last user text>"; `calls` lists the prompts that reached it. */
export const echo = () =>
  Effect.gen(function*() {
    const calls: Array<string> = []
    const answer = (text: string) =>
      new ChatResponse({ provider: "echo", model: "echo-1", content: [Content.text(`answer to: ${text}`)], finishReason: "stop" })
    const backend = yield* Pipeline.make({
      provider: "echo",
      chat: (request) => Effect.sync(() => {
        const text = lastText(request.messages)
        calls.push(text)
        return answer(text)
      }),
      stream: (request) =>
        Stream.suspend(() => {
          const text = lastText(request.messages)
          calls.push(text)
          return Stream.fromIterable<ChatChunk.ChatChunk>([
            new ChatChunk.Metadata({ model: "echo-1" }),
            new ChatChunk.TextDelta({ text: "answer to: " }),
            new ChatChunk.TextDelta({ text }),
            new ChatChunk.Finish({ reason: "stop" })
          ])
        })
    }, { model: "echo-1", policy: Policy.passthrough })
    return { backend, calls }
  })
