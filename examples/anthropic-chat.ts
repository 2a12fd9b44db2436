/**
 * Chat and stream with Claude, configured from the environment.
 *
 *   ANTHROPIC_API_KEY=sk-ant-... npm run example examples/anthropic-chat.ts
 *
 * ANTHROPIC_MODEL picks the model (default claude-haiku-4-5); CLAUDE_API_KEY
 * works too. ANTHROPIC_BASE_URL points it elsewhere, e.g. the fake Claude
 * server in examples/anthropic-fake-server.ts (no key or network needed):
 *
 *   npm run example examples/anthropic-fake-server.ts &    # http://127.0.0.1:8788/v1
 *   ANTHROPIC_API_KEY=anything ANTHROPIC_BASE_URL=http://127.0.0.1:8788/v1 npm run example examples/anthropic-chat.ts
 */
import { Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Anthropic from "../src/providers/anthropic/Anthropic.ts"
import * as ChatDemo from "./support/chatDemo.ts"

ChatDemo.run(
  Anthropic.layerConfig({ model: process.env["ANTHROPIC_MODEL"] ?? "claude-haiku-4-5" }).pipe(Layer.provide(FetchHttpClient.layer)),
  "Set ANTHROPIC_API_KEY (or CLAUDE_API_KEY), and ANTHROPIC_BASE_URL for a local server."
)
