/**
 * The new backends' own routes (beyond the `LlmBackend` operations the
 * shared table covers) keep the transport rules: TGI's native
 * `generate_stream` follows `malformedEvents`, and a health probe reads at
 * most one piece of its body, so an endless 200 cannot hold the call.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Metric from "effect/Metric"
import * as Ovms from "../../src/providers/ovms/Ovms.ts"
import * as Tei from "../../src/providers/tei/Tei.ts"
import * as Tgi from "../../src/providers/tgi/Tgi.ts"
import * as MalformedEvents from "../../src/transport/MalformedEvents.ts"
import * as FakeServer from "../support/FakeServer.ts"
import * as TgiFixtures from "../support/TgiFixtures.ts"

const GARBAGE = "{\"unterminated"

const skipped = Effect.map(
  Metric.value(Metric.withAttributes(MalformedEvents.malformedEventsTotal, { provider: "tgi" })),
  (state) => state.count
)

const garbledStream: FakeServer.Handler = () => ({
  kind: "chunks",
  chunks: [
    ...TgiFixtures.frames([TgiFixtures.tokenEvent(1, "Hel")]),
    `data:${GARBAGE}\n\n`,
    ...TgiFixtures.frames([TgiFixtures.finalEvent(2, "lo", "Hello", TgiFixtures.streamDetails(2, 5))])
  ]
})

const tgi = (handler: FakeServer.Handler, malformedEvents?: "fail" | "skip") =>
  Effect.gen(function*() {
    const server = yield* FakeServer.make(handler)
    const built = yield* Tgi.build({
      baseUrl: server.url,
      policy: { maxRetries: 0, circuitBreaker: false, ...(malformedEvents === undefined ? {} : { malformedEvents }) }
    }).pipe(Effect.provide(FetchHttpClient.layer))
    return { server, api: built.api }
  })

describe("TGI generate_stream and malformedEvents", () => {
  it.live("fail (the default): InvalidResponse after the token before it", () =>
    Effect.gen(function*() {
      const { api } = yield* tgi(garbledStream)
      const seen: Array<string> = []
      const error = yield* Effect.flip(
        Stream.runForEach(api.generateStream({ inputs: "Hi" }), (event) => Effect.sync(() => seen.push(event.token.text)))
      )
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      assert.deepStrictEqual(seen, ["Hel"])
    }))

  it.live("skip: dropped, counted, and the final response says the text may have a gap", () =>
    Effect.gen(function*() {
      const { api, server } = yield* tgi(garbledStream, "skip")
      const before = yield* skipped
      const events = yield* Stream.runCollect(api.generateStream({ inputs: "Hi" }))
      assert.deepStrictEqual(events.map((event) => event.token.text), ["Hel", "lo"])
      const last = events[events.length - 1]!
      assert.strictEqual(last._tag, "Final")
      const warnings = last._tag === "Final" ? last.response.warnings : undefined
      assert.strictEqual(warnings?.length, 1)
      assert.include(warnings?.[0] ?? "", "may have a gap")
      assert.strictEqual((yield* skipped) - before, 1)
      assert.strictEqual(server.requests.length, 1)
    }))

  it.live("a clean stream carries no warnings", () =>
    Effect.gen(function*() {
      const { api } = yield* tgi(TgiFixtures.route, "skip")
      const events = yield* Stream.runCollect(api.generateStream({ inputs: "Hi" }))
      const last = events[events.length - 1]!
      assert.isTrue(last._tag === "Final" && last.response.warnings === undefined)
    }))
})

// A 200 whose body never ends: a probe that read it whole would never answer.
const endless: FakeServer.Handler = () => ({
  kind: "chunks",
  headers: { "content-type": "text/plain" },
  chunks: Array.from({ length: 64 }, () => "x".repeat(1024)),
  delayMs: 20,
  end: "hang"
})

// Far under the attempt timeout, far over what one piece takes.
const bounded = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.timeoutOrElse(effect, { duration: Duration.seconds(5), orElse: () => Effect.die("the probe read the endless body") })

describe("health probes read at most one piece of the body", () => {
  it.live("TGI /health", () =>
    Effect.gen(function*() {
      const { api, server } = yield* tgi(endless)
      assert.isTrue(yield* bounded(api.health()))
      assert.strictEqual(server.requests[0]!.url, "/health")
    }))

  it.live("TEI /health", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(endless)
      const built = yield* Tei.build({ baseUrl: server.url, policy: { maxRetries: 0 } }).pipe(Effect.provide(FetchHttpClient.layer))
      assert.isTrue(yield* bounded(built.api.health()))
      assert.strictEqual(server.requests[0]!.url, "/health")
    }))

  it.live("OVMS readiness and liveness", () =>
    Effect.gen(function*() {
      const server = yield* FakeServer.make(endless)
      const built = yield* Ovms.build({ baseUrl: server.url, policy: { maxRetries: 0 } }).pipe(Effect.provide(FetchHttpClient.layer))
      assert.isTrue(yield* bounded(built.api.serverLive()))
      assert.isTrue(yield* bounded(built.api.ready("m")))
      assert.deepStrictEqual(server.requests.map((r) => r.url), ["/v2/health/live", "/v2/models/m/ready"])
    }))
})
