/**
 * Nearest neighbours by cosine over unit vectors kept in one contiguous
 * `Float32Array`: a lookup is a straight scan (dot products), which stays in
 * the low milliseconds up to tens of thousands of 384-dimension entries (see
 * the bench's `cache` section). Removal moves the last row into the hole, so
 * the rows stay contiguous.
 *
 * @since 0.1.0
 */

/**
 * A match: the row's key, its data and the cosine similarity.
 *
 * @since 0.1.0
 */
export interface Match<T> {
  readonly key: string
  readonly data: T
  readonly similarity: number
}

/**
 * A copy of `vector` scaled to unit length, or `undefined` for a zero (or
 * non-finite) vector, which has no direction to compare.
 *
 * @since 0.1.0
 */
export const unit = (vector: ArrayLike<number>): Float32Array | undefined => {
  let norm = 0
  for (let i = 0; i < vector.length; i++) norm += vector[i]! * vector[i]!
  if (!(norm > 0) || !Number.isFinite(norm)) return undefined
  const scale = 1 / Math.sqrt(norm)
  const out = new Float32Array(vector.length)
  for (let i = 0; i < vector.length; i++) out[i] = vector[i]! * scale
  return out
}

/**
 * One partition's vectors, with a value of type `T` beside each.
 *
 * @since 0.1.0
 */
export class SemanticIndex<T> {
  private rows: Float32Array
  private keys: Array<string> = []
  private data: Array<T> = []
  private readonly position = new Map<string, number>()

  constructor(readonly dimensions: number, initialCapacity = 64) {
    this.rows = new Float32Array(dimensions * Math.max(1, initialCapacity))
  }

  /** Rows held. */
  get size(): number {
    return this.keys.length
  }

  /** Adds (or replaces) the row for `key`; `vector` must be a unit vector of `dimensions`. */
  add(key: string, vector: Float32Array, data: T): void {
    const existing = this.position.get(key)
    const row = existing ?? this.keys.length
    if (existing === undefined) {
      if ((row + 1) * this.dimensions > this.rows.length) {
        const grown = new Float32Array(this.rows.length * 2)
        grown.set(this.rows)
        this.rows = grown
      }
      this.keys.push(key)
      this.data.push(data)
      this.position.set(key, row)
    } else {
      this.data[row] = data
    }
    this.rows.set(vector, row * this.dimensions)
  }

  /** The data of `key`, if held. */
  get(key: string): T | undefined {
    const row = this.position.get(key)
    return row === undefined ? undefined : this.data[row]
  }

  /** Removes the row for `key`, if held. */
  remove(key: string): void {
    const row = this.position.get(key)
    if (row === undefined) return
    const last = this.keys.length - 1
    if (row !== last) {
      const lastKey = this.keys[last]!
      this.rows.copyWithin(row * this.dimensions, last * this.dimensions, (last + 1) * this.dimensions)
      this.keys[row] = lastKey
      this.data[row] = this.data[last]!
      this.position.set(lastKey, row)
    }
    this.keys.pop()
    this.data.pop()
    this.position.delete(key)
  }

  /** Every key with its data (for sweeps). */
  entries(): ReadonlyArray<readonly [string, T]> {
    return this.keys.map((key, i) => [key, this.data[i]!] as const)
  }

  /**
   * Rows whose cosine with `query` (a unit vector) is at least `threshold`,
   * most similar first.
   */
  search(query: Float32Array, threshold: number): Array<Match<T>> {
    const d = this.dimensions
    const rows = this.rows
    const found: Array<Match<T>> = []
    const n = this.keys.length
    for (let r = 0, base = 0; r < n; r++, base += d) {
      // Four running sums: fewer dependent additions per step.
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0
      let i = 0
      for (; i + 3 < d; i += 4) {
        s0 += rows[base + i]! * query[i]!
        s1 += rows[base + i + 1]! * query[i + 1]!
        s2 += rows[base + i + 2]! * query[i + 2]!
        s3 += rows[base + i + 3]! * query[i + 3]!
      }
      for (; i < d; i++) s0 += rows[base + i]! * query[i]!
      const similarity = s0 + s1 + s2 + s3
      if (similarity >= threshold) found.push({ key: this.keys[r]!, data: this.data[r]!, similarity })
    }
    return found.sort((a, b) => b.similarity - a.similarity)
  }
}
