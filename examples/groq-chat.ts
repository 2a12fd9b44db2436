/**
 * Chat and stream with Groq, configured from the environment.
 *
 *   GROQ_API_KEY=gsk_... npm run example examples/groq-chat.ts
 *
 * GROQ_BASE_URL points it elsewhere, e.g. the fake OpenAI-compatible server:
 *
 *   npm run example examples/support/FakeOpenAi.ts &
 *   GROQ_API_KEY=anything GROQ_BASE_URL=http://127.0.0.1:8787/v1 npm run example examples/groq-chat.ts
 */
import { Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Groq from "../src/providers/groq/Groq.ts"
import * as ChatDemo from "./support/chatDemo.ts"

ChatDemo.run(
  Groq.layerConfig({ model: process.env["GROQ_MODEL"] ?? "llama-3.3-70b-versatile" }).pipe(Layer.provide(FetchHttpClient.layer)),
  "Set GROQ_API_KEY (and GROQ_BASE_URL for a local server)."
)
