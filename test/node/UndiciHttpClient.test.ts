/**
 * The lean undici client against a real node:http server: what it sends,
 * what it reads, how it fails, and that every exit lets go of the
 * connection (an agent with one connection is stuck for good otherwise).
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Context, Effect, Exit, Fiber, Layer, Redacted, Scheduler, Stream } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { NodeHttpClient } from "@effect/platform-node"
import { Agent, interceptors } from "undici"
import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Message } from "../../src/index.ts"
import { UndiciHttpClient } from "../../src/node/index.ts"
import * as OpenAi from "../../src/providers/openai/OpenAi.ts"
import * as Outbound from "../../src/transport/Outbound.ts"
import * as Recording from "../observability/RecordingTracer.ts"
import * as RawServer from "./support.ts"

/** The client on an agent of one connection per origin, for the test's scope. */
const oneConnection = Effect.gen(function*() {
  const context = yield* Layer.build(UndiciHttpClient.layerOptions({ connections: 1 }))
  return Context.get(context, HttpClient.HttpClient)
})

const json = (body: unknown): RawServer.Answer => (res) => {
  res.writeHead(200, { "content-type": "application/json" })
  res.end(JSON.stringify(body))
}

/** Whether a fresh request on `client` completes within two seconds (the connection is free). */
const getsThrough = (client: HttpClient.HttpClient, url: string) =>
  client.get(`${url}/probe`).pipe(
    Effect.flatMap((response) => response.text),
    Effect.timeout("2 seconds"),
    Effect.exit,
    Effect.map(Exit.isSuccess)
  )

const failureTag = (exit: Exit.Exit<unknown, { readonly reason: { readonly _tag: string } }>) => {
  if (Exit.isSuccess(exit)) return "success"
  const error = Cause.findErrorOption(exit.cause)
  return error._tag === "Some" ? error.value.reason._tag : String(exit.cause)
}

describe("UndiciHttpClient: the wire", () => {
  it.live("sends method, path with query, headers and a JSON body; reads status, headers and cookies", () =>
    Effect.gen(function*() {
      const server = yield* RawServer.make((res, seen) => {
        res.setHeader("set-cookie", ["a=1; Path=/", "b=2; Path=/"])
        res.setHeader("x-twice", ["one", "two"])
        json({ ok: true })(res, seen)
      })
      const client = yield* oneConnection
      const response = yield* client.execute(
        HttpClientRequest.post(`${server.url}/v1/chat#frag`, { urlParams: { q: "a b", n: "1" } }).pipe(
          HttpClientRequest.setHeader("x-custom", "yes"),
          HttpClientRequest.bodyJsonUnsafe({ hello: "wörld" })
        )
      )
      assert.strictEqual(response.status, 200)
      assert.strictEqual(response.url, `${server.url}/v1/chat?q=a+b&n=1`)
      assert.strictEqual(response.headers["x-twice"], "one, two")
      assert.deepStrictEqual(Object.keys(response.cookies.cookies).sort(), ["a", "b"])
      assert.deepStrictEqual(yield* response.json, { ok: true })
      const seen = server.seen[0]!
      assert.strictEqual(seen.method, "POST")
      assert.strictEqual(seen.url, "/v1/chat?q=a+b&n=1", "the hash never goes on the wire")
      assert.strictEqual(seen.headers["x-custom"], "yes")
      assert.strictEqual(seen.headers["content-type"], "application/json")
      assert.deepStrictEqual(JSON.parse(seen.body.toString("utf8")), { hello: "wörld" })
    }))

  it.live("a body read whole gives the same bytes every time, as text, JSON and an ArrayBuffer", () =>
    Effect.gen(function*() {
      const server = yield* RawServer.make(json({ n: 1 }))
      const client = yield* oneConnection
      const response = yield* client.get(server.url)
      const first = yield* response.arrayBuffer
      const second = yield* response.arrayBuffer
      assert.strictEqual(new TextDecoder().decode(first), "{\"n\":1}")
      assert.deepStrictEqual(new Uint8Array(second), new Uint8Array(first))
      assert.strictEqual(yield* response.text, "{\"n\":1}")
      assert.deepStrictEqual(yield* response.json, { n: 1 })
      // Read whole, it cannot also be streamed.
      const streamed = yield* Effect.exit(Stream.runDrain(response.stream))
      assert.strictEqual(failureTag(streamed), "DecodeError")
    }))

  it.live("an empty body reads as null JSON; a body that is not JSON is a DecodeError", () =>
    Effect.gen(function*() {
      const server = yield* RawServer.make((res, seen) => {
        res.writeHead(200)
        res.end(seen.url === "/empty" ? "" : "{nope")
      })
      const client = yield* oneConnection
      assert.strictEqual(yield* Effect.flatMap(client.get(`${server.url}/empty`), (r) => r.json), null)
      const bad = yield* Effect.exit(Effect.flatMap(client.get(`${server.url}/bad`), (r) => r.json))
      assert.strictEqual(failureTag(bad), "DecodeError")
    }))

  it.live("a stream body and a FormData body reach the server whole", () =>
    Effect.gen(function*() {
      const server = yield* RawServer.make(json({}))
      const client = yield* oneConnection
      const parts = Stream.fromIterable(["al", "pha", "-", "beta"]).pipe(Stream.encodeText)
      yield* client.execute(HttpClientRequest.post(`${server.url}/stream`).pipe(HttpClientRequest.bodyStream(parts)))
      const form = new FormData()
      form.append("field", "value")
      yield* client.execute(HttpClientRequest.post(`${server.url}/form`).pipe(HttpClientRequest.bodyFormData(form)))
      assert.strictEqual(server.seen[0]!.body.toString("utf8"), "alpha-beta")
      const type = server.seen[1]!.headers["content-type"] ?? ""
      assert.match(type, /^multipart\/form-data; boundary=/)
      const boundary = type.split("boundary=")[1]!
      const body = server.seen[1]!.body.toString("utf8")
      assert.include(body, `--${boundary}`)
      assert.include(body, "name=\"field\"")
      assert.include(body, "value")
    }))

  it.live("a stream hands over every byte of a chunked body, in order", () =>
    Effect.gen(function*() {
      const pieces = Array.from({ length: 50 }, (_, i) => `piece-${i};`)
      const server = yield* RawServer.make((res) => {
        res.writeHead(200, { "content-type": "text/plain" })
        const next = (i: number) => {
          if (i === pieces.length) return void res.end()
          res.write(pieces[i])
          setImmediate(() => next(i + 1))
        }
        next(0)
      })
      const client = yield* oneConnection
      const response = yield* client.get(server.url)
      const text = yield* response.stream.pipe(Stream.decodeText, Stream.mkString)
      assert.strictEqual(text, pieces.join(""))
    }))

  it.live("a server 4xx/5xx is a response, not an error; its body reads as usual", () =>
    Effect.gen(function*() {
      const server = yield* RawServer.make((res) => {
        res.writeHead(503, { "retry-after": "2" })
        res.end("busy")
      })
      const client = yield* oneConnection
      const response = yield* client.get(server.url)
      assert.strictEqual(response.status, 503)
      assert.strictEqual(response.headers["retry-after"], "2")
      assert.strictEqual(yield* response.text, "busy")
    }))
})

