/**
 * Chat and stream with Gemini, configured from the environment.
 *
 *   GEMINI_API_KEY=AIza... npm run example examples/gemini-chat.ts
 *
 * GOOGLE_API_KEY works too; GEMINI_MODEL picks the model (default
 * gemini-2.0-flash) and GEMINI_BASE_URL points it at another server speaking
 * the Gemini v1beta API (e.g. a local proxy; no Gemini fake ships with the
 * examples, the tests have their own):
 *
 *   GEMINI_API_KEY=... GEMINI_BASE_URL=http://127.0.0.1:<port>/v1beta npm run example examples/gemini-chat.ts
 *
 * Without a key it says which variables to set and exits with status 1.
 */
import { Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Gemini from "../src/providers/gemini/Gemini.ts"
import * as ChatDemo from "./support/chatDemo.ts"

ChatDemo.run(
  Gemini.layerConfig({ model: process.env["GEMINI_MODEL"] ?? "gemini-2.0-flash" }).pipe(Layer.provide(FetchHttpClient.layer)),
  "Set GEMINI_API_KEY or GOOGLE_API_KEY (and GEMINI_BASE_URL for a local server)."
)
