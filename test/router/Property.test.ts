/**
 * Property: whatever faults the targets produce, a router stream that
 * succeeds collects to exactly one complete answer (no duplicate, no gap),
 * under every `midStream` mode. Targets are in-memory providers behind real
 * pipelines; a prefill-capable target continues from the assistant turn it
 * is given, as Anthropic does.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Stream } from "effect"
import * as fc from "fast-check"
import * as ChatChunk from "../../src/domain/ChatChunk.ts"
import { Message } from "../../src/index.ts"
import * as LlmError from "../../src/LlmError.ts"
import * as Pipeline from "../../src/pipeline/Pipeline.ts"
import * as Policy from "../../src/pipeline/Policy.ts"
import type { Provider } from "../../src/pipeline/Provider.ts"
import * as Router from "../../src/router/Router.ts"

const ANSWER = "The quick brown fox jumps over the lazy dog.\n\nIt was a fine day."

type Behaviour =
  | { readonly kind: "ok"; readonly pieces: number }
  | { readonly kind: "cut"; readonly after: number; readonly reason: LlmError.Reason }
  | { readonly kind: "before"; readonly reason: LlmError.Reason }

const reasons = fc.constantFrom<LlmError.Reason>(
  new LlmError.StreamTruncated({}),
  new LlmError.Network({}),
  new LlmError.Timeout({ phase: "idle", after: Duration.seconds(1) }),
  new LlmError.InvalidResponse({}),
  new LlmError.Overloaded({}),
  new LlmError.ServerError({}),
  new LlmError.RateLimited({}),
  new LlmError.InvalidRequest({}),
  new LlmError.ContentFiltered({})
)

const behaviour: fc.Arbitrary<Behaviour> = fc.oneof(
  fc.record({ kind: fc.constant("ok" as const), pieces: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant("cut" as const), after: fc.integer({ min: 1, max: 5 }), reason: reasons }),
  fc.record({ kind: fc.constant("before" as const), reason: reasons })
)

// Word by word (each with its trailing whitespace, as models stream), grouped into `pieces`.
const split = (text: string, pieces: number): Array<string> => {
  const words = text.match(/\s*\S+\s*/g) ?? [text]
  const size = Math.max(1, Math.ceil(words.length / pieces))
  const out: Array<string> = []
  for (let i = 0; i < words.length; i += size) out.push(words.slice(i, i + size).join(""))
  return out
}

const provider = (name: string, script: Array<Behaviour>): Provider => ({
  provider: name,
  stream: (request) =>
    Stream.suspend(() => {
      const last = request.messages.at(-1)
      const prefix = last?.role === "assistant" ? last.content.map((p) => p._tag === "Text" ? p.text : "").join("") : ""
      if (!ANSWER.startsWith(prefix)) return Stream.die(new Error(`bad prefill ${JSON.stringify(prefix)}`))
      const rest = ANSWER.slice(prefix.length)
      const step = script.shift() ?? { kind: "ok", pieces: 3 }
      const fail = (reason: LlmError.Reason) => Stream.fail(LlmError.make(name, reason))
      const pieces = split(rest, step.kind === "ok" ? step.pieces : 12).map((text) => new ChatChunk.TextDelta({ text }))
      switch (step.kind) {
        case "ok":
          return Stream.fromIterable([...pieces, new ChatChunk.Finish({ reason: "stop" })])
        case "cut":
          return Stream.concat(Stream.fromIterable(pieces.slice(0, step.after)), fail(step.reason))
        case "before":
          return fail(step.reason)
      }
    })
})

describe("Router property", () => {
  it.effect("a successful stream is exactly one complete answer, under any fault mix (200 runs)", () =>
    Effect.gen(function*() {
      const policy = yield* Policy.make("p", { ...Policy.passthrough, maxRetries: 1, jitter: false, initialRetryDelay: 1 })
      const scenario = fc.record({
        targets: fc.array(fc.record({ prefill: fc.boolean(), script: fc.array(behaviour, { maxLength: 4 }) }), { minLength: 1, maxLength: 3 }),
        midStream: fc.constantFrom("fail" as const, "restart" as const, "continue" as const, "continue" as const)
      })
      let successes = 0
      let resets = 0
      let continued = 0
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(scenario, async ({ midStream, targets }) => {
            const program = Effect.gen(function*() {
              const backends = yield* Effect.forEach(targets, (t, i) =>
                Effect.map(Pipeline.make(provider(`t${i}`, [...t.script]), { model: "m", policy }), (backend) => ({
                  backend,
                  prefill: t.prefill
                })))
              const router = yield* Router.make({ targets: backends, midStream })
              const exit = yield* Effect.exit(Stream.runCollect(router.stream({ messages: [Message.user("go")] })))
              return { exit, routed: yield* router.routing }
            })
            const { exit, routed } = await Effect.runPromise(program)
            // A failure is allowed (every target failed, or a final reason), but only a typed one.
            if (Exit.isFailure(exit)) assert.isTrue(exit.cause.reasons.every((r) => r._tag === "Fail"), String(exit.cause))
            if (Exit.isSuccess(exit)) {
              successes++
              if (exit.value.some((c) => c._tag === "Reset")) resets++
              if (routed.fallbacks.some((f) => f.kind === "continue")) continued++
              const collected = await Effect.runPromise(ChatChunk.collect(Stream.fromIterable(exit.value)))
              assert.strictEqual(collected.text, ANSWER)
            }
          }),
          { numRuns: 200, seed: 20261201 }
        )
      )
      // The property is not vacuous: many runs succeed, some through a restart.
      assert.isAbove(successes, 50)
      assert.isAbove(resets, 5)
      assert.isAbove(continued, 5)
    }), 60_000)
})
