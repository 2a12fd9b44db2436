/**
 * Client keys and hostile clients: 401 spends nothing, per-client rate and
 * concurrency limits, the body cap, CORS off by default, the provider key
 * never leaving towards a client, a disconnect cancelling upstream, and a
 * graceful shutdown that drains an in-flight stream.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import * as Clients from "../../src/gateway/Clients.ts"
import { hashKey } from "../../src/gateway/Clients.ts"
import type * as GatewayConfig from "../../src/gateway/GatewayConfig.ts"
import * as S from "./support.ts"

const post = (url: string, body: unknown, key: string | null = S.CLIENT_KEY, headers: Record<string, string> = {}) =>
  Effect.promise(async () => {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(key === null ? {} : { authorization: `Bearer ${key}` }), ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body)
    })
    return { status: response.status, headers: response.headers, text: await response.text() }
  })

const hi = { model: "up-model", messages: [{ role: "user", content: "Hi" }] }

describe("gateway clients", () => {
  // Vectors from `sha256sum`, outside this code: a config's hashes must stay readable across versions.
  it("hashKey is the hex SHA-256 of the key's UTF-8 bytes", () => {
    assert.strictEqual(hashKey("abc"), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    assert.strictEqual(hashKey("clé-🔑"), "sha256:26253e5f26eabf0b67ccfade68b830ef32a1cc9b1f4df6a2fddf59506276ad50")
  })

  it.effect("a key accepted once is known at once after; wrong and near keys stay refused, whatever came before", () =>
    Effect.gen(function*() {
      const configured: ReadonlyArray<GatewayConfig.Client> = [
        { name: "a", keyHash: hashKey("key-a"), priority: "high" },
        { name: "b", keyHash: hashKey("key-b") }
      ]
      const clients = Clients.make(configured, false)
      const who = (authorization: string | undefined) =>
        clients.authenticate(authorization).pipe(Effect.map((client) => client.name), Effect.orElseSucceed(() => "401"))
      const asked = ["Bearer key-a", "Bearer key-a", "Bearer key-b", "Bearer key-", "Bearer key-a2", "Bearer KEY-A", "Bearer key-b", undefined]
      const answers: Array<string> = []
      for (const authorization of asked) answers.push(yield* who(authorization))
      assert.deepStrictEqual(answers, ["a", "a", "b", "401", "401", "401", "b", "401"])
      // A flood of wrong keys (past the bound of accepted keys) changes nothing for either.
      for (let i = 0; i < 3000; i++) assert.strictEqual(yield* who(`Bearer wrong-${i}`), "401")
      assert.strictEqual(yield* who("Bearer key-b"), "b")
      assert.strictEqual(yield* who("Bearer key-a"), "a")
    }))

  it.live("without a tracer, an incoming request's trace context reaches upstream; without one, none is made up", () =>
    Effect.gen(function*() {
      const up = yield* S.upstream((r) =>
        r.json.stream === true
          ? { kind: "sse", frames: S.sse([S.chunk({ role: "assistant", content: "x" }), S.chunk({}, "stop")]) }
          : { kind: "json", body: S.completion("x") }
      )
      const { url } = yield* S.serve(S.baseConfig([S.backend("primary", up.url)]))
      const traceId = "4bf92f3577b34da6a3ce929d0e0e4736"
      assert.strictEqual((yield* post(url, hi, S.CLIENT_KEY, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` })).status, 200)
      assert.strictEqual((yield* post(url, { ...hi, stream: true }, S.CLIENT_KEY, { b3: `${traceId}-00f067aa0ba902b7-1` })).status, 200)
      assert.strictEqual((yield* post(url, hi)).status, 200)
      assert.strictEqual(up.seen.length, 3)
      // Its caller's span is the parent of the upstream request, as that request's traceparent names it.
      assert.strictEqual(up.seen[0]!.headers["traceparent"], `00-${traceId}-00f067aa0ba902b7-01`)
      assert.strictEqual(up.seen[1]!.headers["traceparent"], `00-${traceId}-00f067aa0ba902b7-01`, "a stream too")
      // The last request came with no context, and no tracer is installed: none is made up.
      assert.isUndefined(up.seen[2]!.headers["traceparent"])
      assert.isUndefined(up.seen[2]!.headers["b3"])
    }))

  it.live("a missing or wrong key is 401 and nothing is spent", () =>
    Effect.gen(function*() {
      const up = yield* S.upstream(() => ({ kind: "json", body: S.completion("x") }))
      const { gateway, url } = yield* S.serve(S.baseConfig([S.backend("primary", up.url)]))
      assert.strictEqual((yield* post(url, hi, null)).status, 401)
      assert.strictEqual((yield* post(url, hi, "not-a-key")).status, 401)
      assert.strictEqual((yield* post(url, "x".repeat(10), "not-a-key")).status, 401, "the body is not even read")
      assert.strictEqual(up.seen.length, 0)
      const stats = yield* gateway.backends.router.monitor.stats
      assert.strictEqual(stats.total_requests, 0)
    }))

  it.live("per-client requests per minute and concurrency caps answer 429", () =>
    Effect.gen(function*() {
      const up = yield* S.upstream((r) => r.json.messages[0].content === "slow" ? { kind: "hang" } : { kind: "json", body: S.completion("x") })
      const { url } = yield* S.serve(S.baseConfig([S.backend("primary", up.url)], {
        clients: [
          { name: "metered", keyHash: hashKey("k-metered"), requestsPerMinute: 2 },
          { name: "narrow", keyHash: hashKey("k-narrow"), maxConcurrent: 1 }
        ]
      }))
      assert.strictEqual((yield* post(url, hi, "k-metered")).status, 200)
      assert.strictEqual((yield* post(url, hi, "k-metered")).status, 200)
      const third = yield* post(url, hi, "k-metered")
      assert.strictEqual(third.status, 429)
      assert.isTrue(Number(third.headers.get("retry-after")) >= 1)
      assert.strictEqual(up.seen.length, 2)
      // One call hangs upstream; the second of the same client is refused at once.
      const controller = new AbortController()
      const hanging = fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        signal: controller.signal,
        headers: { authorization: "Bearer k-narrow", "content-type": "application/json" },
        body: JSON.stringify({ model: "up-model", messages: [{ role: "user", content: "slow" }] })
      }).catch(() => undefined)
      yield* Effect.promise(() => waitFor(() => up.seen.length === 3))
      assert.strictEqual((yield* post(url, hi, "k-narrow")).status, 429)
      controller.abort()
      yield* Effect.promise(() => hanging)
      yield* Effect.promise(() => waitFor(() => up.aborted() === 1))
      assert.strictEqual((yield* post(url, hi, "k-narrow")).status, 200, "the slot is free again after the disconnect")
    }))

  it.live("a client's concurrency slot is held until its stream's body ends, not until its headers are sent", () =>
    Effect.gen(function*() {
      const frames = S.sse([S.chunk({ role: "assistant", content: "one " }), S.chunk({ content: "two " }), S.chunk({ content: "three" }), S.chunk({}, "stop")])
      const up = yield* S.upstream((r) => r.json.stream === true ? { kind: "sse", frames, delayMs: 100 } : { kind: "json", body: S.completion("x") })
      const { gateway, url } = yield* S.serve(S.baseConfig([S.backend("primary", up.url)], {
        clients: [{ name: "narrow", keyHash: hashKey("k-narrow"), maxConcurrent: 1 }]
      }))
      const response = yield* Effect.promise(() =>
        fetch(`${url}/v1/chat/completions`, {
          method: "POST",
          headers: { authorization: "Bearer k-narrow", "content-type": "application/json" },
          body: JSON.stringify({ ...hi, stream: true })
        })
      )
      assert.strictEqual(response.status, 200)
      const reader = response.body!.getReader()
      yield* Effect.promise(() => reader.read())
      // Headers and a first chunk are out, the body is not done: the slot and the drain count are held.
      assert.strictEqual(gateway.inFlight.value, 1)
      assert.strictEqual((yield* post(url, hi, "k-narrow")).status, 429)
      let text = ""
      const decoder = new TextDecoder()
      for (;;) {
        const { done, value } = yield* Effect.promise(() => reader.read())
        if (done) break
        text += decoder.decode(value, { stream: true })
      }
      assert.isTrue(text.trimEnd().endsWith("data: [DONE]"))
      yield* Effect.promise(() => waitFor(() => gateway.inFlight.value === 0))
      assert.strictEqual((yield* post(url, hi, "k-narrow")).status, 200, "the slot is free once the body ended")
      assert.strictEqual(up.seen.length, 2, "the refused call never reached the backend")
    }))

  it.live("a body over the cap is 413; CORS headers only when configured", () =>
    Effect.gen(function*() {
      const up = yield* S.upstream(() => ({ kind: "json", body: S.completion("x") }))
      const { url } = yield* S.serve(S.baseConfig([S.backend("primary", up.url)], { limits: { maxBodyBytes: 1000 } }))
      const big = yield* post(url, { ...hi, messages: [{ role: "user", content: "x".repeat(2000) }] })
      assert.strictEqual(big.status, 413)
      // Without a content-length (a chunked body), the cap applies while reading; a body under it passes.
      const chunked = (text: string) =>
        Effect.promise(() =>
          fetch(`${url}/v1/chat/completions`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${S.CLIENT_KEY}` },
            body: new Blob([text]).stream(),
            duplex: "half"
          } as RequestInit).then(async (r) => ({ status: r.status, text: await r.text(), length: r.headers.get("content-length") }))
        )
      const bigChunked = yield* chunked(JSON.stringify({ ...hi, messages: [{ role: "user", content: "x".repeat(2000) }] }))
      assert.strictEqual(bigChunked.status, 413, bigChunked.text)
      assert.include(bigChunked.text, "request_too_large")
      assert.strictEqual(up.seen.length, 0)
      assert.strictEqual((yield* chunked(JSON.stringify(hi))).status, 200)
      const ok = yield* post(url, hi, S.CLIENT_KEY, { origin: "https://evil.example" })
      assert.strictEqual(ok.status, 200)
      assert.isNull(ok.headers.get("access-control-allow-origin"))
      const cors = yield* S.serve(S.baseConfig([S.backend("primary", up.url)], { cors: { origins: ["https://app.example"] } }))
      const allowed = yield* post(cors.url, hi, S.CLIENT_KEY, { origin: "https://app.example" })
      assert.strictEqual(allowed.headers.get("access-control-allow-origin"), "https://app.example")
    }))

  it.live("the provider key never appears in a response, header, log, stats or the dashboard", () =>
    Effect.gen(function*() {
      // The upstream echoes the key in an error body: the gateway must not pass it on.
      const up = yield* S.upstream((_, i) =>
        i === 0
          ? { kind: "json", status: 401, body: { error: { message: `Incorrect API key provided: ${S.PROVIDER_KEY}`, type: "invalid_request_error", code: "invalid_api_key" } } }
          : { kind: "json", body: S.completion("ok") }
      )
      const { logs, url } = yield* S.serve(S.baseConfig([S.backend("primary", up.url)]))
      const seen: Array<string> = []
      const failed = yield* post(url, hi)
      assert.strictEqual(failed.status, 502, "an upstream key problem is not the client's 401")
      seen.push(failed.text, JSON.stringify([...failed.headers]))
      const admin = { authorization: `Bearer ${S.ADMIN_KEY}` }
      for (const path of ["/stats", "/metrics", "/dashboard", "/v1/models", "/ready", "/health"]) {
        const r = yield* Effect.promise(() => fetch(`${url}${path}`, { headers: admin }).then(async (x) => `${x.status} ${JSON.stringify([...x.headers])} ${await x.text()}`))
        seen.push(r)
      }
      const events = yield* Effect.promise(async () => {
        const r = await fetch(`${url}/dashboard/events`, { headers: admin })
        const reader = r.body!.getReader()
        const { value } = await reader.read()
        await reader.cancel()
        return new TextDecoder().decode(value)
      })
      assert.include(events, "\"primary\"")
      seen.push(events, ...logs)
      assert.isTrue(logs.length >= 2)
      for (const text of seen) assert.notInclude(text, S.PROVIDER_KEY)
      for (const text of seen) assert.notInclude(text, S.CLIENT_KEY)
    }))

  it.live("a client that disconnects mid-stream cancels the upstream call; the permit is free after", () =>
    Effect.gen(function*() {
      const frames = S.sse([S.chunk({ role: "assistant", content: "a" }), ...Array.from({ length: 200 }, () => S.chunk({ content: "b" }))])
      const up = yield* S.upstream(() => ({ kind: "sse", frames, delayMs: 20 }))
      const { gateway, url } = yield* S.serve(S.baseConfig([S.backend("primary", up.url, { policy: { max_retries: 0, max_concurrent_requests: 1 } })]))
      yield* Effect.promise(async () => {
        const controller = new AbortController()
        const r = await fetch(`${url}/v1/chat/completions`, {
          method: "POST",
          signal: controller.signal,
          headers: { authorization: `Bearer ${S.CLIENT_KEY}`, "content-type": "application/json" },
          body: JSON.stringify({ ...hi, stream: true })
        })
        const reader = r.body!.getReader()
        await reader.read()
        controller.abort()
      })
      yield* Effect.promise(() => waitFor(() => up.aborted() === 1))
      const backend = gateway.backends.byName.get("primary")!
      yield* Effect.promise(() => waitFor(() => Effect.runSync(backend.monitor.stats).in_flight === 0))
      const stats = yield* backend.monitor.stats
      assert.strictEqual(stats.interrupted_requests, 1)
    }))

  it.live("graceful shutdown drains an in-flight stream to [DONE], then refuses connections", () =>
    Effect.gen(function*() {
      const frames = S.sse([S.chunk({ role: "assistant", content: "one " }), S.chunk({ content: "two " }), S.chunk({ content: "three" }), S.chunk({}, "stop")])
      const up = yield* S.upstream(() => ({ kind: "sse", frames, delayMs: 150 }))
      const scope = yield* Scope.make()
      const { url } = yield* Scope.provide(S.serve(S.baseConfig([S.backend("primary", up.url)], { limits: { shutdownGraceMs: 5000 } })), scope)
      const body = fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${S.CLIENT_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ ...hi, stream: true })
      }).then((r) => r.text())
      yield* Effect.promise(() => waitFor(() => up.seen.length === 1))
      const closing = Effect.runPromise(Scope.close(scope, Exit.void))
      const text = yield* Effect.promise(() => body)
      assert.include(text, "three")
      assert.isTrue(text.trimEnd().endsWith("data: [DONE]"))
      yield* Effect.promise(() => closing)
      const after = yield* Effect.promise(() => fetch(`${url}/health`).then(() => "answered", () => "refused"))
      assert.strictEqual(after, "refused")
    }))
})

const waitFor = async (condition: () => boolean, ms = 5000) => {
  const end = Date.now() + ms
  while (!condition()) {
    if (Date.now() > end) throw new Error("condition not met in time")
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
