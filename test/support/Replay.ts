/**
 * The framings every replay suite checks a recording under: one byte per
 * read (every boundary at once), two reads split at every byte boundary
 * (every 97th byte for recordings over 20 KB), and re-framed with CRLF. Each
 * must give the same outcome as the whole body did.
 */
import { assert } from "@effect/vitest"
import { Effect } from "effect"

const decoder = new TextDecoder()
const encoder = new TextEncoder()

/**
 * Builds, once per framing, something that replays the body delivered in the
 * given pieces and returns a key describing the outcome (chunks and failure).
 */
export type Runner<E, R> = (pieces: () => ReadonlyArray<Uint8Array>) => Effect.Effect<Effect.Effect<string, E, R>, E, R>

export const agreeAcrossFramings = <E, R>(name: string, bytes: Uint8Array, wholeKey: string, runner: Runner<E, R>) =>
  Effect.gen(function*() {
    const bytewise = yield* runner(() => Array.from(bytes, (b) => Uint8Array.of(b)))
    assert.strictEqual(yield* bytewise, wholeKey, `${name}: one byte per read`)

    const step = bytes.length > 20_000 ? 97 : 1
    let at = 0
    const split = yield* runner(() => [bytes.slice(0, at), bytes.slice(at)])
    for (at = 0; at <= bytes.length; at += step) {
      if ((yield* split) !== wholeKey) assert.fail(`${name}: a different outcome when split at byte ${at}`)
    }

    const crlf = encoder.encode(decoder.decode(bytes).replace(/\r?\n/g, "\r\n"))
    const reframed = yield* runner(() => [crlf])
    assert.strictEqual(yield* reframed, wholeKey, `${name}: re-framed with CRLF`)
  })
