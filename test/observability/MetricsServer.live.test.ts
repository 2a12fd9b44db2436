/**
 * The /metrics server on a real socket (127.0.0.1, port 0): what a scraper
 * reads after some calls, and that it is gone when its scope closes.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Metric, Scope } from "effect"
import { LlmBackend, Message } from "../../src/index.ts"
import * as MetricsServer from "../../src/observability/MetricsServer.ts"
import * as Prometheus from "../../src/observability/Prometheus.ts"
import { TestBackend } from "../../src/testing/index.ts"
import * as Text from "./PrometheusText.ts"

const get = (url: string) =>
  Effect.promise(async () => {
    const response = await fetch(url)
    return { status: response.status, type: response.headers.get("content-type"), body: await response.text() }
  })

describe("MetricsServer.serve", () => {
  it.live("serves our metrics as Prometheus text at /metrics with the counts of the calls made", () =>
    Effect.gen(function*() {
      const script = yield* TestBackend.TestBackend
      const backend = yield* LlmBackend.LlmBackend
      yield* script.push(TestBackend.reply("a"), TestBackend.reply("b"), TestBackend.reply("c"))
      for (let i = 0; i < 3; i++) yield* backend.chat({ messages: [Message.user("Hi")] })
      const server = yield* MetricsServer.serve({ port: 0 })
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
      const scraped = yield* get(server.url)
      assert.strictEqual(scraped.status, 200)
      assert.strictEqual(scraped.type, Prometheus.contentType)
      const parsed = Text.parse(scraped.body)
      assert.strictEqual(Text.sum(parsed, "llm_requests_total", { provider: "test", outcome: "success" }), 3)
      assert.strictEqual(parsed.families.get("llm_requests_total")?.type, "counter")
      const other = yield* get(server.url.replace("/metrics", "/nothing"))
      assert.strictEqual(other.status, 404)
    }).pipe(Effect.provide(TestBackend.layer()), Effect.provideService(Metric.MetricRegistry, new Map())))

  it.live("stops listening when its scope closes", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const server = yield* Scope.provide(scope)(MetricsServer.serve({ path: "/prom", prefix: "app" }))
      assert.strictEqual((yield* get(server.url)).status, 200)
      yield* Scope.close(scope, Exit.void)
      const after = yield* Effect.exit(Effect.tryPromise(() => fetch(server.url)))
      assert.isTrue(Exit.isFailure(after), "connection refused after close")
    }))
})
