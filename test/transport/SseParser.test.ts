/**
 * Our SSE parser against Effect's (`Sse.makeParser`), the reference it must
 * match: the same generated text, cut into the same random pieces, must give
 * the same events and hit the size cap at the same piece; and every recorded
 * SSE stream in ../shared/wire must parse the same way.
 */
import { assert, describe, it } from "@effect/vitest"
import { Sse } from "effect/encoding"
import * as fc from "fast-check"
import type * as EventStream from "../../src/transport/EventStream.ts"
import * as SseParser from "../../src/transport/SseParser.ts"
import * as Shared from "../support/Shared.ts"

// What each parser gives per piece: the events it completed, and whether the cap was passed.
interface Step {
  readonly events: ReadonlyArray<EventStream.SseEvent>
  readonly tooLarge: boolean
}

const ours = (pieces: ReadonlyArray<string>, max: number): Array<Step> => {
  const parser = SseParser.make(max)
  const steps: Array<Step> = []
  for (const piece of pieces) {
    const events: Array<EventStream.SseEvent> = []
    const ok = parser.feed(piece, events)
    steps.push({ events, tooLarge: !ok })
    if (!ok) break
  }
  return steps
}

const effects = (pieces: ReadonlyArray<string>, max: number): Array<Step> => {
  let events: Array<EventStream.SseEvent> = []
  const parser = Sse.makeParser((event) => {
    if (event._tag === "Event") events.push({ event: event.event, data: event.data })
  }, { maxEventSize: max })
  const steps: Array<Step> = []
  for (const piece of pieces) {
    const error = parser.feed(piece)
    steps.push({ events, tooLarge: error !== undefined })
    events = []
    if (error !== undefined) break
  }
  return steps
}

// Text made of the pieces SSE is made of, so that line ends, fields, comments and BOMs meet in every order.
const token = fc.constantFrom(
  "data", "data:", "data: ", "data:  ", "event:", "event: ", "event", "id: 7", "retry: 30", "retry: x", ":",
  ": comment", " ", "x", "{\"a\":1}", "é", "🚀", "\r", "\n", "\r\n", "\n\n", "\r\r", "\uFEFF", "\u0000", "dat", "a:"
)
const text = fc.array(token, { maxLength: 60 }).map((tokens) => tokens.join(""))

const cut = (whole: string, at: ReadonlyArray<number>): Array<string> => {
  const points = [...new Set(at.map((n) => n % (whole.length + 1)))].sort((a, b) => a - b)
  const pieces: Array<string> = []
  let from = 0
  for (const point of points) {
    pieces.push(whole.slice(from, point))
    from = point
  }
  pieces.push(whole.slice(from))
  return pieces
}

describe("SseParser", () => {
  it("gives the same events as Effect's parser, for any text cut anywhere", () => {
    fc.assert(
      fc.property(text, fc.array(fc.nat(), { maxLength: 12 }), (whole, at) => {
        const pieces = cut(whole, at)
        assert.deepStrictEqual(ours(pieces, 1 << 20), effects(pieces, 1 << 20))
      }),
      { numRuns: 3000 }
    )
  })

  it("passes the size cap at the same piece as Effect's parser", () => {
    fc.assert(
      fc.property(text, fc.array(fc.nat(), { maxLength: 12 }), fc.integer({ min: 0, max: 24 }), (whole, at, max) => {
        const pieces = cut(whole, at)
        assert.deepStrictEqual(ours(pieces, max), effects(pieces, max))
      }),
      { numRuns: 3000 }
    )
  })

  it("a BOM is dropped only at the very start of the stream", () => {
    assert.deepStrictEqual(ours(["\uFEFFdata: a\n\n", "\uFEFFdata: b\n\n"], 100).flatMap((s) => s.events), [
      { event: "message", data: "a" }
    ])
    assert.deepStrictEqual(ours(["", "\uFEFFdata: a\n\n"], 100).flatMap((s) => s.events), [{ event: "message", data: "a" }])
  })

  it("a CR ending one piece and the LF starting the next are one line end", () => {
    assert.deepStrictEqual(ours(["data: a\r", "\ndata: b\r\n\r", "\n"], 100).flatMap((s) => s.events), [
      { event: "message", data: "a\nb" }
    ])
  })

  const names = Shared.streamNames(/\.sse$/)
  describe(`recorded streams${Shared.skipReason}`, () => {
    it.skipIf(!Shared.available)("every recorded SSE stream parses as Effect's parser reads it, whole and one character at a time", () => {
      assert.isAbove(names.length, 10)
      const decoder = new TextDecoder()
      for (const name of names) {
        const whole = decoder.decode(Shared.streamBytes(name))
        const events = (steps: ReadonlyArray<Step>) => steps.flatMap((s) => s.events)
        const expected = events(effects([whole], 1 << 24))
        assert.isAbove(expected.length, 0, name)
        assert.deepStrictEqual(events(ours([whole], 1 << 24)), expected, name)
        assert.deepStrictEqual(events(ours([...whole], 1 << 24)), expected, name)
      }
    })
  })
})
