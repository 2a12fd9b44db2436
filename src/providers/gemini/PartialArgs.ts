/**
 * Function-call arguments streamed in pieces (`functionCall.partialArgs`,
 * sent when `streamFunctionCallArguments` is on): each piece names one
 * argument by a JSON path (RFC 9535, e.g. `$.trip.stops[0].city`) with a
 * string, number, boolean or null value; a string may arrive in several
 * pieces for the same path (`willContinue`). Assembled here into the
 * arguments object.
 *
 * @since 0.1.0
 */
import type * as Wire from "./Wire.ts"

type Segment = string | number

const SEGMENT = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\]/y

/**
 * The segments of a JSON path under `$`, or `undefined` when it is not one
 * this reader understands (only names and indices, no wildcards or filters).
 *
 * @since 0.1.0
 */
export const parsePath = (path: string): ReadonlyArray<Segment> | undefined => {
  if (!path.startsWith("$")) return undefined
  const out: Array<Segment> = []
  SEGMENT.lastIndex = 1
  while (SEGMENT.lastIndex < path.length) {
    const start = SEGMENT.lastIndex
    const match = SEGMENT.exec(path)
    if (match === null || match.index !== start) return undefined
    const [, name, index, single, double] = match
    if (name !== undefined) out.push(name)
    else if (index !== undefined) out.push(Number(index))
    else out.push((single ?? double ?? "").replace(/\\(.)/g, "$1"))
  }
  return out.length === 0 ? undefined : out
}

/**
 * One call's arguments being assembled.
 *
 * @since 0.1.0
 */
export class Assembly {
  private readonly root: Record<string, unknown> = {}
  // The path of a string still arriving in pieces, and its text so far.
  private open: { readonly key: string; readonly segments: ReadonlyArray<Segment>; text: string } | undefined

  /** Merges whole arguments given with a piece. */
  merge(args: Readonly<Record<string, unknown>>): void {
    Object.assign(this.root, args)
  }

  /** Applies one piece; returns what is wrong with it, if anything. */
  apply(piece: Wire.PartialArg): string | undefined {
    const path = piece.jsonPath ?? undefined
    if (path === undefined) return "a partialArgs piece without a jsonPath"
    const segments = parsePath(path)
    if (segments === undefined) return `an unreadable jsonPath ${JSON.stringify(path.slice(0, 80))}`
    let value: unknown
    if (piece.stringValue !== null && piece.stringValue !== undefined) {
      const text = this.open?.key === path ? this.open.text + piece.stringValue : piece.stringValue
      this.open = piece.willContinue === true ? { key: path, segments, text } : undefined
      value = text
    } else if (piece.numberValue !== null && piece.numberValue !== undefined) value = piece.numberValue
    else if (piece.boolValue !== null && piece.boolValue !== undefined) value = piece.boolValue
    else if (piece.nullValue !== undefined) value = null
    else if (piece.willContinue === true) return undefined
    else return `a partialArgs piece at ${path} without a value`
    return set(this.root, segments, value)
  }

  /** The arguments as JSON text. */
  json(): string {
    return JSON.stringify(this.root)
  }
}

const set = (root: Record<string, unknown>, segments: ReadonlyArray<Segment>, value: unknown): string | undefined => {
  let node: Record<string | number, unknown> = root
  for (const [i, segment] of segments.entries()) {
    if (i === segments.length - 1) {
      node[segment] = value
      return undefined
    }
    const next = segments[i + 1]!
    const existing = node[segment]
    if (existing === undefined || existing === null) {
      const created: Record<string | number, unknown> = typeof next === "number" ? ([] as unknown as Record<number, unknown>) : {}
      node[segment] = created
      node = created
    } else if (typeof existing === "object") {
      node = existing as Record<string | number, unknown>
    } else {
      return `jsonPath runs through a non-object value at ${String(segment)}`
    }
  }
  return undefined
}
