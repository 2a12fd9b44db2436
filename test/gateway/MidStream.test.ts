/**
 * Streaming discipline after content, read by the openai SDK: towards a
 * prefill-capable fallback the client sees one seamless answer; towards any
 * other the stream ends with an error event and no [DONE], which the SDK
 * raises (never a short success); a `buffer: true` route sends only the
 * complete answer.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import OpenAI from "openai"
import * as S from "./support.ts"

const cut = S.sse([S.chunk({ role: "assistant", content: "Hello, " }), S.chunk({ content: "wor" })], false)

const read = (url: string, model: string) =>
  Effect.promise(async () => {
    const client = new OpenAI({ apiKey: S.CLIENT_KEY, baseURL: `${url}/v1`, maxRetries: 0 })
    let text = ""
    try {
      const stream = await client.chat.completions.create({ model, messages: [{ role: "user", content: "Greet" }], stream: true })
      for await (const c of stream) text += c.choices[0]?.delta.content ?? ""
      return { text, error: undefined }
    } catch (error) {
      return { text, error }
    }
  })

describe("gateway streams after content", () => {
  it.live("a prefill-capable fallback continues the answer: the SDK reads one complete answer", () =>
    Effect.gen(function*() {
      const primary = yield* S.upstream(() => ({ kind: "sse", frames: cut, end: "destroy" }))
      const rescue = yield* S.upstream(() => ({ kind: "sse", frames: S.sse([S.chunk({ role: "assistant", content: "ld!" }), S.chunk({}, "stop")]) }))
      const { url } = yield* S.serve(S.baseConfig([S.backend("primary", primary.url), S.backend("rescue", rescue.url, { prefill: true })], {
        routes: [{ match: "chat", targets: ["primary", "rescue"] }]
      }))
      const { error, text } = yield* read(url, "chat")
      assert.isUndefined(error)
      assert.strictEqual(text, "Hello, world!")
      const sent = rescue.seen[0]!.json.messages
      assert.deepStrictEqual(sent.at(-1), { role: "assistant", content: "Hello, wor" })
    }))

  it.live("a fallback that cannot continue: an error event, no [DONE], the SDK raises", () =>
    Effect.gen(function*() {
      const primary = yield* S.upstream(() => ({ kind: "sse", frames: cut, end: "destroy" }))
      const other = yield* S.upstream(() => ({ kind: "sse", frames: S.sse([S.chunk({ role: "assistant", content: "Hi there" }), S.chunk({}, "stop")]) }))
      const { url } = yield* S.serve(S.baseConfig([S.backend("primary", primary.url), S.backend("other", other.url)], {
        routes: [{ match: "chat", targets: ["primary", "other"] }]
      }))
      const { error, text } = yield* read(url, "chat")
      assert.instanceOf(error, OpenAI.APIError)
      assert.strictEqual(text, "Hello, wor")
      // The raw wire: the error event is last and there is no [DONE].
      const raw = yield* Effect.promise(() =>
        fetch(`${url}/v1/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${S.CLIENT_KEY}`, "content-type": "application/json" },
          body: JSON.stringify({ model: "chat", stream: true, messages: [{ role: "user", content: "Greet" }] })
        }).then((r) => r.text())
      )
      const events = raw.trim().split("\n\n")
      assert.match(events.at(-1)!, /^data: \{"error":\{/)
      assert.notInclude(raw, "[DONE]")
    }))

  it.live("a buffer: true route sends only the complete answer from the fallback", () =>
    Effect.gen(function*() {
      const primary = yield* S.upstream(() => ({ kind: "sse", frames: cut, end: "destroy" }))
      const other = yield* S.upstream(() => ({ kind: "sse", frames: S.sse([S.chunk({ role: "assistant", content: "Hi there" }), S.chunk({}, "stop")]) }))
      const { url } = yield* S.serve(S.baseConfig([S.backend("primary", primary.url), S.backend("other", other.url)], {
        routes: [{ match: "atomic", targets: ["primary", "other"], buffer: true }]
      }))
      const { error, text } = yield* read(url, "atomic")
      assert.isUndefined(error)
      assert.strictEqual(text, "Hi there")
      assert.strictEqual(other.seen.length, 1)
    }))
})
