/**
 * Configuration: from code and from the environment (S3_* with the AWS
 * names as fallbacks), failing at build naming the setting or variable, never
 * with placeholder credentials; and the addressing each setting implies,
 * seen by a recording HttpClient.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Layer, Redacted } from "effect"
import { FetchHttpClient, HttpClient, HttpClientResponse } from "effect/http"
import type { BackendConfigError } from "../../src/BackendConfigError.ts"
import * as S3 from "../../src/storage/S3.ts"
import * as ObjectStore from "../../src/storage/ObjectStore.ts"

interface Sent {
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly redirect: string | undefined
}

const recording = () => {
  const sent: Array<Sent> = []
  const layer = Layer.succeed(HttpClient.HttpClient)(
    HttpClient.make((request, url, _signal, fiber) =>
      Effect.sync(() => {
        const init = Context.getOrUndefined(fiber.context, FetchHttpClient.RequestInit)
        sent.push({ url: url.toString(), headers: request.headers, redirect: init?.redirect })
        return HttpClientResponse.fromWeb(request, new Response("", { status: 200, headers: { etag: "\"e\"" } }))
      })
    )
  )
  return { sent, layer }
}

const fromEnv = (env: Record<string, string>, overrides: S3.Options = {}) => {
  const http = recording()
  const build = S3.makeConfig(overrides).pipe(
    Effect.provide(http.layer),
    Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env })))
  )
  return { build, sent: http.sent }
}

const settingOf = (error: unknown) => (error as BackendConfigError).setting
const put = (store: ObjectStore.Service) => store.put({ bucket: "kit", key: "a b/c", body: "x" })

describe("S3 configuration", () => {
  it.effect("missing credentials fail the build naming every variable that would do", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(fromEnv({}).build)
      assert.strictEqual(settingOf(error), "credentials")
      for (const name of ["S3_ACCESS_KEY", "S3_SECRET_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "S3_CREDENTIALS"]) {
        assert.include(error.message, name)
      }
      const half = yield* Effect.flip(fromEnv({ S3_ACCESS_KEY: "AKIA1" }).build)
      assert.strictEqual(settingOf(half), "secretAccessKey")
      assert.include(half.message, "S3_SECRET_KEY")
      const code = yield* Effect.flip(S3.make({ accessKeyId: "AKIA1" }).pipe(Effect.provide(recording().layer)))
      assert.strictEqual(settingOf(code), "secretAccessKey")
    }))

  it.effect("S3_* variables, AWS names as fallbacks, region us-east-1 by default, virtual-hosted on AWS", () =>
    Effect.gen(function*() {
      const aws = fromEnv({ AWS_ACCESS_KEY_ID: "AKIAAWS", AWS_SECRET_ACCESS_KEY: "aws-secret-value" })
      yield* put(yield* aws.build)
      assert.strictEqual(aws.sent[0]?.url, "https://kit.s3.us-east-1.amazonaws.com/a%20b/c")
      assert.match(aws.sent[0]?.headers["authorization"] ?? "", /Credential=AKIAAWS\/\d{8}\/us-east-1\/s3\//)
      assert.strictEqual(aws.sent[0]?.redirect, "manual", "redirects are never followed")

      const regional = fromEnv({ S3_ACCESS_KEY: "AKIAS3", S3_SECRET_KEY: "s3-secret-value", AWS_ACCESS_KEY_ID: "IGNORED", AWS_REGION: "eu-west-3" })
      yield* put(yield* regional.build)
      assert.strictEqual(regional.sent[0]?.url, "https://kit.s3.eu-west-3.amazonaws.com/a%20b/c")
      assert.match(regional.sent[0]?.headers["authorization"] ?? "", /Credential=AKIAS3\/\d{8}\/eu-west-3\//)

      const custom = fromEnv({
        S3_ACCESS_KEY: "minio",
        S3_SECRET_KEY: "minio-secret",
        AWS_ENDPOINT_URL_S3: "https://storage.example.com:9443/s3",
        S3_REGION: "garage"
      })
      yield* put(yield* custom.build)
      assert.strictEqual(custom.sent[0]?.url, "https://storage.example.com:9443/s3/kit/a%20b/c", "custom endpoints are path-style")

      const dotted = yield* Effect.flip((yield* fromEnv({ S3_ACCESS_KEY: "a", S3_SECRET_KEY: "secret-value" }).build).put({
        bucket: "my.dotted.bucket",
        key: "k",
        body: "x"
      }))
      assert.strictEqual(dotted.reason._tag === "InvalidRequest" ? dotted.reason.field : undefined, "bucket")

      const vhost = fromEnv({ S3_ACCESS_KEY: "r2", S3_SECRET_KEY: "r2-secret-value", S3_ENDPOINT: "https://acct.r2.example.com", S3_FORCE_PATH_STYLE: "false" })
      yield* put(yield* vhost.build)
      assert.strictEqual(vhost.sent[0]?.url, "https://kit.acct.r2.example.com/a%20b/c")
    }))

  it.effect("S3_CREDENTIALS feeds several pairs to the key pool; a bad entry names its position only", () =>
    Effect.gen(function*() {
      const two = fromEnv({ S3_CREDENTIALS: "first:AKIAONE:secret-one-value, second:AKIATWO:secret-two-value", S3_ENDPOINT: "http://127.0.0.1:9000" })
      const store = yield* two.build
      yield* put(store)
      yield* put(store)
      assert.deepStrictEqual(two.sent.map((s) => /Credential=(\w+)\//.exec(s.headers["authorization"] ?? "")?.[1]), ["AKIAONE", "AKIATWO"])
      assert.deepStrictEqual((yield* store.monitor.stats).keys.map((k) => k.name), ["first", "second"])
      const bad = yield* Effect.flip(fromEnv({ S3_CREDENTIALS: "first:AKIAONE:secret-one-value,only-two:fields-secretvalue" }).build)
      assert.strictEqual(settingOf(bad), "S3_CREDENTIALS")
      assert.include(bad.message, "entry 2")
      assert.notInclude(bad.message, "secretvalue")
    }))

  it.effect("bad settings fail naming them; overrides from code win over the environment", () =>
    Effect.gen(function*() {
      const creds = { accessKeyId: "AKIA1", secretAccessKey: Redacted.make("secret-value-1") }
      const build = (options: S3.Options) => Effect.flip(S3.make({ ...creds, ...options }).pipe(Effect.provide(recording().layer)))
      assert.strictEqual(settingOf(yield* build({ endpoint: "ftp://x" })), "endpoint")
      assert.strictEqual(settingOf(yield* build({ endpoint: "http://user:pw@host" })), "endpoint")
      assert.strictEqual(settingOf(yield* build({ endpoint: "http://127.0.0.1:9000", forcePathStyle: false })), "forcePathStyle")
      assert.strictEqual(settingOf(yield* build({ region: "Not A Region" })), "region")
      assert.strictEqual(settingOf(yield* build({ partSize: 1024 })), "partSize")
      assert.strictEqual(settingOf(yield* build({ partSize: 6 * 1024 * 1024, multipartThreshold: 5 * 1024 * 1024 })), "multipartThreshold")
      assert.strictEqual(settingOf(yield* build({ uploadConcurrency: 0 })), "uploadConcurrency")
      assert.strictEqual(settingOf(yield* build({ transferTimeout: "soon" as never })), "transferTimeout")
      assert.strictEqual(settingOf(yield* build({ credentials: [] })), "credentials")
      assert.strictEqual(settingOf(yield* build({ credentials: [{ ...creds, name: "a" }, { ...creds, name: "a" }] })), "credentials.1.name")

      const badPolicy = yield* Effect.flip(fromEnv({ ...{ S3_ACCESS_KEY: "a", S3_SECRET_KEY: "secret-value" }, S3_MAX_RETRIES: "-1" }).build)
      assert.strictEqual(settingOf(badPolicy), "S3_MAX_RETRIES")

      const overridden = fromEnv({ S3_ACCESS_KEY: "FROMENV", S3_SECRET_KEY: "env-secret-value", S3_REGION: "eu-west-1" }, {
        ...creds,
        region: "us-west-2"
      })
      yield* put(yield* overridden.build)
      assert.match(overridden.sent[0]?.headers["authorization"] ?? "", /Credential=AKIA1\/\d{8}\/us-west-2\//)
    }))

  it.effect("the layer provides the ObjectStore service", () =>
    Effect.gen(function*() {
      const http = recording()
      const store = yield* ObjectStore.ObjectStore.pipe(
        Effect.provide(S3.layer({ accessKeyId: "AKIA1", secretAccessKey: Redacted.make("secret-value-1"), endpoint: "http://localhost:9000" })),
        Effect.provide(http.layer)
      )
      assert.strictEqual(store.provider, "s3")
      yield* put(store)
      assert.strictEqual(http.sent[0]?.url, "http://localhost:9000/kit/a%20b/c")
    }))
})
