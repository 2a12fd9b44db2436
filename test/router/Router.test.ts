import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Stream } from "effect"
import * as ChatChunk from "../../src/domain/ChatChunk.ts"
import * as LlmError from "../../src/LlmError.ts"
import { Message } from "../../src/index.ts"
import * as Router from "../../src/router/Router.ts"
import * as TestBackend from "../../src/testing/TestBackend.ts"

const hi = { messages: [Message.user("Hi")] }

const target = (provider: string, ...steps: ReadonlyArray<TestBackend.Step>) =>
  Effect.gen(function*() {
    const { backend, control } = yield* TestBackend.make({ provider, model: `${provider}-model` })
    yield* control.push(...steps)
    return { backend, control }
  })

const reasonOf = <A>(exit: Exit.Exit<A, LlmError.LlmError>) => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const found = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (found === undefined || found._tag !== "Fail") throw new Error(`no failure in ${exit.cause}`)
  return found.error.reason
}

const texts = (chunks: ReadonlyArray<ChatChunk.ChatChunk>) =>
  chunks.map((c) => c._tag === "TextDelta" ? c.text : c._tag === "Reset" ? "<reset>" : "").join("")

describe("Router, before content", () => {
  it.effect("a fallbackable failure moves to the next target, which answers", () =>
    Effect.gen(function*() {
      const a = yield* target("primary", TestBackend.fail(new LlmError.Overloaded({})))
      const b = yield* target("fallback", TestBackend.reply("from fallback", { model: "fb-1" }))
      const router = yield* Router.make({ targets: [{ backend: a.backend }, { backend: b.backend }] })
      const reply = yield* router.chat(hi)
      assert.strictEqual(reply.text, "from fallback")
      assert.strictEqual(reply.model, "fb-1")
      assert.strictEqual(reply.provider, "fallback")
      assert.strictEqual((yield* a.control.calls).length, 1)
      assert.strictEqual((yield* b.control.calls).length, 1)
      const stats = yield* router.monitor.stats
      assert.strictEqual(stats.total_requests, 1)
      assert.strictEqual(stats.successful_requests, 1)
      const routed = yield* router.routing
      assert.deepStrictEqual(routed.fallbacks.map((f) => [f.from, f.to, f.reason]), [["primary", "fallback", "Overloaded"]])
    }))

  for (const reason of [new LlmError.InvalidRequest({ field: "messages" }), new LlmError.ContentFiltered({})]) {
    it.effect(`${reason._tag} never falls back: one attempt, the reason to the caller`, () =>
      Effect.gen(function*() {
        const a = yield* target("primary", TestBackend.fail(reason))
        const b = yield* target("fallback", TestBackend.reply("never"))
        const router = yield* Router.make({ targets: [{ backend: a.backend }, { backend: b.backend }] })
        const exit = yield* Effect.exit(router.chat(hi))
        assert.strictEqual(reasonOf(exit)._tag, reason._tag)
        assert.strictEqual((yield* b.control.calls).length, 0)
      }))
  }

  it.effect("ContextLengthExceeded moves only to a target with a larger declared context", () =>
    Effect.gen(function*() {
      const a = yield* target("small", TestBackend.fail(new LlmError.ContextLengthExceeded({})))
      const b = yield* target("same", TestBackend.reply("never"))
      const c = yield* target("large", TestBackend.reply("from large"))
      const router = yield* Router.make({
        targets: [
          { backend: a.backend, contextWindow: 8_000 },
          { backend: b.backend, contextWindow: 8_000 },
          { backend: c.backend, contextWindow: 128_000 }
        ]
      })
      assert.strictEqual((yield* router.chat(hi)).text, "from large")
      assert.strictEqual((yield* b.control.calls).length, 0)
    }))

  it.effect("routes by alias (the model named by the route) and by pattern (the request's model kept)", () =>
    Effect.gen(function*() {
      const groq = yield* target("groq", TestBackend.reply("fast one"))
      const claude = yield* target("anthropic", TestBackend.reply("claude one"))
      const router = yield* Router.make({
        targets: [{ backend: groq.backend }, { backend: claude.backend }],
        routes: [{ match: "fast", targets: ["groq:llama-3.1-8b-instant"] }, { match: "claude-*", targets: ["anthropic"] }]
      })
      yield* router.chat({ ...hi, model: "fast" })
      yield* router.chat({ ...hi, model: "claude-sonnet-4" })
      const [g] = yield* groq.control.calls
      const [c] = yield* claude.control.calls
      assert.strictEqual(g?.operation === "chat" ? g.model : undefined, "llama-3.1-8b-instant")
      assert.strictEqual(c?.operation === "chat" ? c.model : undefined, "claude-sonnet-4")
    }))

  it.effect("a route naming an unknown target fails at build, naming the setting", () =>
    Effect.gen(function*() {
      const a = yield* target("a")
      const error = yield* Effect.flip(Router.make({ targets: [{ backend: a.backend }], routes: [{ match: "x", targets: ["nope"] }] }))
      assert.strictEqual(error.setting, "routes.0.targets.0")
    }))

  it.effect("with a fallback present the primary gets retriesBeforeFallback as its maxRetries; the last target its own budget", () =>
    Effect.gen(function*() {
      const seen: Array<number | undefined> = []
      const spy = (provider: string, fail: boolean) =>
        Effect.map(target(provider), ({ backend }) => ({
          ...backend,
          chat: (_request: Parameters<typeof backend.chat>[0], options?: Parameters<typeof backend.chat>[1]) => {
            seen.push(options?.maxRetries)
            return fail ? Effect.fail(LlmError.make(provider, new LlmError.ServerError({}))) : Effect.succeed(undefined as never)
          }
        }))
      const a = yield* spy("a", true)
      const b = yield* spy("b", true)
      const router = yield* Router.make({ targets: [{ backend: a }, { backend: b }], retriesBeforeFallback: 2 })
      yield* Effect.exit(router.chat(hi, { maxRetries: 4 }))
      assert.deepStrictEqual(seen, [2, 4])
    }))
})