describe("UndiciHttpClient: failures", () => {
  it.live("a connection reset before headers is a TransportError", () =>
    Effect.gen(function*() {
      const server = yield* RawServer.make((res) => res.socket?.destroy())
      const client = yield* oneConnection
      assert.strictEqual(failureTag(yield* Effect.exit(client.get(server.url))), "TransportError")
    }))

  it.live("nobody listening is a TransportError", () =>
    Effect.gen(function*() {
      const client = yield* oneConnection
      assert.strictEqual(failureTag(yield* Effect.exit(client.get("http://127.0.0.1:9/"))), "TransportError")
    }))

  it.live("a URL that does not parse is an InvalidUrlError, and nothing is sent", () =>
    Effect.gen(function*() {
      const client = yield* oneConnection
      assert.strictEqual(failureTag(yield* Effect.exit(client.get("not a url"))), "InvalidUrlError")
    }))

  it.live("a body cut mid-way is a DecodeError, read whole or as a stream", () =>
    Effect.gen(function*() {
      const server = yield* RawServer.make((res) => {
        res.writeHead(200, { "content-length": "1000" })
        res.write("only part")
        setTimeout(() => res.socket?.destroy(), 20)
      })
      const client = yield* oneConnection
      const whole = yield* Effect.exit(Effect.flatMap(client.get(server.url), (r) => r.arrayBuffer))
      assert.strictEqual(failureTag(whole), "DecodeError")
      const streamed = yield* Effect.exit(Effect.flatMap(client.get(server.url), (r) => Stream.runDrain(r.stream)))
      assert.strictEqual(failureTag(streamed), "DecodeError")
    }))

  it.live("upgrade fails typed: this client hands over no connection", () =>
    Effect.gen(function*() {
      const server = yield* RawServer.make(json({}))
      const client = yield* oneConnection
      const response = yield* client.get(server.url)
      assert.strictEqual(failureTag(yield* Effect.exit(response.upgrade)), "StatusCodeError")
    }))

  it.live("a redirect is handed back as is, even on a dispatcher that follows redirects", () =>
    Effect.gen(function*() {
      const other = yield* RawServer.make(json({ other: true }))
      const server = yield* RawServer.make((res) => {
        res.writeHead(302, { location: `${other.url}/elsewhere` })
        res.end()
      })
      const following = yield* Effect.acquireRelease(
        Effect.sync(() => new Agent().compose(interceptors.redirect({ maxRedirections: 5 }))),
        (agent) => Effect.promise(() => agent.close())
      )
      const context = yield* Layer.build(
        Layer.provide(UndiciHttpClient.layerNoDispatcher, Layer.succeed(NodeHttpClient.Dispatcher, following))
      )
      const client = Context.get(context, HttpClient.HttpClient)
      const response = yield* client.get(server.url)
      assert.strictEqual(response.status, 302)
      assert.strictEqual(other.seen.length, 0, "the other origin saw nothing")
    }))
})

