/**
 * One worker process of the shared-state tests: an OpenAI backend against
 * the test's fake server, sharing its state through Redis, driven over IPC
 * by the test (run N calls, report stats, exit). `clockOffsetMs` skews this
 * process's clock to show that no process's wall clock is compared with
 * another's.
 */
import { Clock, Duration, Effect, Exit, Layer, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Message from "../../../src/domain/Message.ts"
import * as OpenAi from "../../../src/providers/openai/OpenAi.ts"
import * as RedisState from "../../../src/redis/RedisState.ts"

export interface WorkerConfig {
  readonly serverUrl: string
  readonly redisUrl: string
  readonly prefix: string
  readonly keys: ReadonlyArray<string>
  readonly policy: Record<string, unknown>
  readonly clockOffsetMs?: number
  readonly timeoutMs?: number
  readonly retryIntervalMs?: number
}

export interface Command {
  readonly id: number
  readonly op: "chat" | "stats" | "exit"
  readonly model?: string
  readonly count?: number
  readonly concurrency?: number
  readonly maxTokens?: number
}

export interface CallResult {
  readonly ok: boolean
  readonly reason?: string
  readonly retryAfterMs?: number
}

const config = JSON.parse(process.env["WORKER_CONFIG"]!) as WorkerConfig

const skewed = (base: Clock.Clock, offset: number): Clock.Clock => {
  const clock = Object.create(base) as { -readonly [K in keyof Clock.Clock]: Clock.Clock[K] }
  clock.currentTimeMillisUnsafe = () => base.currentTimeMillisUnsafe() + offset
  clock.currentTimeMillis = Effect.sync(() => base.currentTimeMillisUnsafe() + offset)
  clock.currentTimeNanosUnsafe = () => base.currentTimeNanosUnsafe() + BigInt(offset) * 1_000_000n
  clock.currentTimeNanos = Effect.sync(() => base.currentTimeNanosUnsafe() + BigInt(offset) * 1_000_000n)
  return clock
}

const send = (message: unknown) => process.send!(message)

const program = Effect.gen(function*() {
  const backend = yield* OpenAi.make({
    baseUrl: config.serverUrl,
    apiKeys: config.keys.map((name) => ({ name, value: Redacted.make(`sk-${name}`) })),
    model: "m",
    policy: { jitter: false, ...config.policy }
  })
  const run = Effect.runForkWith(yield* Effect.context<never>())

  const call = (command: Command) =>
    Effect.map(
      Effect.exit(backend.chat({
        model: command.model ?? "m",
        messages: [Message.user("hi")],
        ...(command.maxTokens === undefined ? {} : { maxTokens: command.maxTokens })
      })),
      (exit): CallResult => {
        if (Exit.isSuccess(exit)) return { ok: true }
        const failure = exit.cause.reasons.find((r) => r._tag === "Fail")
        const error = failure?._tag === "Fail" ? failure.error : undefined
        const reason = error?.reason
        const retryAfter = reason !== undefined && "retryAfter" in reason ? reason.retryAfter : undefined
        return {
          ok: false,
          reason: reason?._tag ?? "Interrupted",
          ...(retryAfter === undefined ? {} : { retryAfterMs: Duration.toMillis(retryAfter as Duration.Duration) })
        }
      }
    )

  const handle = (command: Command): Effect.Effect<void> => {
    switch (command.op) {
      case "chat":
        return Effect.map(
          Effect.forEach(Array.from({ length: command.count ?? 1 }), () => call(command), { concurrency: command.concurrency ?? 1 }),
          (results) => send({ id: command.id, results })
        )
      case "stats":
        return Effect.map(backend.monitor.stats, (stats) => send({ id: command.id, stats }))
      case "exit":
        return Effect.sync(() => process.exit(0))
    }
  }

  process.on("message", (command: Command) => {
    run(handle(command))
  })
  send({ ready: true })
  return yield* Effect.never
})

const shared = RedisState.layer({
  redis: { url: config.redisUrl },
  prefix: config.prefix,
  timeout: config.timeoutMs ?? 50,
  retryInterval: config.retryIntervalMs ?? 1_000
})

Effect.runFork(
  Effect.clockWith((base) =>
    program.pipe(
      Effect.provide(Layer.mergeAll(shared, FetchHttpClient.layer)),
      Effect.provideService(Clock.Clock, skewed(base, config.clockOffsetMs ?? 0))
    )
  )
)
