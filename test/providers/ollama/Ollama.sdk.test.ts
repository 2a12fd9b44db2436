/**
 * The official `ollama` npm package reads our fake server's replies (the
 * same fixtures the wire suites use): if it could not, our fake, and so our
 * wire tests, would be wrong.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Ollama } from "ollama"
import * as FakeServer from "../../support/FakeServer.ts"
import * as Fixtures from "../../support/OllamaFixtures.ts"

const route: FakeServer.Handler = (request) => {
  const body = request.json as { stream?: boolean; tools?: unknown } | undefined
  if (request.url === "/api/tags") return { kind: "json", body: Fixtures.tagsReply }
  if (request.url === "/api/embed") return { kind: "json", body: Fixtures.embedReply([[0.25, -0.5], [1, 2]], 4) }
  if (request.url === "/api/pull") return Fixtures.stream(Fixtures.pullLines)
  if (request.url === "/api/chat" && body?.stream === true && body.tools !== undefined) {
    return Fixtures.stream([
      Fixtures.chatLine("", [{ name: "get_weather", arguments: { city: "Tokyo" } }]),
      Fixtures.chatDone({ counts: { prompt: 169, output: 15 } })
    ])
  }
  if (request.url === "/api/chat" && body?.stream === true) {
    return Fixtures.stream([Fixtures.chatLine("Hello"), Fixtures.chatLine(" world"), Fixtures.chatDone({ counts: { prompt: 5, output: 2 } })])
  }
  return { kind: "json", body: Fixtures.chatReply({ toolCalls: [{ name: "get_time", arguments: { zone: "UTC" } }] }) }
}

const withServer = <A>(use: (client: Ollama) => Promise<A>) =>
  Effect.gen(function*() {
    const server = yield* FakeServer.make(route)
    return yield* Effect.promise(() => use(new Ollama({ host: server.url })))
  })

describe("the official ollama SDK reads our fake server", () => {
  it.live("a non-streamed chat reply, with a tool call's object arguments and the counts", () =>
    Effect.gen(function*() {
      const reply = yield* withServer((client) => client.chat({ model: "llama3.2", messages: [{ role: "user", content: "Hi" }] }))
      assert.strictEqual(reply.message.content, "Hello! How are you today?")
      assert.deepStrictEqual(reply.message.tool_calls?.[0]?.function, { name: "get_time", arguments: { zone: "UTC" } })
      assert.strictEqual(reply.done, true)
      assert.strictEqual(reply.prompt_eval_count, 26)
      assert.strictEqual(reply.eval_count, 298)
    }))

  it.live("a streamed chat, line by line, ending with done and the counts", () =>
    Effect.gen(function*() {
      const parts = yield* withServer(async (client) => {
        const out: Array<{ content: string; done: boolean; eval_count: number | undefined }> = []
        const stream = await client.chat({ model: "llama3.2", messages: [{ role: "user", content: "Hi" }], stream: true })
        for await (const part of stream) out.push({ content: part.message.content, done: part.done, eval_count: part.eval_count })
        return out
      })
      assert.strictEqual(parts.map((p) => p.content).join(""), "Hello world")
      assert.deepStrictEqual(parts.map((p) => p.done), [false, false, true])
      assert.strictEqual(parts[2]?.eval_count, 2)
    }))

  it.live("a streamed tool call", () =>
    Effect.gen(function*() {
      const calls = yield* withServer(async (client) => {
        const stream = await client.chat({
          model: "llama3.2",
          messages: [{ role: "user", content: "Weather?" }],
          tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }],
          stream: true
        })
        const out: Array<unknown> = []
        for await (const part of stream) out.push(...(part.message.tool_calls ?? []))
        return out
      })
      assert.deepStrictEqual(calls, [{ function: { name: "get_weather", arguments: { city: "Tokyo" } } }])
    }))

  it.live("embeddings and the model list", () =>
    Effect.gen(function*() {
      const { embed, list } = yield* withServer(async (client) => ({
        embed: await client.embed({ model: "all-minilm", input: ["a", "b"] }),
        list: await client.list()
      }))
      assert.deepStrictEqual(embed.embeddings, [[0.25, -0.5], [1, 2]])
      assert.deepStrictEqual(list.models.map((m) => [m.name, m.details?.parameter_size]), [
        ["llama3.2:latest", "3.2B"],
        ["all-minilm:latest", undefined]
      ])
    }))

  it.live("pull progress up to success", () =>
    Effect.gen(function*() {
      const statuses = yield* withServer(async (client) => {
        const out: Array<string> = []
        for await (const part of await client.pull({ model: "llama3.2", stream: true })) out.push(part.status)
        return out
      })
      assert.deepStrictEqual(statuses, Fixtures.pullLines.map((l) => l.status))
    }))
})
