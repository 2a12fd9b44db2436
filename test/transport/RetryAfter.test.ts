import { assert, describe, it } from "@effect/vitest"
import { Duration } from "effect"
import * as RetryAfter from "../../src/transport/RetryAfter.ts"

const NOW = Date.parse("2026-11-23T12:00:00Z")
const ms = (d: Duration.Duration | undefined) => d === undefined ? undefined : Duration.toMillis(d)

describe("Retry-After", () => {
  it("reads whole and decimal seconds", () => {
    assert.strictEqual(ms(RetryAfter.parseRetryAfter("120", NOW)), 120_000)
    assert.strictEqual(ms(RetryAfter.parseRetryAfter(" 0 ", NOW)), 0)
    assert.strictEqual(ms(RetryAfter.parseRetryAfter("1.5", NOW)), 1_500)
  })

  it("reads an HTTP date relative to now, and a past date as zero", () => {
    assert.strictEqual(ms(RetryAfter.parseRetryAfter("Mon, 23 Nov 2026 12:00:30 GMT", NOW)), 30_000)
    assert.strictEqual(ms(RetryAfter.parseRetryAfter("Mon, 23 Nov 2026 11:00:00 GMT", NOW)), 0)
  })

  it("rejects garbage, negatives and empty values", () => {
    for (const bad of ["", "soon", "-5", "1e3", "5 seconds", "Mon, 99 Foo 2026", "NaN", "Infinity"]) {
      assert.isUndefined(RetryAfter.parseRetryAfter(bad, NOW), bad)
    }
  })
})

describe("reset durations", () => {
  it("reads Go-style durations", () => {
    assert.strictEqual(ms(RetryAfter.parseGoDuration("1s")), 1_000)
    assert.strictEqual(ms(RetryAfter.parseGoDuration("6m0s")), 360_000)
    assert.strictEqual(ms(RetryAfter.parseGoDuration("7.66s")), 7_660)
    assert.strictEqual(ms(RetryAfter.parseGoDuration("250ms")), 250)
    assert.strictEqual(ms(RetryAfter.parseGoDuration("1h2m3s")), 3_723_000)
  })

  it("rejects malformed Go durations", () => {
    for (const bad of ["", "s", "1x", "1s2", "m1s", "1 s", "-1s"]) assert.isUndefined(RetryAfter.parseGoDuration(bad), bad)
  })

  it("reads Anthropic's RFC 3339 reset instants and plain seconds", () => {
    assert.strictEqual(ms(RetryAfter.parseReset("2026-11-23T12:00:05Z", NOW)), 5_000)
    assert.strictEqual(ms(RetryAfter.parseReset("2026-11-23T11:00:00Z", NOW)), 0)
    assert.strictEqual(ms(RetryAfter.parseReset("12", NOW)), 12_000)
    assert.isUndefined(RetryAfter.parseReset("2026-13-45T99:00:00Z", NOW))
  })
})

describe("waits from headers", () => {
  it("retry-after-ms beats retry-after", () => {
    assert.strictEqual(ms(RetryAfter.fromHeaders({ "retry-after-ms": "150", "retry-after": "9" }, NOW)), 150)
  })

  it("falls back to retry-after when retry-after-ms is garbled", () => {
    assert.strictEqual(ms(RetryAfter.fromHeaders({ "retry-after-ms": "soon", "retry-after": "9" }, NOW)), 9_000)
  })

  it("without Retry-After, uses the longest reset among exhausted limits only", () => {
    const headers = {
      "x-ratelimit-remaining-requests": "0",
      "x-ratelimit-reset-requests": "1s",
      "x-ratelimit-remaining-tokens": "0",
      "x-ratelimit-reset-tokens": "6m0s"
    }
    assert.strictEqual(ms(RetryAfter.fromHeaders(headers, NOW)), 360_000)
    assert.strictEqual(
      ms(RetryAfter.fromHeaders({ ...headers, "x-ratelimit-remaining-tokens": "5000" }, NOW)),
      1_000
    )
  })

  it("reads Anthropic reset headers", () => {
    const headers = {
      "anthropic-ratelimit-requests-remaining": "0",
      "anthropic-ratelimit-requests-reset": "2026-11-23T12:00:20Z"
    }
    assert.strictEqual(ms(RetryAfter.fromHeaders(headers, NOW)), 20_000)
  })

  it("says nothing when nothing says to wait", () => {
    assert.isUndefined(RetryAfter.fromHeaders({}, NOW))
    assert.isUndefined(RetryAfter.fromHeaders({ "x-ratelimit-remaining-requests": "10", "x-ratelimit-reset-requests": "1s" }, NOW))
  })
})
