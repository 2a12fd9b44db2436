// Run as a child process by Expiry.test.ts: two calls on one permit, the
// first slow, so the second waits in the queue; when both are done the
// process must end at once.
import { Effect } from "effect"
import * as Chat from "../../../src/domain/Chat.ts"
import { Message } from "../../../src/index.ts"
import * as Pipeline from "../../../src/pipeline/Pipeline.ts"
import * as Policy from "../../../src/pipeline/Policy.ts"

const program = Effect.gen(function*() {
  const policy = yield* Policy.make("exit", { maxConcurrentRequests: 1 })
  const backend = yield* Pipeline.make({
    provider: "exit",
    chat: () =>
      Effect.as(
        Effect.sleep("200 millis"),
        new Chat.ChatResponse({ provider: "exit", model: "m", content: [], finishReason: "stop" })
      )
  }, { model: "m", policy })
  const hi = { messages: [Message.user("hi")] }
  yield* Effect.all([backend.chat(hi), backend.chat(hi)], { concurrency: 2 })
  const stats = yield* backend.monitor.stats
  console.log(`done ${stats.successful_requests} waited ${stats.queue_wait.max_ms >= 150}`)
})

Effect.runPromise(program)
