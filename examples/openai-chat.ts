/**
 * Chat and stream with OpenAI, configured from the environment.
 *
 *   OPENAI_API_KEY=sk-... npm run example examples/openai-chat.ts
 *
 * Point it anywhere that speaks the OpenAI API with OPENAI_BASE_URL, e.g. the
 * fake server in examples/support/FakeOpenAi.ts:
 *
 *   npm run example examples/support/FakeOpenAi.ts &       # http://127.0.0.1:8787/v1
 *   OPENAI_API_KEY=anything OPENAI_BASE_URL=http://127.0.0.1:8787/v1 npm run example examples/openai-chat.ts
 */
import { Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import { OpenAi } from "../src/index.ts"
import * as ChatDemo from "./support/chatDemo.ts"

ChatDemo.run(
  OpenAi.layerConfig({ model: process.env["OPENAI_MODEL"] ?? "gpt-4o-mini" }).pipe(Layer.provide(FetchHttpClient.layer)),
  "Set OPENAI_API_KEY (and OPENAI_BASE_URL for a local server)."
)