describe("UndiciHttpClient: every exit lets go of the connection", () => {
  it.live("interrupted while waiting for headers: the server sees the connection close, the next request gets through", () =>
    Effect.gen(function*() {
      const server = yield* RawServer.make((res, seen) => seen.url === "/probe" ? json({})(res, seen) : undefined)
      const client = yield* oneConnection
      const fiber = yield* Effect.forkChild(client.get(`${server.url}/hang`))
      while (server.seen.length === 0) yield* Effect.sleep("5 millis")
      yield* Fiber.interrupt(fiber)
      assert.isTrue(yield* getsThrough(client, server.url))
      while (server.seen[0]!.ended === "open") yield* Effect.sleep("5 millis")
      assert.strictEqual(server.seen[0]!.ended, "closed")
    }))

  it.live("a stream ended early (first chunk only) closes the connection; the next request gets through", () =>
    Effect.gen(function*() {
      const server = yield* RawServer.make((res, seen) =>
        seen.url === "/probe" ? json({})(res, seen) : RawServer.flood(res, seen, 256 * 1024 * 1024)
      )
      const client = yield* oneConnection
      const head = yield* Effect.flatMap(client.get(`${server.url}/flood`), (r) => Stream.runHead(r.stream))
      assert.strictEqual(head._tag, "Some")
      assert.isTrue(yield* getsThrough(client, server.url))
      assert.strictEqual(server.seen[0]!.ended, "closed")
      assert.isBelow(server.seen[0]!.written, 256 * 1024 * 1024, "the rest was never sent")
    }))

  it.live("a body nobody reads holds the connection at the high-water mark, not the whole body", () =>
    Effect.gen(function*() {
      const total = 64 * 1024 * 1024
      const server = yield* RawServer.make((res, seen) => RawServer.flood(res, seen, total))
      const client = yield* oneConnection
      const response = yield* client.get(server.url)
      yield* Effect.sleep("300 millis")
      const before = server.seen[0]!.written
      // Socket buffers on both ends hold a few MiB at most; unpaused, all 64 MiB would be gone by now.
      assert.isBelow(before, 24 * 1024 * 1024, `the server got only ${before} bytes out`)
      let size = 0
      yield* Stream.runForEach(response.stream, (chunk) => Effect.sync(() => size += chunk.length))
      assert.strictEqual(size, total, "read later, every byte arrives")
    }))

  it.live("an interrupted whole-body read aborts the exchange; the next request gets through", () =>
    Effect.gen(function*() {
      const server = yield* RawServer.make((res, seen) => {
        if (seen.url === "/probe") return json({})(res, seen)
        res.writeHead(200, { "content-length": "100" })
        res.write("partial")
      })
      const client = yield* oneConnection
      const response = yield* client.get(`${server.url}/slow`)
      const reading = yield* Effect.forkChild(response.arrayBuffer)
      yield* Effect.sleep("20 millis")
      yield* Fiber.interrupt(reading)
      assert.isTrue(yield* getsThrough(client, server.url))
      assert.strictEqual(server.seen[0]!.ended, "closed")
    }))

  // A forced-yield scan: the caller yields every N operations and is
  // interrupted after k yields of the test, so every point from before the
  // dispatch to the middle of the body read is hit. The answer is larger than
  // the high-water mark: a body left neither read nor released would pause
  // its connection and the one-connection agent would answer nothing more.
  const Ns = [2, 3, 5, 8, 16, 64]
  const ks = [0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48]
  for (const [name, read] of [
    ["read whole", (r: { readonly arrayBuffer: Effect.Effect<ArrayBuffer, unknown> }) => Effect.asVoid(r.arrayBuffer)],
    ["streamed", (r: { readonly stream: Stream.Stream<Uint8Array, unknown> }) => Stream.runDrain(r.stream)]
  ] as const) {
    it.live(`interrupted anywhere (${name}): the connection is free afterwards`, () =>
      Effect.gen(function*() {
        const server = yield* RawServer.make((res, seen) =>
          seen.url === "/probe" ? json({})(res, seen) : RawServer.flood(res, seen, 512 * 1024)
        )
        const client = yield* oneConnection
        const broken: Array<string> = []
        let interrupted = 0
        for (const n of Ns) {
          for (const k of ks) {
            const call = Effect.flatMap(client.get(`${server.url}/big`), read as (r: unknown) => Effect.Effect<void, unknown>)
            const fiber = yield* Effect.forkChild(Effect.provideService(call, Scheduler.MaxOpsBeforeYield, n))
            for (let i = 0; i < k; i++) yield* Effect.yieldNow
            yield* Fiber.interrupt(fiber)
            const exit = yield* Fiber.await(fiber)
            if (Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause)) interrupted++
            if (!(yield* getsThrough(client, server.url))) broken.push(`N=${n},k=${k}`)
          }
        }
        assert.deepStrictEqual(broken, [])
        assert.isAtLeast(interrupted, Ns.length * ks.length / 2, "most points interrupted the call in flight")
        const big = server.seen.filter((s) => s.url === "/big")
        assert.isTrue(big.some((s) => s.ended === "closed"), "some were cut mid-answer")
      }), 60_000)
  }
})

