/**
 * The S3 `ObjectStore`: AWS S3, MinIO, Ceph, R2 and other S3-compatible
 * stores, behind the same pipeline as every backend (queue, retry, breaker,
 * key pool of credential pairs, stats as `s3`). Requests are signed with
 * SigV4 (`S3Signer`), addressed path-style or virtual-hosted, and sent on the
 * `HttpClient` in context without following redirects.
 *
 * @example
 * ```ts
 * import { Effect, Layer, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { ObjectStore, S3 } from "effect-llm-backends/s3"
 *
 * const StoreLive = S3.layer({
 *   endpoint: "http://127.0.0.1:9000",
 *   accessKeyId: "minio",
 *   secretAccessKey: Redacted.make("minio-secret")
 * }).pipe(Layer.provide(FetchHttpClient.layer))
 *
 * const program = ObjectStore.ObjectStore.use((store) => store.put({ bucket: "docs", key: "k", body: "hi" }))
 * Effect.provide(program, StoreLive)
 * ```
 *
 * @since 0.1.0
 */
import { type Config, Duration, Effect, Layer, Option, Redacted } from "effect"
import type { HttpClient } from "effect/http"
import { BackendConfigError } from "../BackendConfigError.ts"
import type * as KeyPool from "../pipeline/KeyPool.ts"
import * as Pipeline from "../pipeline/Pipeline.ts"
import * as Policy from "../pipeline/Policy.ts"
import * as Addressing from "./Addressing.ts"
import * as Multipart from "./Multipart.ts"
import * as Objects from "./Objects.ts"
import { ObjectStore, type Service } from "./ObjectStore.ts"
import * as Presign from "./Presign.ts"
import * as S3Config from "./S3Config.ts"
import * as S3Http from "./S3Http.ts"

/**
 * One credential pair; several feed the key pool (chosen per attempt by the
 * policy's `keyStrategy`; a pair S3 refuses is ejected, a throttle never
 * counts against a pair).
 *
 * @since 0.1.0
 */
export interface CredentialPair {
  /** Shown in stats and errors instead of the id (default `pair-1`, `pair-2`, ...). */
  readonly name?: string | undefined
  readonly accessKeyId: string
  readonly secretAccessKey: Redacted.Redacted<string>
  readonly weight?: number | undefined
  readonly maxConcurrent?: number | undefined
  readonly requestsPerMinute?: number | undefined
}

/**
 * @since 0.1.0
 */
export interface Options {
  /** Default `https://s3.<region>.amazonaws.com`. */
  readonly endpoint?: string | undefined
  /** Default `us-east-1`. */
  readonly region?: string | undefined
  /** Path-style addressing. Default: off for AWS endpoints, on for any other. */
  readonly forcePathStyle?: boolean | undefined
  readonly accessKeyId?: string | undefined
  readonly secretAccessKey?: Redacted.Redacted<string> | undefined
  /** Several pairs (instead of `accessKeyId` / `secretAccessKey`). */
  readonly credentials?: ReadonlyArray<CredentialPair> | undefined
  /** Queue, retry, breaker and timeout settings over the defaults. */
  readonly policy?: Policy.Input | undefined
  /** Bytes per multipart part (default 8 MiB, at least `minPartSize`). */
  readonly partSize?: number | undefined
  /** Bodies larger than this are uploaded in parts (default `partSize`). */
  readonly multipartThreshold?: number | undefined
  /** Parts uploaded at once (default 4). */
  readonly uploadConcurrency?: number | undefined
  /**
   * The smallest `partSize` accepted (default 5 MiB, S3's and MinIO's
   * minimum). Lower it only for servers that take smaller parts.
   */
  readonly minPartSize?: number | undefined
  /** Attempt timeout of requests that move a body: put, part, copy, whole get (default 10 minutes). */
  readonly transferTimeout?: Duration.Input | undefined
}

const fail = (setting: string, detail: string) => Effect.fail(new BackendConfigError({ provider: S3Http.PROVIDER, setting, detail }))

const positiveInt = (setting: string, value: number | undefined, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER) =>
  value === undefined
    ? Effect.succeed(fallback)
    : Number.isSafeInteger(value) && value >= min && value <= max
    ? Effect.succeed(value)
    : fail(setting, `an integer from ${min} to ${max}`)

const pairsOf = (options: Options): Effect.Effect<ReadonlyArray<CredentialPair>, BackendConfigError> => {
  if (options.credentials !== undefined) {
    return options.credentials.length === 0 ? fail("credentials", "must list at least one pair") : Effect.succeed(options.credentials)
  }
  const { accessKeyId, secretAccessKey } = options
  if (accessKeyId === undefined && secretAccessKey === undefined) {
    return fail("credentials", "missing: set accessKeyId and secretAccessKey (or credentials)")
  }
  if (accessKeyId === undefined) return fail("accessKeyId", "missing (secretAccessKey is set)")
  if (secretAccessKey === undefined) return fail("secretAccessKey", "missing (accessKeyId is set)")
  return Effect.succeed([{ name: "default", accessKeyId, secretAccessKey }])
}

