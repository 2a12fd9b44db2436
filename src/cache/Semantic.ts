/**
 * The semantic cache's strategy. A request is split in two: everything but
 * the last user turn's text (model, system prompt, earlier turns, tools,
 * response format, sampling) is a hard partition, hashed; the last user turn
 * is normalized and embedded. A stored answer is served when its prompt's
 * vector, in the same partition, is at least `threshold` similar (cosine) AND
 * the prompt guard finds the two prompts' facts in agreement.
 *
 * Vectors live in memory, one `SemanticIndex` per partition; answers live in
 * the store. Whatever the store drops, the index drops too.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, Option } from "effect"
import { CacheHit } from "../domain/CacheHit.ts"
import type { ChatRequest } from "../domain/Chat.ts"
import type { Service } from "../LlmBackend.ts"
import * as CacheKey from "./CacheKey.ts"
import type * as CacheStats from "./CacheStats.ts"
import type * as CacheStore from "./CacheStore.ts"
import type { Lookup, Strategy } from "./CachedService.ts"
import { storeAccess } from "./Exact.ts"
import * as PromptGuard from "./PromptGuard.ts"
import { SemanticIndex, unit } from "./SemanticIndex.ts"

/**
 * Settings of the semantic strategy (validated by `ResponseCache.semantic`).
 *
 * @since 0.1.0
 */
export interface Settings {
  readonly embedder: Service
  readonly embeddingModel: string | undefined
  readonly threshold: number
  readonly guard: boolean
  readonly maxEntries: number
  readonly ttl: Duration.Duration | undefined
  readonly namespace: string
}

interface Row {
  readonly facts: PromptGuard.Facts
  readonly expiresAt: number
}

/**
 * The text of the last turn when it is a user turn of text only (an image
 * cannot be compared by its words), normalized: spacing collapsed.
 *
 * @since 0.1.0
 */
export const lastUserText = (request: ChatRequest): string | undefined => {
  const last = request.messages[request.messages.length - 1]
  if (last === undefined || last.role !== "user") return undefined
  const texts: Array<string> = []
  for (const part of last.content) {
    if (part._tag !== "Text") return undefined
    texts.push(part.text)
  }
  const text = texts.join("\n").replace(/\s+/g, " ").trim()
  return text.length === 0 ? undefined : text
}

/**
 * The partition of a request: a hash of all of it except the last turn.
 *
 * @since 0.1.0
 */
export const partition = (request: ChatRequest): string => {
  const normalized = CacheKey.normalize(request) as { readonly messages: ReadonlyArray<unknown> }
  return CacheKey.hash({ ...normalized, messages: normalized.messages.slice(0, -1) })
}

/**
 * The semantic strategy over `store`.
 *
 * @since 0.1.0
 */
export const strategy = (store: CacheStore.CacheStore, recorder: CacheStats.Recorder, settings: Settings): Strategy => {
  const access = storeAccess(store, recorder)
  const indexes = new Map<string, SemanticIndex<Row>>()
  // Key -> partition, in least-recently-used order (a Map keeps insertion order).
  const owners = new Map<string, string>()
  let dimensions: number | undefined

  const forget = (key: string) => {
    const part = owners.get(key)
    if (part === undefined) return
    owners.delete(key)
    const index = indexes.get(part)
    index?.remove(key)
    if (index !== undefined && index.size === 0) indexes.delete(part)
  }

  const skipEmbedding = (detail: string) =>
    Effect.andThen(
      recorder.add("embedFailures"),
      Effect.logWarning(`semantic cache: ${detail}; the call goes to the backend uncached`)
    )

  const embed = (text: string): Effect.Effect<Float32Array | undefined> =>
    settings.embedder.embed(
      settings.embeddingModel === undefined ? { input: [text] } : { input: [text], model: settings.embeddingModel }
    ).pipe(
      Effect.flatMap((response) => {
        const vector = response.embeddings[0] === undefined ? undefined : unit(response.embeddings[0])
        if (vector === undefined) return Effect.as(skipEmbedding("the embedder returned no usable vector"), undefined)
        dimensions ??= vector.length
        if (vector.length !== dimensions) {
          return Effect.as(skipEmbedding(`the embedder returned ${vector.length} dimensions, not ${dimensions}`), undefined)
        }
        return Effect.succeed(vector)
      }),
      Effect.catch((error) => Effect.as(skipEmbedding(`embedding failed: ${error.message}`), undefined))
    )

  const read = (part: string, vector: Float32Array, facts: PromptGuard.Facts): Lookup["read"] =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const index = indexes.get(part)
      if (index === undefined) return Option.none()
      for (const match of index.search(vector, settings.threshold)) {
        if (match.data.expiresAt <= now) {
          forget(match.key)
          yield* Effect.andThen(access.remove(match.key), recorder.add("expired"))
          continue
        }
        if (settings.guard && !PromptGuard.agree(facts, match.data.facts)) {
          yield* recorder.add("guardRejections")
          continue
        }
        const answer = yield* access.read(match.key)
        if (Option.isNone(answer)) {
          // The store dropped it on its own (TTL, eviction, restart): so do we.
          forget(match.key)
          continue
        }
        owners.delete(match.key)
        owners.set(match.key, part)
        return Option.some({
          response: answer.value.response,
          hit: new CacheHit({ kind: "semantic", similarity: match.similarity, storedAt: answer.value.storedAt })
        })
      }
      return Option.none()
    })

  const write = (part: string, key: string, vector: Float32Array, facts: PromptGuard.Facts, prompt: string): Lookup["write"] =>
    (response) =>
      Effect.gen(function*() {
        const dropped = yield* access.write(key, response, settings.ttl, prompt)
        if (dropped === undefined) return
        for (const gone of [...dropped.evicted, ...dropped.expired]) forget(gone)
        const now = yield* Clock.currentTimeMillis
        let index = indexes.get(part)
        if (index === undefined) {
          index = new SemanticIndex<Row>(vector.length)
          indexes.set(part, index)
        }
        const expiresAt = settings.ttl === undefined ? Infinity : now + Duration.toMillis(settings.ttl)
        index.add(key, vector, { facts, expiresAt })
        owners.delete(key)
        owners.set(key, part)
        // The index has its own bound, for stores that evict without saying.
        while (owners.size > settings.maxEntries) {
          const oldest = owners.keys().next().value as string
          forget(oldest)
          yield* Effect.andThen(access.remove(oldest), recorder.add("evictions"))
        }
      })

  return {
    prepare: (request) => {
      const prompt = lastUserText(request)
      if (prompt === undefined) return Effect.as(recorder.add("skipped"), undefined)
      return Effect.map(embed(prompt), (vector): Lookup | undefined => {
        if (vector === undefined) return undefined
        const part = partition(request)
        const facts = PromptGuard.facts(prompt)
        const key = `llm-cache:semantic:${settings.namespace}:${part}:${CacheKey.hash(prompt)}`
        return { read: read(part, vector, facts), write: write(part, key, vector, facts, prompt) }
      })
    },
    size: access.size
  }
}