describe("Router, streams", () => {
  it.effect("a cut after content restarts on the next target with a Reset; collect gives one complete answer", () =>
    Effect.gen(function*() {
      const a = yield* target("primary", TestBackend.stream(["Hel", "lo wo"], { failWith: new LlmError.StreamTruncated({}) }))
      const b = yield* target("fallback", TestBackend.stream(["Hello world."]))
      const router = yield* Router.make({ targets: [{ backend: a.backend }, { backend: b.backend }] })
      const chunks = yield* Stream.runCollect(router.stream(hi))
      assert.strictEqual(texts(chunks), "Hello wo<reset>Hello world.")
      const reset = chunks.find((c) => c._tag === "Reset")
      assert.deepStrictEqual(reset?._tag === "Reset" ? [reset.reason, reset.from, reset.to] : [], ["StreamTruncated", "primary", "fallback"])
      const collected = yield* ChatChunk.collect(Stream.fromIterable(chunks))
      assert.strictEqual(collected.text, "Hello world.")
      assert.strictEqual(collected.provider, "fallback")
    }))

  it.effect("midStream fail: the stream fails with the reason, never a shortened success", () =>
    Effect.gen(function*() {
      const a = yield* target("primary", TestBackend.stream(["Hel"], { failWith: new LlmError.Network({}) }))
      const b = yield* target("fallback", TestBackend.stream(["never"]))
      const router = yield* Router.make({ targets: [{ backend: a.backend }, { backend: b.backend }], midStream: "fail" })
      const exit = yield* Effect.exit(Stream.runCollect(router.stream(hi)))
      assert.strictEqual(reasonOf(exit)._tag, "Network")
      // A per-call override wins.
      const again = yield* target("primary2", TestBackend.stream(["Hel"], { failWith: new LlmError.Network({}) }))
      const fb = yield* target("fallback2", TestBackend.stream(["Hello"]))
      const other = yield* Router.make({ targets: [{ backend: again.backend }, { backend: fb.backend }], midStream: "fail" })
      const chunks = yield* Stream.runCollect(other.stream(hi, { midStream: "restart" }))
      assert.strictEqual(texts(chunks), "Hel<reset>Hello")
    }))

  it.effect("continue: a prefill-capable target gets the partial text as an assistant turn and its continuation is appended", () =>
    Effect.gen(function*() {
      const a = yield* target("openai", TestBackend.stream(["The capital ", "of France "], { failWith: new LlmError.Network({}) }))
      const b = yield* target("anthropic", TestBackend.stream([" is Paris."]))
      const router = yield* Router.make({ targets: [{ backend: a.backend }, { backend: b.backend }], midStream: "continue" })
      const chunks = yield* Stream.runCollect(router.stream(hi))
      assert.strictEqual(texts(chunks), "The capital of France is Paris.")
      assert.isFalse(chunks.some((c) => c._tag === "Reset"))
      const [call] = yield* b.control.calls
      const last = call?.operation === "stream" ? call.request.messages.at(-1) : undefined
      assert.strictEqual(last?.role, "assistant")
      // Sent without the trailing whitespace Anthropic refuses; the caller already has it.
      assert.deepStrictEqual(last?.role === "assistant" ? last.content.map((p) => p._tag === "Text" ? p.text : "") : [], ["The capital of France"])
    }))

  it.effect("continue towards a target without prefill restarts instead", () =>
    Effect.gen(function*() {
      const a = yield* target("openai", TestBackend.stream(["Hel"], { failWith: new LlmError.Network({}) }))
      const b = yield* target("groq", TestBackend.stream(["Hello"]))
      const router = yield* Router.make({ targets: [{ backend: a.backend }, { backend: b.backend }], midStream: "continue" })
      assert.strictEqual(texts(yield* Stream.runCollect(router.stream(hi))), "Hel<reset>Hello")
    }))

  it.effect("continue towards a target that refuses the prefill restarts on it: one complete answer", () =>
    Effect.gen(function*() {
      const a = yield* target("openai", TestBackend.stream(["Hel"], { failWith: new LlmError.Network({}) }))
      const b = yield* target("anthropic", TestBackend.fail(new LlmError.InvalidRequest({ detail: "prefill not allowed" })), TestBackend.stream(["Hello"]))
      const router = yield* Router.make({ targets: [{ backend: a.backend }, { backend: b.backend }], midStream: "continue" })
      const chunks = yield* Stream.runCollect(router.stream(hi))
      assert.strictEqual((yield* ChatChunk.collect(Stream.fromIterable(chunks))).text, "Hello")
      assert.strictEqual((yield* b.control.calls).length, 2)
    }))

  it.effect("a content filter after content ends the stream, whatever midStream says", () =>
    Effect.gen(function*() {
      const a = yield* target("a", TestBackend.stream(["Hel"], { failWith: new LlmError.ContentFiltered({}) }))
      const b = yield* target("b", TestBackend.stream(["never"]))
      const router = yield* Router.make({ targets: [{ backend: a.backend }, { backend: b.backend }] })
      assert.strictEqual(reasonOf(yield* Effect.exit(Stream.runCollect(router.stream(hi))))._tag, "ContentFiltered")
      assert.strictEqual((yield* b.control.calls).length, 0)
    }))

  it.effect("Metadata names the target that answered; one call in the router's stats", () =>
    Effect.gen(function*() {
      const a = yield* target("primary", TestBackend.fail(new LlmError.ServerError({})))
      const b = yield* target("fallback", TestBackend.reply("ok", { model: "fb-model" }))
      const router = yield* Router.make({ targets: [{ backend: a.backend }, { backend: b.backend }] })
      const chunks = yield* Stream.runCollect(router.stream(hi))
      const meta = chunks.find((c) => c._tag === "Metadata")
      assert.deepStrictEqual(meta?._tag === "Metadata" ? [meta.provider, meta.model] : [], ["fallback", "fb-model"])
      assert.strictEqual((yield* router.monitor.stats).total_requests, 1)
      assert.strictEqual((yield* a.backend.monitor.stats).total_requests, 1)
      assert.strictEqual((yield* b.backend.monitor.stats).total_requests, 1)
    }))
})
