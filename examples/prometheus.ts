/**
 * Our metrics for Prometheus: a few calls through a backend (offline, on
 * `TestBackend`, so the pipeline records them as for any backend), then
 * `/metrics` served on a local port with `MetricsServer`, scraped once, a
 * few lines printed, and the server stopped.
 *
 *   npm run example examples/prometheus.ts            # any free port
 *   npm run example examples/prometheus.ts -- 9464    # a fixed one
 */
import { Console, Duration, Effect } from "effect"
import { LlmBackend, LlmError, Message, Usage } from "../src/index.ts"
import { MetricsServer } from "../src/observability/server.ts"
import { TestBackend } from "../src/testing/index.ts"

const port = Number(process.argv[2] ?? 0)
const hi = { messages: [Message.user("Hi")] }

const program = Effect.gen(function*() {
  const script = yield* TestBackend.TestBackend
  const llm = yield* LlmBackend.LlmBackend
  const usage = Usage.make({ inputTokens: 20, outputTokens: 5 })
  yield* script.push(
    TestBackend.reply("one", { usage }),
    TestBackend.reply("two", { usage }),
    TestBackend.fail(new LlmError.RateLimited({ retryAfter: Duration.seconds(1) }), { status: 429 })
  )
  yield* llm.chat(hi)
  yield* llm.chat(hi)
  yield* Effect.ignore(llm.chat(hi))

  const server = yield* MetricsServer.serve({ port })
  yield* Console.log(`serving ${server.url}`)
  const body = yield* Effect.promise(() => fetch(server.url).then((response) => response.text()))
  const lines = body.split("\n").filter((line) =>
    line.startsWith("# TYPE llm_requests_total") || line.startsWith("llm_requests_total") ||
    line.startsWith("llm_tokens_total") || line.startsWith("llm_request_duration_ms_count")
  )
  for (const line of lines) yield* Console.log(line)
  yield* Console.log(`(${body.split("\n").length} lines in all; the server stops with this program)`)
})

program.pipe(Effect.scoped, Effect.provide(TestBackend.layer()), Effect.runPromise)
