/** Files up and down through s3rver on the real file system. */
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Files from "../../src/storage/Files.ts"
import * as ObjectStore from "../../src/storage/ObjectStore.ts"
import * as S3rver from "./support/S3rver.ts"

const tempDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "s3-files-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
)

describe("Files", () => {
  it.live("uploads a file in parts with progress against its size, and downloads it back", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* S3rver.start(["kit"])
      const store = yield* S3rver.store(server.url, { partSize: 64 * 1024 })
      const dir = yield* tempDir
      const source = Path.join(dir, "source.bin")
      const body = S3rver.bytes(200_000, 5)
      Fs.writeFileSync(source, body)
      const progress: Array<number> = []
      const layer = Layer.merge(Layer.succeed(ObjectStore.ObjectStore)(store), NodeFileSystem.layer)
      const result = yield* Files.upload({
        file: source,
        bucket: "kit",
        key: "files/source.bin",
        onProgress: (p) => Effect.sync(() => progress.push(p.loaded / (p.total ?? Number.NaN)))
      }).pipe(Effect.provide(layer))
      assert.strictEqual(result.multipart, true)
      assert.strictEqual(progress.at(-1), 1)
      const target = Path.join(dir, "target.bin")
      const written = yield* Files.download({ bucket: "kit", key: "files/source.bin", file: target }).pipe(Effect.provide(layer))
      assert.strictEqual(written, body.length)
      assert.deepStrictEqual(new Uint8Array(Fs.readFileSync(target)), body)
      // A failed download leaves neither the target nor a temporary file.
      const missing = yield* Effect.flip(Files.download({ bucket: "kit", key: "absent", file: Path.join(dir, "absent.bin") }).pipe(Effect.provide(layer)))
      assert.strictEqual(missing._tag === "LlmError" ? missing.reason._tag : missing._tag, "NotFound")
      assert.deepStrictEqual(Fs.readdirSync(dir).sort(), ["source.bin", "target.bin"])
    })))
})
