/**
 * Testing code that talks to an LLM, with no key and no network: swap the
 * real backend layer for `TestBackend`, script what the "model" says, and
 * check what your code sent.
 *
 *   npm run demo
 */
import { Console, Effect, Stream } from "effect"
import { Content, LlmBackend, LlmError, Message, Tool } from "../src/index.ts"
import { TestBackend } from "../src/testing/index.ts"

// ---- The application code under test: it knows only LlmBackend. ----------

const weatherTool = Tool.make("get_weather", {
  description: "Current temperature for a city",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }
})

const lookUpWeather = (city: string) => Effect.succeed({ city, celsius: city === "Oslo" ? -3 : 21 })

/** Answers a question, running the weather tool when the model asks for it. */
const answer = (question: string) =>
  Effect.gen(function*() {
    const llm = yield* LlmBackend.LlmBackend
    const first = yield* llm.chat({ messages: [Message.user(question)], tools: [weatherTool] })
    if (first.toolCalls.length === 0) return first.text
    const results = yield* Effect.forEach(first.toolCalls, (call) =>
      Effect.map(lookUpWeather((JSON.parse(call.arguments) as { city: string }).city), (data) =>
        Content.toolResult(call.id, JSON.stringify(data))))
    const second = yield* llm.chat({
      messages: [Message.user(question), Message.assistant(first.content), Message.tool(results)],
      tools: [weatherTool]
    })
    return second.text
  })

/** Degrades gracefully when the provider is rate limiting us. */
const answerOrApologize = (question: string) =>
  answer(question).pipe(
    Effect.catchReason("LlmError", "RateLimited", (reason) =>
      Effect.succeed(`Busy right now, try again${reason.retryAfter ? " shortly" : ""}.`))
  )

// ---- The test: script the model, run the code, inspect the calls. ---------

const demo = Effect.gen(function*() {
  const model = yield* TestBackend.TestBackend

  yield* Console.log("1. a tool round trip")
  yield* model.push(
    TestBackend.toolCalls([{ id: "call_1", name: "get_weather", arguments: { city: "Oslo" } }]),
    TestBackend.reply("It is -3 °C in Oslo. Wear a coat.")
  )
  yield* Console.log(`   answer: ${yield* answer("Do I need a coat in Oslo?")}`)
  const calls = yield* model.calls
  const followUp = calls[1]
  if (followUp?.operation !== "chat") return yield* Effect.die("expected a second chat call")
  const sentBack = followUp.request.messages[2]
  yield* Console.log(`   the code sent ${calls.length} requests; the second carried the tool result: ${
    sentBack?.role === "tool" ? sentBack.content[0]?.content : "none"
  }`)

  yield* Console.log("2. a scripted rate limit is a typed error the code handles")
  yield* model.push(TestBackend.fail(new LlmError.RateLimited({ detail: "slow down" }), { status: 429 }))
  yield* Console.log(`   answer: ${yield* answerOrApologize("Weather in Paris?")}`)

  yield* Console.log("3. a scripted stream, cut short: the consumer sees the typed failure")
  yield* model.push(TestBackend.stream(["The answer ", "is "], { failWith: new LlmError.StreamTruncated({}) }))
  const streamed: Array<string> = []
  const outcome = yield* LlmBackend.stream({ messages: [Message.user("What is the answer?")] }).pipe(
    Stream.runForEach((chunk) => Effect.sync(() => chunk._tag === "TextDelta" && streamed.push(chunk.text))),
    Effect.as("complete"),
    Effect.catchTag("LlmError", (error) => Effect.succeed(`failed: ${error.reason._tag}`))
  )
  yield* Console.log(`   received ${JSON.stringify(streamed.join(""))}, then ${outcome}`)

  yield* Console.log("4. invalid input is rejected before any call, naming the field")
  const invalid = yield* Effect.flip(LlmBackend.chat({ messages: [Message.user("hi")], temperature: 5 }))
  yield* Console.log(`   ${invalid.message}`)
  yield* Console.log(`   scripted steps left: ${yield* model.remaining}`)
})

demo.pipe(Effect.provide(TestBackend.layer()), Effect.runPromise)
