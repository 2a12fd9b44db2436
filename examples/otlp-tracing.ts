/**
 * Spans exported with effect/observability's `OtlpTracer` (OTLP/HTTP JSON)
 * to a local receiver stub this example starts, for calls to the OpenAI
 * backend against the local fake server: no network, no key.
 *
 * Two calls: an effect/ai `LanguageModel.generateText` (effect/ai's span,
 * which our adapter gives the GenAI attributes), and a plain `llm.chat`,
 * for which the pipeline opens the GenAI call span and one attempt span
 * per attempt itself. The HTTP client's own span nests under its attempt. When the program ends the
 * tracer flushes, and the example prints what the receiver got: span
 * names, parents and attributes (names, ids and counts; never a prompt,
 * an answer or a key).
 *
 *   npm run example examples/otlp-tracing.ts
 */
import { Console, Effect, Layer, Redacted } from "effect"
import { LanguageModel } from "effect/ai"
import { FetchHttpClient } from "effect/http"
import { OtlpSerialization, OtlpTracer } from "effect/observability"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { EffectAi } from "../src/ai/index.ts"
import { Message, OpenAi } from "../src/index.ts"
import * as FakeOpenAi from "./support/FakeOpenAi.ts"

// ---- A stand-in OTLP collector: accepts POST /v1/traces, keeps the bodies. --

// The few fields of an OTLP/HTTP JSON export this example prints.
interface OtlpValue {
  readonly stringValue?: string
  readonly intValue?: string | number
  readonly doubleValue?: number
  readonly boolValue?: boolean
  readonly arrayValue?: { readonly values?: ReadonlyArray<OtlpValue> }
}
interface OtlpSpan {
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
  readonly status?: { readonly code?: number }
  readonly attributes?: ReadonlyArray<{ readonly key: string; readonly value: OtlpValue }>
}
interface OtlpExport {
  readonly resourceSpans: ReadonlyArray<{ readonly scopeSpans: ReadonlyArray<{ readonly spans: ReadonlyArray<OtlpSpan> }> }>
}

interface Received {
  readonly url: string
  readonly bodies: Array<OtlpExport>
  readonly close: () => Promise<void>
}

const receiver = (): Promise<Received> =>
  new Promise((resolve) => {
    const bodies: Array<OtlpExport> = []
    const server = Http.createServer((req, res) => {
      const parts: Array<Buffer> = []
      req.on("data", (part: Buffer) => parts.push(part))
      req.on("end", () => {
        if (req.method === "POST" && req.url === "/v1/traces") bodies.push(JSON.parse(Buffer.concat(parts).toString("utf8")))
        res.writeHead(200, { "content-type": "application/json" })
        res.end("{}")
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resolve({
        url: `http://127.0.0.1:${port}/v1/traces`,
        bodies,
        close: () => new Promise((done) => server.close(() => done()))
      })
    })
  })

// OTLP JSON attribute values are `{ stringValue }`, `{ intValue }`, `{ arrayValue }`, ...
const show = (value: OtlpValue): string =>
  value.stringValue ?? value.intValue?.toString() ?? value.doubleValue?.toString() ?? value.boolValue?.toString() ??
    (value.arrayValue ? `[${(value.arrayValue.values ?? []).map(show).join(", ")}]` : JSON.stringify(value))

// ---- The program --------------------------------------------------------------

const main = Effect.gen(function*() {
  const collector = yield* Effect.acquireRelease(Effect.promise(receiver), (r) => Effect.promise(r.close))
  const fake = yield* Effect.acquireRelease(Effect.promise(() => FakeOpenAi.serve()), (f) => Effect.promise(f.close))

  const Tracing = OtlpTracer.layer({ url: collector.url, resource: { serviceName: "otlp-tracing-example" } }).pipe(
    Layer.provide(OtlpSerialization.layerJson),
    Layer.provide(FetchHttpClient.layer)
  )

  const calls = Effect.gen(function*() {
    const backend = yield* OpenAi.make({ apiKey: Redacted.make("sk-example-not-a-real-key"), baseUrl: fake.url, model: "fake-model" })

    // 1. effect/ai code: effect/ai opens the span, the adapter sets the GenAI attributes.
    const response = yield* LanguageModel.generateText({ prompt: "Hello from effect/ai" }).pipe(
      Effect.provideServiceEffect(LanguageModel.LanguageModel, EffectAi.languageModel(backend))
    )
    yield* Console.log(`effect/ai answer: ${response.text}`)

    // 2. A plain call: the pipeline opens its call and attempt spans itself.
    const reply = yield* backend.chat({ messages: [Message.user("Hello from llm.chat")] }, { priority: "high", requestId: "req-otlp-1" })
    yield* Console.log(`llm.chat answer: ${reply.text}`)
  }).pipe(Effect.provide(FetchHttpClient.layer))

  // Closing the tracing layer flushes every span to the collector.
  yield* Effect.scoped(Effect.provide(calls, Tracing))

  const spans = collector.bodies.flatMap((body) =>
    body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans))
  )
  const names = new Map(spans.map((span) => [span.spanId, span.name]))
  yield* Console.log(`\ncollector received ${spans.length} spans in ${collector.bodies.length} export(s):`)
  for (const span of spans) {
    const parent = (span.parentSpanId === undefined ? undefined : names.get(span.parentSpanId)) ?? "-"
    yield* Console.log(`\n${span.name}  (parent: ${parent}, status: ${span.status?.code ?? "unset"})`)
    for (const attribute of span.attributes ?? []) {
      if (attribute.key.startsWith("gen_ai.") || attribute.key.startsWith("llm.") || attribute.key === "http.request.method") {
        yield* Console.log(`  ${attribute.key} = ${show(attribute.value)}`)
      }
    }
  }
})

main.pipe(Effect.scoped, Effect.runPromise)
