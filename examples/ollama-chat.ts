/**
 * Chat and stream with Ollama: a real one from the environment, or the fake.
 *
 *   npm run example examples/ollama-chat.ts -- --fake                # offline, examples/ollama-fake.ts
 *   OLLAMA_HOST=0.0.0.0:11434 OLLAMA_MODEL=llama3.2 npm run example examples/ollama-chat.ts
 *
 * `OLLAMA_HOST` may be written the way the Ollama server takes it
 * (`0.0.0.0:11434`, `my-box`): it is normalized to `http://127.0.0.1:11434`,
 * `http://my-box:11434`. Without it, `http://localhost:11434` is used.
 */
import { Effect, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Ollama from "../src/providers/ollama/Ollama.ts"
import * as FakeOllama from "./ollama-fake.ts"
import * as ChatDemo from "./support/chatDemo.ts"

const model = process.env["OLLAMA_MODEL"] ?? "llama3.2"

// --fake starts the fake server for the life of the layer.
const backend = process.argv.includes("--fake")
  ? Layer.unwrap(
    Effect.map(
      Effect.acquireRelease(Effect.promise(() => FakeOllama.serve()), (served) => Effect.promise(served.close)),
      (served) => Ollama.layer({ baseUrl: served.url, model })
    )
  )
  : Ollama.layerConfig({ model })

ChatDemo.run(
  backend.pipe(Layer.provide(FetchHttpClient.layer)),
  "Start Ollama (or pass --fake) and set OLLAMA_HOST if it is not on localhost:11434."
)