const keysOf = (pairs: ReadonlyArray<CredentialPair>) =>
  Effect.gen(function*() {
    const keys: Array<KeyPool.KeyConfig> = []
    const ids = new Map<string, string>()
    for (const [i, pair] of pairs.entries()) {
      const at = `credentials.${i}`
      const name = pair.name ?? `pair-${i + 1}`
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) return yield* fail(`${at}.name`, "1-64 letters, digits, '_', '.' or '-'")
      if (ids.has(name)) return yield* fail(`${at}.name`, `duplicate pair name ${JSON.stringify(name)}`)
      if (!/^[\x21-\x7e]{1,128}$/.test(pair.accessKeyId)) return yield* fail(`${at}.accessKeyId`, "1-128 printable characters, no spaces")
      const secret = Redacted.value(pair.secretAccessKey)
      if (secret.trim().length === 0) return yield* fail(`${at}.secretAccessKey`, "must not be empty")
      for (const field of ["weight", "maxConcurrent", "requestsPerMinute"] as const) {
        const value = pair[field]
        if (value !== undefined && !(Number.isFinite(value) && value > 0)) return yield* fail(`${at}.${field}`, "must be a positive number")
      }
      ids.set(name, pair.accessKeyId)
      keys.push({
        name,
        value: pair.secretAccessKey,
        weight: pair.weight,
        maxConcurrent: pair.maxConcurrent,
        requestsPerMinute: pair.requestsPerMinute
      })
    }
    return { keys, ids }
  })

/**
 * Builds the store. Needs an `HttpClient` (e.g. `FetchHttpClient.layer`);
 * bad settings fail here, naming the setting.
 *
 * @since 0.1.0
 */
export const make = (options: Options = {}): Effect.Effect<Service, BackendConfigError, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const region = options.region ?? "us-east-1"
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(region)) return yield* fail("region", `not a region name: ${JSON.stringify(region)}`)
    const endpoint = Addressing.parseEndpoint(options.endpoint ?? Addressing.awsEndpoint(region))
    if (typeof endpoint === "string") return yield* fail("endpoint", endpoint)
    const pathStyle = options.forcePathStyle ?? !Addressing.isAws(endpoint)
    if (!pathStyle && Addressing.needsPathStyle(endpoint)) {
      return yield* fail("forcePathStyle", `${endpoint.hostname} cannot take bucket subdomains; path-style addressing is needed`)
    }
    const { ids, keys } = yield* keysOf(yield* pairsOf(options))
    const minPartSize = yield* positiveInt("minPartSize", options.minPartSize, Multipart.S3_MIN_PART_SIZE)
    const partSize = yield* positiveInt("partSize", options.partSize, Math.max(Multipart.DEFAULT_PART_SIZE, minPartSize), minPartSize, 5 * 1024 ** 3)
    const threshold = yield* positiveInt("multipartThreshold", options.multipartThreshold, partSize, partSize)
    const concurrency = yield* positiveInt("uploadConcurrency", options.uploadConcurrency, Multipart.DEFAULT_CONCURRENCY, 1, 64)
    const transfer = options.transferTimeout === undefined ? Option.some(Objects.defaultTransferTimeout) : Duration.fromInput(options.transferTimeout)
    if (Option.isNone(transfer) || !Duration.isGreaterThan(transfer.value, Duration.zero) || !Duration.isFinite(transfer.value)) {
      return yield* fail("transferTimeout", "a positive, finite duration")
    }
    const policy = yield* Policy.make(S3Http.PROVIDER, options.policy)

    const http = yield* S3Http.make({
      endpoint,
      pathStyle,
      region,
      accessKeyIds: ids,
      secrets: keys.map((k) => k.value),
      maxResponseBytes: policy.maxResponseBytes
    })
    // No chat, stream, embed or models: only the pipeline's entry for extra operations is used.
    const { extras, service } = yield* Pipeline.build({ provider: S3Http.PROVIDER }, { policy, keys })
    const deps: Objects.Deps = { http, extras, transferTimeout: transfer.value }
    const objects = Objects.make(deps)
    const { put } = Multipart.make(objects, deps, { partSize, threshold, concurrency })
    const first = keys[0]!
    const presign = Presign.make({
      endpoint,
      pathStyle,
      region,
      credentials: { accessKeyId: ids.get(first.name)!, secretAccessKey: first.value }
    })
    return ObjectStore.of({
      provider: S3Http.PROVIDER,
      put,
      get: objects.get,
      getStream: objects.getStream,
      head: objects.head,
      delete: objects.delete,
      deleteMany: objects.deleteMany,
      list: objects.list,
      copy: objects.copy,
      presign,
      monitor: service.monitor
    })
  })

/**
 * The store as a layer.
 *
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<ObjectStore, BackendConfigError, HttpClient.HttpClient> =>
  Layer.effect(ObjectStore, make(options))

/**
 * The store configured from the environment (see `S3Config.fromEnvironment`
 * for the variables); `overrides` from code win.
 *
 * @since 0.1.0
 */
export const makeConfig = (
  overrides: Options = {}
): Effect.Effect<Service, BackendConfigError | Config.ConfigError, HttpClient.HttpClient> =>
  Effect.flatMap(S3Config.fromEnvironment(overrides), make)

/**
 * The store from the environment, as a layer.
 *
 * @since 0.1.0
 */
export const layerConfig = (
  overrides: Options = {}
): Layer.Layer<ObjectStore, BackendConfigError | Config.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(ObjectStore, makeConfig(overrides))
