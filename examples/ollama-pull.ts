/**
 * Pull a model with Ollama and draw its download progress, one bar per layer.
 *
 *   npm run example examples/ollama-pull.ts -- --fake              # offline, against examples/ollama-fake.ts
 *   npm run example examples/ollama-pull.ts -- --fake missing-model  # Ollama's in-stream error
 *   OLLAMA_HOST=127.0.0.1:11434 npm run example examples/ollama-pull.ts -- llama3.2
 *
 * The pull is an `OllamaApi` extra: a direct call that streams progress, not
 * run through the retry/timeout pipeline (a multi-gigabyte download would
 * trip its per-attempt timeout). A pull that ends without `success` fails.
 */
import { Console, Effect, Layer, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Ollama from "../src/providers/ollama/Ollama.ts"
import { OllamaApi, type PullProgress } from "../src/providers/ollama/OllamaApi.ts"
import * as FakeOllama from "./ollama-fake.ts"

const args = process.argv.slice(2)
const fake = args.includes("--fake")
const model = args.find((arg) => !arg.startsWith("--")) ?? "llama3.2"
const tty = process.stdout.isTTY === true

const size = (bytes: number) =>
  bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GB` : bytes >= 1024 ** 2 ? `${(bytes / 1024 ** 2).toFixed(1)} MB` : `${Math.round(bytes / 1024)} KB`

const bar = (fraction: number, width = 30) => {
  const full = Math.round(fraction * width)
  return `${"█".repeat(full)}${"░".repeat(width - full)}`
}

/** Draws events: a bar redrawn in place per layer, other statuses on their own line. */
const makeDrawer = () => {
  let current: string | undefined // the layer whose bar was drawn last
  let lastPercent = -1
  let open = false // a bar line waiting for its newline (terminal only)
  const endLine = () => {
    if (open) process.stdout.write("\n")
    open = false
  }
  return {
    draw: (event: PullProgress) => {
      const fraction = event.fraction
      if (event.digest === undefined || event.total === undefined || fraction === undefined) {
        endLine()
        current = undefined
        process.stdout.write(`${event.status}\n`)
        return
      }
      if (current !== event.digest) {
        endLine()
        current = event.digest
        lastPercent = -1
      }
      const percent = Math.floor(fraction * 100)
      // Without a terminal, print a line per 25% instead of redrawing one.
      if (!tty && lastPercent >= 0 && Math.floor(percent / 25) === Math.floor(lastPercent / 25)) return
      lastPercent = percent
      const line = `${event.status.padEnd(22)} ${bar(fraction)} ${String(percent).padStart(3)}%  ${size(event.completed ?? 0)} / ${
        size(event.total)
      }`
      process.stdout.write(tty ? `\r${line}` : `${line}\n`)
      open = tty
    },
    end: endLine
  }
}

const program = Effect.gen(function*() {
  const ollama = yield* OllamaApi
  yield* Console.log(`pulling ${model} from ${fake ? "the fake Ollama" : process.env["OLLAMA_HOST"] ?? "http://localhost:11434"}`)
  const drawer = makeDrawer()
  yield* ollama.pull(model).pipe(
    Stream.runForEach((event) => Effect.sync(() => drawer.draw(event))),
    Effect.ensuring(Effect.sync(drawer.end))
  )
  yield* Console.log(`done: ${yield* ollama.version()} has ${model}`)
})

// --fake starts the fake server for the life of the layer.
const api = fake
  ? Layer.unwrap(
    Effect.map(
      Effect.acquireRelease(Effect.promise(() => FakeOllama.serve({ pullStepMs: 40 })), (served) => Effect.promise(served.close)),
      (served) => Ollama.layerApi({ baseUrl: served.url })
    )
  )
  : Ollama.layerApiConfig()

program.pipe(
  Effect.provide(api.pipe(Layer.provide(FetchHttpClient.layer))),
  Effect.catch((error) =>
    Console.error(error._tag === "LlmError" ? `pull failed: ${error.message}` : error.message).pipe(
      Effect.andThen(Effect.sync(() => (process.exitCode = 1)))
    )
  ),
  Effect.runPromise
)
