/**
 * Measures Redis operation round trips as the pipeline makes them (one
 * `take` script through `Connection`, with a generous timeout so nothing is
 * cut), to choose `RedisState`'s default timeout. Run by hand:
 * `node scripts/run.mjs tsx test/redis/support/latency.ts <redis-url> <ops> <label>`;
 * prints p50 / p99 / p99.9 / max in millis. Start several at once to see a
 * loaded machine. Not a test: speed is never asserted.
 */
import { Duration, Effect, Redacted } from "effect"
import * as Connection from "../../../src/redis/Connection.ts"
import * as RedisStore from "../../../src/redis/RedisStore.ts"

const [url = "redis://127.0.0.1:6379", ops = "2000", label = "run"] = process.argv.slice(2)

const program = Effect.gen(function*() {
  const connection = yield* Connection.make({
    url: Redacted.make(url),
    password: undefined,
    timeout: Duration.seconds(5),
    retryInterval: Duration.seconds(1)
  })
  const store = RedisStore.make(connection, `latency-${process.pid}`, "p")
  const bucket = { id: "b", requestsPerMinute: 1_000_000_000, tokensPerMinute: 1_000_000_000 }
  const samples: Array<number> = []
  for (let i = 0; i < Number(ops); i++) {
    const start = performance.now()
    yield* store.take([bucket, { ...bucket, id: "k" }], 10)
    samples.push(performance.now() - start)
  }
  samples.sort((a, b) => a - b)
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!.toFixed(2)
  console.log(`${label}: n=${samples.length} p50=${at(0.5)} p99=${at(0.99)} p99.9=${at(0.999)} max=${samples.at(-1)!.toFixed(2)} ms`)
})

Effect.runPromise(Effect.scoped(program)).then(() => process.exit(0))
