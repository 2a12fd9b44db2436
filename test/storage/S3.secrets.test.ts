/**
 * The secret access key never leaves: not in errors (even when a server
 * echoes it), logs, stats and reports, recent calls, spans, or presigned
 * URLs (which carry only the access key id and the signature).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Logger, Tracer } from "effect"
import { HttpClient } from "effect/http"
import * as Secrets from "../support/Secrets.ts"
import * as FaultProxy from "./support/FaultProxy.ts"
import * as S3rver from "./support/S3rver.ts"

const BUCKET = "kit"
const assertNoSecret = (value: unknown, where: string) => Secrets.assertNoSecret(value, S3rver.SECRET, where)

// A misconfigured gateway that echoes the secret back in its error message.
const echo = (status: number, code: string): FaultProxy.Action =>
  FaultProxy.s3Error(status, code, `bad signature for secret ${S3rver.SECRET}`)

describe("the secret access key never leaks", () => {
  for (const [status, code] of [[403, "SignatureDoesNotMatch"], [400, "InvalidArgument"], [500, "InternalError"], [503, "SlowDown"]] as const) {
    it.live(`not in the error when a ${status} ${code} body echoes it`, () =>
      Effect.scoped(Effect.gen(function*() {
        const server = yield* S3rver.start([BUCKET])
        const proxy = yield* FaultProxy.make(server.url, () => echo(status, code))
        const store = yield* S3rver.store(proxy.url, { policy: { maxRetries: 0 } })
        const error = yield* Effect.flip(store.put({ bucket: BUCKET, key: "k", body: "v" }))
        assertNoSecret(error, `${code} error`)
        assert.include(error.message, "[REDACTED]")
      })))
  }

  it.live("not in logs, stats, reports, recent calls or spans, through success and failure", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* S3rver.start([BUCKET])
      let n = 0
      const proxy = yield* FaultProxy.make(server.url, (request) =>
        FaultProxy.isAbort(request) || n++ % 3 !== 2 ? FaultProxy.forward : echo(403, "AccessDenied"))
      const store = yield* S3rver.store(proxy.url, { policy: { maxRetries: 0 }, partSize: 1024, minPartSize: 1024 })
      const lines: Array<string> = []
      const logger = Logger.make((options) => {
        lines.push(String(options.message), JSON.stringify(options.message))
      })
      const spans: Array<Tracer.NativeSpan> = []
      const tracer = Tracer.make({
        span: (options) => {
          const span = new Tracer.NativeSpan(options)
          spans.push(span)
          return span
        }
      })
      const program = Effect.gen(function*() {
        for (let i = 0; i < 3; i++) yield* Effect.exit(store.put({ bucket: BUCKET, key: `k${i}`, body: S3rver.bytes(3000) }))
        yield* Effect.exit(store.get({ bucket: BUCKET, key: "k0" }))
        const error = yield* Effect.flip(store.get({ bucket: BUCKET, key: "missing" }))
        yield* Effect.logError("failed", error)
      })
      yield* program.pipe(
        Effect.provide(Logger.layer([logger])),
        Effect.provideService(Tracer.Tracer, tracer),
        Effect.provideService(HttpClient.TracerHeaderFilter, () => true)
      )
      assert.isAbove(lines.length, 0)
      for (const line of lines) assertNoSecret(line, "log line")
      const attributes = spans.flatMap((span) => [...span.attributes.entries()])
      assert.isTrue(attributes.some(([name]) => name === "http.request.header.authorization"), "spans recorded request headers")
      for (const [name, value] of attributes) assertNoSecret(String(value), `span attribute ${name}`)
      const stats = yield* store.monitor.stats
      assert.isAbove(stats.failed_requests, 0)
      assertNoSecret(stats, "stats")
      assertNoSecret(yield* store.monitor.report("text"), "text report")
      assertNoSecret(yield* store.monitor.report("json"), "json report")
      assertNoSecret(yield* store.monitor.recent, "recent calls")
    })))

  it.live("not in a presigned URL, which carries only the signature fields", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* S3rver.start([BUCKET])
      const store = yield* S3rver.store(server.url)
      for (const method of ["GET", "PUT"] as const) {
        const presigned = yield* store.presign({ bucket: BUCKET, key: "x y", method, expiresIn: "1 hour" })
        assertNoSecret(presigned, `presigned ${method}`)
        const names = [...new URL(presigned.url).searchParams.keys()]
        assert.isTrue(names.every((name) => name.startsWith("X-Amz-")), names.join(","))
        assert.notInclude(presigned.url, "X-Amz-Security-Token")
      }
    })))
})
