/**
 * How an answer served from a response cache says so: on the `ChatResponse`
 * (`response.cache`) and on the replayed stream's `Metadata` chunk.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * The answer came from a cache. `kind` says which one; a semantic hit carries
 * the cosine `similarity` between the two prompts' embeddings; `storedAt` is
 * when the answer was stored (epoch millis, Effect `Clock`).
 *
 * @since 0.1.0
 */
export class CacheHit extends Schema.Class<CacheHit>("effect-llm-backends/CacheHit")({
  kind: Schema.Literals(["exact", "semantic"]),
  similarity: Schema.optionalKey(Schema.Number),
  storedAt: Schema.Number
}) {}