describe("UndiciHttpClient: a response nobody will read", () => {
  it.live("the fiber that took it dies before reading: the connection is let go at once", () =>
    Effect.gen(function*() {
      const server = yield* RawServer.make((res, seen) =>
        seen.url === "/probe" ? json({})(res, seen) : RawServer.flood(res, seen, 8 * 1024 * 1024)
      )
      const client = yield* oneConnection
      const fiber = yield* Effect.forkChild(Effect.flatMap(client.get(`${server.url}/big`), () => Effect.die("boom")))
      yield* Fiber.await(fiber)
      assert.isTrue(yield* getsThrough(client, server.url))
      assert.strictEqual(server.seen[0]!.ended, "closed")
    }))

  it("dropped without a failure, it is let go when collected (a process of its own, with --expose-gc)", { timeout: 30_000 }, () => {
    const script = fileURLToPath(new URL("./fixtures/unread-gc.ts", import.meta.url))
    const output = execFileSync(process.execPath, ["--expose-gc", "--experimental-transform-types", "--no-warnings", script], {
      encoding: "utf8",
      timeout: 25_000
    })
    assert.strictEqual(output.trim(), "free closed")
  })
})

describe("UndiciHttpClient: tracing through our transport", () => {
  it.live("the client is marked self-contained; a client derived from it is not", () =>
    Effect.gen(function*() {
      const client = yield* oneConnection
      assert.isTrue(Outbound.isSelfContained(client))
      assert.isFalse(Outbound.isSelfContained(HttpClient.mapRequest(client, HttpClientRequest.setHeader("x-extra", "1"))))
      const fetchContext = yield* Layer.build(FetchHttpClient.layer)
      assert.isFalse(Outbound.isSelfContained(Context.get(fetchContext, HttpClient.HttpClient)))
    }))

  it.live("with a tracer: one HTTP client span per request, ours, named by the traceparent the server saw", () =>
    Effect.gen(function*() {
      const server = yield* RawServer.make(json({
        id: "c",
        object: "chat.completion",
        created: 1,
        model: "m",
        choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }]
      }))
      const context = yield* Layer.build(UndiciHttpClient.layer)
      const backend = yield* OpenAi.make({ apiKey: Redacted.make("sk-trace-test"), baseUrl: `${server.url}/v1`, model: "m" }).pipe(
        Effect.provideContext(context)
      )
      const recording = Recording.make()
      yield* backend.chat({ messages: [Message.user("hi")] }).pipe(Recording.traced(recording))
      yield* backend.chat({ messages: [Message.user("hi")] }).pipe(Recording.traced(recording))
      const http = recording.spans.filter((span) => span.attributes.has("http.request.method"))
      assert.strictEqual(http.length, 2)
      assert.deepStrictEqual(server.seen.map((seen) => String(seen.headers["traceparent"]).split("-")[2]), http.map((span) => span.spanId))
      assert.isTrue(http.every((span) => span.attributes.get("http.response.status_code") === 200))
    }))
})
