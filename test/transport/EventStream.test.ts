import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import * as EventStream from "../../src/transport/EventStream.ts"

const encoder = new TextEncoder()

/** The byte stream cut into two pieces at `at`. */
const splitAt = (bytes: Uint8Array, at: number) => Stream.fromIterable([bytes.slice(0, at), bytes.slice(at)])

// Written for these tests: named events, a comment, a multi-line data field,
// multi-byte characters (which a byte split can cut in half), CRLF and LF.
const sseText = ": keep-alive\r\n" +
  "event: message_start\r\ndata: {\"t\":\"héllo\"}\r\n\r\n" +
  "data: line one\ndata: line two\n\n" +
  "retry: 3000\n\n" +
  "data: 日本語 🚀\r\n\r\n" +
  "data:no-space\n\n"

const expected = [
  { event: "message_start", data: "{\"t\":\"héllo\"}" },
  { event: "message", data: "line one\nline two" },
  { event: "message", data: "日本語 🚀" },
  { event: "message", data: "no-space" }
]

describe("SSE decoding", () => {
  it.effect("decodes named events, multi-line data, CRLF, and ignores comments and retry", () =>
    Effect.gen(function*() {
      const events = yield* Stream.runCollect(EventStream.decodeSse(Stream.make(encoder.encode(sseText))))
      assert.deepStrictEqual(events, expected)
    }))

  it.effect("gives the same events when the bytes are split at every boundary", () =>
    Effect.gen(function*() {
      const bytes = encoder.encode(sseText)
      for (let at = 0; at <= bytes.length; at++) {
        const events = yield* Stream.runCollect(EventStream.decodeSse(splitAt(bytes, at)))
        assert.deepStrictEqual(events, expected, `split at byte ${at}`)
      }
    }))

  it.effect("gives the same events one byte at a time", () =>
    Effect.gen(function*() {
      const bytes = encoder.encode(sseText)
      const single = Stream.fromIterable(Array.from(bytes, (b) => Uint8Array.of(b)))
      assert.deepStrictEqual(yield* Stream.runCollect(EventStream.decodeSse(single)), expected)
    }))

  it.effect("an oversized event fails instead of buffering without bound", () =>
    Effect.gen(function*() {
      const big = encoder.encode(`data: ${"x".repeat(200)}`)
      const error = yield* Effect.flip(Stream.runCollect(EventStream.decodeSse(Stream.make(big), { maxEventSize: 100 })))
      assert.strictEqual(error._tag, "SseError")
    }))
})

describe("line decoding (NDJSON)", () => {
  const ndjson = "{\"a\":\"ü\"}\r\n\n{\"b\":2}\n{\"c\":3}"
  it.effect("yields non-blank lines, CRLF or LF, including a last line without newline, at every split", () =>
    Effect.gen(function*() {
      const bytes = encoder.encode(ndjson)
      for (let at = 0; at <= bytes.length; at++) {
        const lines = yield* Stream.runCollect(EventStream.decodeLines(splitAt(bytes, at)))
        assert.deepStrictEqual(lines, ["{\"a\":\"ü\"}", "{\"b\":2}", "{\"c\":3}"], `split at byte ${at}`)
      }
    }))
})

describe("capped line decoding", () => {
  const ndjson = "{\"a\":\"ü\"}\r\n\n{\"b\":2}\r\n{\"c\":3}"
  it.effect("reads like decodeLines at every split, CR of a CRLF in either piece", () =>
    Effect.gen(function*() {
      const bytes = encoder.encode(ndjson)
      for (let at = 0; at <= bytes.length; at++) {
        const lines = yield* Stream.runCollect(EventStream.decodeLinesCapped(splitAt(bytes, at)))
        assert.deepStrictEqual(lines, ["{\"a\":\"ü\"}", "{\"b\":2}", "{\"c\":3}"], `split at byte ${at}`)
      }
    }))

  it.effect("a line over the cap fails as soon as it passes it, before its end arrives", () =>
    Effect.gen(function*() {
      let pulled = 0
      const endless = Stream.fromIterable(Array.from({ length: 1000 }, () => encoder.encode("x".repeat(10)))).pipe(
        Stream.tap(() => Effect.sync(() => pulled++))
      )
      const error = yield* Effect.flip(Stream.runCollect(EventStream.decodeLinesCapped(Stream.rechunk(endless, 1), { maxLineSize: 100 })))
      assert.strictEqual(error._tag, "LineTooLarge")
      assert.isBelow(pulled, 20)
    }))
})
