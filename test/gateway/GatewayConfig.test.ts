/**
 * The gateway's config file: every bad key fails at start-up naming the file
 * key; provider keys are never inline (not under `options` either); client
 * and admin keys are stored as hashes only.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { hashKey } from "../../src/gateway/Clients.ts"
import * as GatewayConfig from "../../src/gateway/GatewayConfig.ts"

const hash = hashKey("client-key")
const backend = { name: "up", provider: "openai", apiKeyEnv: "UP_KEY" }
const base = { clients: [{ name: "team", keyHash: hash }], backends: [backend] }

const failure = (json: unknown) =>
  Effect.map(Effect.flip(GatewayConfig.fromJson(json)), (error) => {
    assert.strictEqual(error._tag, "BackendConfigError")
    return [error.setting, error.detail] as const
  })
const setting = (json: unknown) => Effect.map(failure(json), ([s]) => s)

describe("GatewayConfig.fromJson", () => {
  it.effect("a complete config is accepted as written", () =>
    Effect.gen(function*() {
      const json = {
        listen: { host: "127.0.0.1", port: 0 },
        limits: { maxBodyBytes: 1024, maxHeaderBytes: 2048, maxConnections: 8, headersTimeoutMs: 1000, shutdownGraceMs: 500 },
        cors: { origins: ["https://app.test"] },
        admin: { keyHash: hashKey("admin") },
        clients: [{ name: "team", keyHash: hash, priority: "high", requestsPerMinute: 60, maxConcurrent: 2 }],
        backends: [backend, { name: "local", provider: "ollama", baseUrl: "http://127.0.0.1:1", apiKeyFile: "/run/k", model: "m", prefill: true, contextWindow: 8, weight: 2, policy: { max_retries: 1 }, options: { think: false } }],
        routes: [{ match: "smart", targets: ["up", "local:other", { target: "local", model: "x" }], buffer: true }],
        router: { strategy: "fallback", retriesBeforeFallback: 0, timeoutMs: 100 },
        accessLog: false
      }
      assert.deepStrictEqual<unknown>(yield* GatewayConfig.fromJson(json), json)
    }))

  it.effect("every shape error names its file key", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        [5, "(root)"],
        [{ ...base, extra: 1 }, "extra"],
        [{ ...base, listen: { port: 70000 } }, "listen.port"],
        [{ ...base, listen: { host: 1 } }, "listen.host"],
        [{ ...base, limits: { maxBodyBytes: 0 } }, "limits.maxBodyBytes"],
        [{ ...base, limits: { maxHeaderBytes: -1 } }, "limits.maxHeaderBytes"],
        [{ ...base, limits: { maxConnections: 1.5 } }, "limits.maxConnections"],
        [{ ...base, limits: { headersTimeoutMs: "1s" } }, "limits.headersTimeoutMs"],
        [{ ...base, limits: { shutdownGraceMs: 0 } }, "limits.shutdownGraceMs"],
        [{ ...base, cors: { origins: [""] } }, "cors.origins.0"],
        [{ ...base, clients: [{ name: "has space", keyHash: hash }] }, "clients.0.name"],
        [{ ...base, clients: [{ name: "team", keyHash: hash, priority: "urgent" }] }, "clients.0.priority"],
        [{ ...base, clients: [{ name: "team", keyHash: hash, requestsPerMinute: 0 }] }, "clients.0.requestsPerMinute"],
        [{ ...base, clients: [{ name: "team", keyHash: hash, maxConcurrent: -2 }] }, "clients.0.maxConcurrent"],
        [{ backends: [backend], allowAnonymous: "yes" }, "allowAnonymous"],
        [{ clients: base.clients }, "backends"],
        [{ ...base, backends: [{ ...backend, name: "" }] }, "backends.0.name"],
        [{ ...base, backends: [{ ...backend, provider: 1 }] }, "backends.0.provider"],
        [{ ...base, backends: [{ ...backend, baseUrl: 1 }] }, "backends.0.baseUrl"],
        [{ ...base, backends: [{ ...backend, apiKeyEnv: 1 }] }, "backends.0.apiKeyEnv"],
        [{ ...base, backends: [{ ...backend, model: 1 }] }, "backends.0.model"],
        [{ ...base, backends: [{ ...backend, embeddingModel: 1 }] }, "backends.0.embeddingModel"],
        [{ ...base, backends: [{ ...backend, prefill: "no" }] }, "backends.0.prefill"],
        [{ ...base, backends: [{ ...backend, contextWindow: 0 }] }, "backends.0.contextWindow"],
        [{ ...base, backends: [{ ...backend, weight: 0 }] }, "backends.0.weight"],
        [{ ...base, backends: [{ ...backend, policy: 3 }] }, "backends.0.policy"],
        [{ ...base, backends: [{ ...backend, options: [] }] }, "backends.0.options"],
        [{ ...base, routes: [{ match: "", targets: ["up"] }] }, "routes.0.match"],
        [{ ...base, routes: [{ match: "m", targets: [1] }] }, "routes.0.targets.0"],
        [{ ...base, routes: [{ match: "m", targets: ["up"], buffer: 1 }] }, "routes.0.buffer"],
        [{ ...base, router: { strategy: "random" } }, "router.strategy"],
        [{ ...base, router: { retriesBeforeFallback: -1 } }, "router.retriesBeforeFallback"],
        [{ ...base, router: { timeoutMs: 0 } }, "router.timeoutMs"],
        [{ ...base, rerank: { backend: "has space" } }, "rerank.backend"],
        [{ ...base, accessLog: "no" }, "accessLog"]
      ]
      for (const [json, key] of cases) assert.strictEqual(yield* setting(json), key, JSON.stringify(json))
    }))

  it.effect("cross references name the entry that breaks them", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* failure({ ...base, backends: [] }), ["backends", "at least one backend is required"])
      assert.strictEqual(yield* setting({ ...base, backends: [backend, { ...backend, provider: "groq" }] }), "backends.1.name")
      assert.strictEqual(yield* setting({ ...base, backends: [{ ...backend, apiKeyFile: "/k" }] }), "backends.0.apiKeyFile")
      assert.strictEqual(yield* setting({ ...base, routes: [{ match: "m", targets: [] }] }), "routes.0.targets")
      assert.deepStrictEqual(yield* failure({ ...base, routes: [{ match: "m", targets: ["up", "nope:model"] }] }), ["routes.0.targets.1", "no backend named \"nope\""])
      assert.strictEqual(yield* setting({ ...base, routes: [{ match: "m", targets: [{ target: "nope" }] }] }), "routes.0.targets.0")
      assert.strictEqual(yield* setting({ ...base, rerank: { backend: "nope" } }), "rerank.backend")
      assert.strictEqual(yield* setting({ ...base, clients: [{ name: "a", keyHash: hash }, { name: "a", keyHash: hashKey("other") }] }), "clients.1.name")
      assert.strictEqual(yield* setting({ ...base, clients: [{ name: "a", keyHash: hash }, { name: "b", keyHash: hash }] }), "clients.1.keyHash")
      assert.strictEqual(yield* setting({ backends: [backend] }), "clients", "no client keys without allowAnonymous")
      assert.isTrue((yield* GatewayConfig.fromJson({ backends: [backend], allowAnonymous: true })).allowAnonymous)
    }))

  it.effect("provider keys are never inline: apiKey, apiKeys, or a secret under options", () =>
    Effect.gen(function*() {
      const never = "provider keys are never inline: use apiKeyEnv or apiKeyFile"
      assert.deepStrictEqual(yield* failure({ ...base, backends: [{ name: "up", provider: "openai", apiKey: "sk-inline" }] }), ["backends.0.apiKey", never])
      assert.deepStrictEqual(yield* failure({ ...base, backends: [{ name: "up", provider: "openai", apiKeys: ["sk-a", "sk-b"] }] }), ["backends.0.apiKeys", never])
      assert.deepStrictEqual(yield* failure({ ...base, backends: [{ ...backend, options: { apiKey: "sk-inline" } }] }), ["backends.0.options.apiKey", never])
      assert.deepStrictEqual(yield* failure({ ...base, backends: [{ ...backend, options: { rerankApiKey: "sk-inline" } }] }), ["backends.0.options.rerankApiKey", never])
      assert.strictEqual(yield* setting({ ...base, backends: [{ ...backend, options: { clientSecret: "s" } }] }), "backends.0.options.clientSecret")
      const [, detail] = yield* failure({ ...base, backends: [{ name: "up", provider: "openai", apiKey: "sk-inline" }] })
      assert.notInclude(detail, "sk-inline", "the refused key is not repeated back")
    }))

  it.effect("client and admin keys are hashes only", () =>
    Effect.gen(function*() {
      const hashes = "gateway keys are stored as hashes only: give keyHash (the hash-key command prints it)"
      assert.deepStrictEqual(yield* failure({ ...base, clients: [{ name: "team", key: "client-key" }] }), ["clients.0.key", hashes])
      assert.deepStrictEqual(yield* failure({ ...base, clients: [{ name: "team", keyHash: hash, key: "client-key" }] }), ["clients.0.key", hashes])
      assert.deepStrictEqual(yield* failure({ ...base, admin: { key: "admin" } }), ["admin.key", hashes])
      for (const bad of ["client-key", "sha256:" + "A".repeat(64), "sha256:abc", "md5:" + "0".repeat(32), hash.slice("sha256:".length)]) {
        assert.strictEqual(yield* setting({ ...base, clients: [{ name: "team", keyHash: bad }] }), "clients.0.keyHash", bad)
        assert.strictEqual(yield* setting({ ...base, admin: { keyHash: bad } }), "admin.keyHash", bad)
      }
      assert.match(hash, /^sha256:[0-9a-f]{64}$/)
    }))
})

describe("GatewayConfig.load", () => {
  const dir = mkdtempSync(join(tmpdir(), "gw-config-"))

  it.effect("reads and validates a file; a missing or non-JSON file names the config file", () =>
    Effect.gen(function*() {
      const good = join(dir, "good.json")
      writeFileSync(good, JSON.stringify(base))
      assert.deepStrictEqual<unknown>(yield* GatewayConfig.load(good), base)
      const broken = join(dir, "broken.json")
      writeFileSync(broken, "{ not json")
      assert.strictEqual((yield* Effect.flip(GatewayConfig.load(broken))).setting, "config file")
      assert.strictEqual((yield* Effect.flip(GatewayConfig.load(join(dir, "absent.json")))).setting, "config file")
      const invalid = join(dir, "invalid.json")
      writeFileSync(invalid, JSON.stringify({ ...base, listen: { port: -1 } }))
      assert.strictEqual((yield* Effect.flip(GatewayConfig.load(invalid))).setting, "listen.port")
    }))
})
