/**
 * Steady (npm @stdy/cli), an OpenAPI mock server that validates every request
 * against the spec: `x-steady-request-valid: true|false`, and on a violation
 * a 400 with `x-steady-error-N-*` headers. Started per suite on a free
 * loopback port and stopped with the scope.
 */
import { Effect, type Scope } from "effect"
import { assert } from "@effect/vitest"
import { HttpClient, HttpClientRequest } from "effect/http"
import { spawn } from "node:child_process"
import { createServer } from "node:net"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const bin = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "node_modules", ".bin", "steady")

const freePort = Effect.callback<number>((resume) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

export interface Steady {
  readonly url: string
}

/** Starts Steady on `spec`; fails if it is not healthy within ~15 s. */
export const make = (spec: string): Effect.Effect<Steady, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const port = yield* freePort
    const url = `http://127.0.0.1:${port}`
    yield* Effect.acquireRelease(
      Effect.sync(() => spawn(bin, ["--host", "127.0.0.1", "-p", String(port), "--log-level", "summary", spec], { stdio: "ignore" })),
      (child) => Effect.sync(() => child.kill("SIGTERM"))
    )
    yield* Effect.tryPromise(async () => {
      for (let i = 0; i < 150; i++) {
        try {
          const response = await fetch(`${url}/_x-steady/health`)
          if (response.ok) return
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 100))
      }
      throw new Error(`steady did not become healthy on ${url}`)
    })
    return { url }
  })

/** The verdict Steady put on one response. */
export interface Verdict {
  readonly method: string
  readonly url: string
  readonly valid: boolean
  readonly errors: ReadonlyArray<string>
}

export const verdictOf = (method: string, url: string, headers: Readonly<Record<string, string>>): Verdict => {
  const errors: Array<string> = []
  const count = Number(headers["x-steady-error-count"] ?? "0")
  for (let i = 1; i <= count; i++) {
    errors.push(`${headers[`x-steady-error-${i}-code`]} ${headers[`x-steady-error-${i}-path`]}: ${headers[`x-steady-error-${i}-message`]}`)
  }
  // Steady has been seen to mark a request valid while listing a violation
  // (a union mismatch): valid means both.
  return { method, url, valid: headers["x-steady-request-valid"] === "true" && errors.length === 0, errors }
}

/**
 * The `HttpClient` in context, recording Steady's verdict on every request
 * it sends.
 */
export const recording = Effect.map(Effect.service(HttpClient.HttpClient), (base) => {
  const verdicts: Array<Verdict> = []
  const client = base.pipe(
    HttpClient.tap((response) =>
      Effect.sync(() => verdicts.push(verdictOf(response.request.method, response.request.url, response.headers)))
    )
  )
  return { client, verdicts }
})

/** Every recorded request passed Steady's check (the message names the first that did not). */
export const assertAllValid = (verdicts: ReadonlyArray<Verdict>) => {
  for (const verdict of verdicts) {
    assert.isTrue(verdict.valid, `${verdict.method} ${verdict.url}: ${verdict.errors.join("; ")}`)
  }
}

/** The check can fail: posts a body that breaks the spec and expects Steady to reject it. */
export const assertRejected = (
  client: HttpClient.HttpClient,
  verdicts: ReadonlyArray<Verdict>,
  url: string,
  body: unknown
) =>
  Effect.gen(function*() {
    const response = yield* HttpClientRequest.post(url).pipe(HttpClientRequest.bodyJsonUnsafe(body), client.execute)
    assert.strictEqual(response.status, 400)
    const last = verdicts[verdicts.length - 1]!
    assert.isFalse(last.valid)
    assert.isAbove(last.errors.length, 0)
  })
