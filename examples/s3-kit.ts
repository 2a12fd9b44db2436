/**
 * The S3 Kit end to end: upload a file with a progress bar (multipart, 5 MiB
 * parts), list, download it back, and hand out presigned GET and PUT URLs
 * that a plain `fetch` uses.
 *
 *   npm run example examples/s3-kit.ts -- --local     # against s3rver started here, on 127.0.0.1
 *   S3_BUCKET=my-bucket S3_REGION=eu-west-1 S3_ACCESS_KEY=... S3_SECRET_KEY=... \
 *     npm run example examples/s3-kit.ts               # against the store the environment names
 */
import { NodeFileSystem } from "@effect/platform-node"
import { Console, Effect, Layer, Redacted, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import S3rver from "s3rver"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { Files, ObjectStore, S3 } from "../src/storage/index.ts"

const local = process.argv.includes("--local")
const tty = process.stdout.isTTY === true
const MiB = 1024 * 1024

const bar = (fraction: number, width = 30) => `${"█".repeat(Math.round(fraction * width))}${"░".repeat(width - Math.round(fraction * width))}`

const progress = (label: string) => (p: ObjectStore.Progress) =>
  Effect.sync(() => {
    const fraction = p.total === undefined || p.total === 0 ? 1 : p.loaded / p.total
    const line = `${label} ${bar(fraction)} ${String(Math.floor(fraction * 100)).padStart(3)}%  ${(p.loaded / MiB).toFixed(1)} MiB, ${p.parts} parts`
    process.stdout.write(tty ? `\r${line}` : `${line}\n`)
    if (tty && fraction >= 1) process.stdout.write("\n")
  })

const program = (bucket: string) =>
  Effect.gen(function*() {
    const store = yield* ObjectStore.ObjectStore
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "s3-kit-"))
    const source = Path.join(dir, "report.bin")
    const body = new Uint8Array(16 * MiB).map((_, i) => (i * 31) & 0xff)
    Fs.writeFileSync(source, body)

    const put = yield* Files.upload({ file: source, bucket, key: "reports/2024 Q1 (final).bin", onProgress: progress("upload  ") })
    yield* Console.log(`uploaded ${put.key}: ${put.size} bytes in ${put.parts} parts, ETag ${put.etag}`)
    yield* store.put({ bucket, key: "reports/notes.txt", body: "small bodies go in one request", contentType: "text/plain" })

    yield* Console.log("listing reports/:")
    yield* store.list({ bucket, prefix: "reports/" }).pipe(
      Stream.runForEach((entry) => Console.log(entry._tag === "Object" ? `  ${entry.key}  ${entry.size} bytes` : `  ${entry.prefix}`))
    )

    const target = Path.join(dir, "downloaded.bin")
    const written = yield* Files.download({ bucket, key: put.key, file: target })
    const same = Buffer.compare(Fs.readFileSync(target), Buffer.from(body)) === 0
    yield* Console.log(`downloaded ${written} bytes to ${target}: ${same ? "identical" : "DIFFERENT"}`)

    const get = yield* store.presign({ bucket, key: "reports/notes.txt", method: "GET", expiresIn: "10 minutes" })
    const fetched = yield* Effect.promise(() => fetch(get.url).then((r) => r.text()))
    yield* Console.log(`presigned GET (until ${get.expiresAt.toISOString()}): ${JSON.stringify(fetched)}`)
    const upload = yield* store.presign({ bucket, key: "inbox/from-a-browser.txt", method: "PUT", expiresIn: "10 minutes", contentType: "text/plain" })
    const status = yield* Effect.promise(() => fetch(upload.url, { method: "PUT", headers: upload.headers, body: "hello" }).then((r) => r.status))
    yield* Console.log(`presigned PUT answered ${status}; the store now has ${(yield* store.head({ bucket, key: "inbox/from-a-browser.txt" })).size} bytes there`)

    const stats = yield* store.monitor.stats
    yield* Console.log(`pipeline: ${stats.total_requests} calls, ${stats.successful_requests} succeeded, ${stats.total_retries} retries`)
    Fs.rmSync(dir, { recursive: true, force: true })
  })

// --local: s3rver (which does not check signatures) on a free port for the life of the layer.
const s3rver = Effect.acquireRelease(
  Effect.promise(async () => {
    const directory = Fs.mkdtempSync(Path.join(Os.tmpdir(), "s3rver-"))
    const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory, configureBuckets: [{ name: "demo", configs: [] }] })
    const address = await server.run()
    return { server, directory, url: `http://127.0.0.1:${address.port}` }
  }),
  ({ directory, server }) =>
    Effect.promise(async () => {
      server.httpServer.closeAllConnections()
      await server.close()
      Fs.rmSync(directory, { recursive: true, force: true })
    })
)

const options: S3.Options = { partSize: 5 * MiB }
const storeLayer = local
  ? Layer.unwrap(Effect.map(s3rver, (served) =>
    S3.layer({ ...options, endpoint: served.url, accessKeyId: "S3RVER", secretAccessKey: Redacted.make("S3RVER") })))
  : S3.layerConfig(options)
const bucket = local ? "demo" : process.env["S3_BUCKET"]

if (bucket === undefined) {
  console.error("set S3_BUCKET (and S3_ENDPOINT / S3_REGION / S3_ACCESS_KEY / S3_SECRET_KEY), or run with -- --local")
  process.exitCode = 1
} else {
  program(bucket).pipe(
    Effect.provide(Layer.mergeAll(storeLayer.pipe(Layer.provide(FetchHttpClient.layer)), NodeFileSystem.layer)),
    Effect.catch((error) =>
      Console.error(error.message).pipe(Effect.andThen(Effect.sync(() => (process.exitCode = 1))))
    ),
    Effect.scoped,
    Effect.runPromise
  )
}
