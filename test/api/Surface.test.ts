/**
 * The public surface, pinned: every change to what the package exports is
 * deliberate (update these lists in the same commit, and the README).
 * Internals (transport, decoders, the OpenAI-compatible translation) are
 * not exported; tests import them by path.
 */
import { assert, describe, it } from "@effect/vitest"
import type { CallContext, KeyConfig, KeyStats, KeyStrategy, Provider, RecentCall, Snapshot } from "../../src/index.ts"
import * as Index from "../../src/index.ts"
import * as Node from "../../src/node/index.ts"
import * as Testing from "../../src/testing/index.ts"

// The type-only exports: this file does not compile if one goes missing.
export type PublicTypes = [Provider, CallContext, KeyConfig, KeyStats, KeyStrategy, Snapshot, RecentCall]

describe("public API", () => {
  it("the index exports exactly these modules", () => {
    assert.deepStrictEqual(Object.keys(Index).sort(), [
      "Anthropic",
      "BackendConfigError",
      "CacheHit",
      "CacheStore",
      "CallOptions",
      "Chat",
      "ChatChunk",
      "Content",
      "Embedding",
      "Gemini",
      "Groq",
      "LlmBackend",
      "LlmError",
      "Llvm",
      "LlvmApi",
      "Message",
      "Model",
      "Ollama",
      "OllamaApi",
      "OllamaHost",
      "Opea",
      "OpeaApi",
      "OpenAi",
      "Ovms",
      "OvmsApi",
      "OvmsTensor",
      "Pipeline",
      "Policy",
      "PromptGuard",
      "Rerank",
      "Reranker",
      "ResponseCache",
      "ResponseFormat",
      "Router",
      "Tei",
      "TeiApi",
      "Tgi",
      "TgiApi",
      "Tool",
      "Usage"
    ])
  })

  it("internals stay internal", () => {
    for (const name of ["Backend", "ProviderHttp", "EventStream", "RetryAfter", "OpenAiCompat", "Classify"]) {
      assert.notProperty(Index, name)
    }
  })

  it("./node exports the lean undici client and its four ways to build it", () => {
    assert.deepStrictEqual(Object.keys(Node), ["UndiciHttpClient"])
    assert.deepStrictEqual(Object.keys(Node.UndiciHttpClient).sort(), ["layer", "layerNoDispatcher", "layerOptions", "make"])
  })

  it("./testing exports the test doubles", () => {
    assert.deepStrictEqual(Object.keys(Testing).sort(), ["TestBackend", "TestReranker"])
  })

  it("every provider module offers make, makeConfig, layer and layerConfig", () => {
    for (const provider of [Index.OpenAi, Index.Groq, Index.Anthropic, Index.Gemini, Index.Ollama, Index.Tgi, Index.Tei, Index.Ovms, Index.Opea, Index.Llvm]) {
      for (const name of ["make", "makeConfig", "layer", "layerConfig"] as const) {
        assert.isFunction(provider[name], name)
      }
    }
  })

  it("LlmBackend offers tags, layerAs and helpers that take a tag", () => {
    for (const name of ["LlmBackend", "Tag", "layerAs", "chat", "stream", "embed", "models"]) {
      assert.property(Index.LlmBackend, name)
    }
  })
})
