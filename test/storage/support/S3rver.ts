/**
 * A real S3-compatible server for tests: npm `s3rver` on 127.0.0.1 (port 0)
 * with a temporary data folder, started and stopped by the test's scope.
 * It does not check SigV4 signatures, but it does require a known access key
 * id (`S3RVER`) and a request date within 15 minutes: tests run `it.live`.
 */
import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import S3rver from "s3rver"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as S3 from "../../../src/storage/S3.ts"

export interface Instance {
  readonly url: string
  readonly directory: string
}

/** s3rver's one account. */
export const ACCESS_KEY_ID = "S3RVER"
/** s3rver accepts any secret; this one is distinctive, so leak checks can look for it. */
export const SECRET = "s3kit-secret-Zq8vNw3rTy6uLp0xKe4m"

export const start = (buckets: ReadonlyArray<string>) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const directory = Fs.mkdtempSync(Path.join(Os.tmpdir(), "s3rver-"))
      const server = new S3rver({
        address: "127.0.0.1",
        port: 0,
        silent: true,
        directory,
        configureBuckets: buckets.map((name) => ({ name, configs: [] }))
      })
      const address = await server.run()
      return { server, instance: { url: `http://127.0.0.1:${address.port}`, directory } satisfies Instance }
    }),
    ({ instance, server }) =>
      Effect.promise(async () => {
        // fetch keeps connections alive; close would wait for them to time out.
        server.httpServer.closeAllConnections()
        await server.close()
        Fs.rmSync(instance.directory, { recursive: true, force: true })
      })
  ).pipe(Effect.map(({ instance }) => instance))

/**
 * The same server in a child process whose OpenSSL offers DES, for listings
 * longer than a page (s3rver's continuation tokens are DES-encrypted; in this
 * process it answers a truncated page with a 500).
 */
export const startPaging = (buckets: ReadonlyArray<string>) =>
  Effect.acquireRelease(
    Effect.callback<{ readonly child: ChildProcess.ChildProcess; readonly instance: Instance }>((resume) => {
      const directory = Fs.mkdtempSync(Path.join(Os.tmpdir(), "s3rver-"))
      const runner = Path.join(import.meta.dirname, "s3rver-child.mjs")
      const child = ChildProcess.spawn(process.execPath, ["--openssl-legacy-provider", runner, directory, ...buckets], {
        stdio: ["pipe", "pipe", "inherit"]
      })
      let out = ""
      child.stdout.on("data", (data: Buffer) => {
        out += data.toString()
        const line = out.split("\n")[0]
        if (out.includes("\n") && line !== undefined) {
          const { port } = JSON.parse(line) as { port: number }
          resume(Effect.succeed({ child, instance: { url: `http://127.0.0.1:${port}`, directory } }))
        }
      })
      child.on("error", (error) => resume(Effect.die(error)))
    }),
    ({ child, instance }) =>
      Effect.callback<void>((resume) => {
        child.on("exit", () => {
          Fs.rmSync(instance.directory, { recursive: true, force: true })
          resume(Effect.void)
        })
        child.stdin?.end()
      })
  ).pipe(Effect.map(({ instance }) => instance))

/** Every completed object's data file in a bucket (s3rver's `*._S3rver_object`). */
export const completedObjects = (instance: Instance, bucket: string): ReadonlyArray<string> => {
  const root = Path.join(instance.directory, bucket)
  if (!Fs.existsSync(root)) return []
  return (Fs.readdirSync(root, { recursive: true }) as Array<string>).filter((file) => file.endsWith("._S3rver_object"))
}

/** A store on `url` with small parts (s3rver takes any part size), no jitter, quick retries. */
export const store = (url: string, options: S3.Options = {}) =>
  S3.make({
    endpoint: url,
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: Redacted.make(SECRET),
    minPartSize: 1024,
    partSize: 64 * 1024,
    ...options,
    policy: { jitter: false, initialRetryDelay: "10 millis", maxRetryDelay: "50 millis", ...options.policy }
  }).pipe(Effect.provide(FetchHttpClient.layer))

/** Deterministic bytes of a given size. */
export const bytes = (size: number, seed = 1): Uint8Array => {
  const out = new Uint8Array(size)
  let x = seed
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    out[i] = x >>> 16
  }
  return out
}
