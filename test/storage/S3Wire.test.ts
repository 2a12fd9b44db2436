/**
 * The XML documents, parsed and written through effect/encoding's Xml, and
 * S3 error bodies classified into reasons. Bodies here are written by us from
 * the documented S3 formats.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Redacted } from "effect"
import * as LlmError from "../../src/LlmError.ts"
import * as S3Error from "../../src/storage/S3Error.ts"
import * as S3Wire from "../../src/storage/S3Wire.ts"
import * as S3Xml from "../../src/storage/S3Xml.ts"

const page = (inner: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${inner}</ListBucketResult>`

const classify = (status: number, body: string, headers: Record<string, string> = {}) =>
  Effect.gen(function*() {
    const root = yield* Effect.option(S3Xml.parse(body))
    const parsed = root._tag === "Some" ? S3Wire.errorBody(root.value) : undefined
    return S3Error.classify({ status, headers, body: parsed, text: body, bucket: "b" }, 0, [Redacted.make("topsecretvalue")])
  })

const error = (code: string, message = "m") => `<Error><Code>${code}</Code><Message>${message}</Message><RequestId>r1</RequestId></Error>`

describe("S3 XML documents", () => {
  it.effect("a truncated list page with its token, objects and prefixes; entities decoded", () =>
    Effect.gen(function*() {
      const root = yield* S3Xml.parse(page(
        "<Name>b</Name><IsTruncated>true</IsTruncated><NextContinuationToken>t+/=</NextContinuationToken>" +
          "<Contents><Key>a &amp; b &lt;c&gt;.txt</Key><Size>12</Size><ETag>&quot;abc&quot;</ETag>" +
          "<LastModified>2024-01-02T03:04:05.000Z</LastModified><StorageClass>STANDARD</StorageClass></Contents>" +
          "<CommonPrefixes><Prefix>dir/</Prefix></CommonPrefixes>"
      ))
      const parsed = yield* S3Wire.listPage(root)
      assert.deepStrictEqual(parsed, {
        objects: [{ key: "a & b <c>.txt", size: 12, etag: "\"abc\"", lastModified: new Date("2024-01-02T03:04:05.000Z"), storageClass: "STANDARD" }],
        prefixes: ["dir/"],
        nextToken: "t+/="
      })
    }))

  it.effect("a page that says it is truncated but gives no token is an error, not the end", () =>
    Effect.gen(function*() {
      const root = yield* S3Xml.parse(page("<IsTruncated>true</IsTruncated>"))
      const message = yield* Effect.flip(S3Wire.listPage(root))
      assert.include(message, "NextContinuationToken")
      const noFlag = yield* Effect.flip(S3Wire.listPage(yield* S3Xml.parse(page("<Name>b</Name>"))))
      assert.include(noFlag, "IsTruncated")
      const badSize = yield* Effect.flip(S3Wire.listPage(yield* S3Xml.parse(page(
        "<IsTruncated>false</IsTruncated><Contents><Key>k</Key><Size>-1</Size></Contents>"
      ))))
      assert.include(badSize, "Size")
    }))

  it.effect("malformed XML and entity declarations are refused", () =>
    Effect.gen(function*() {
      assert.isString(yield* Effect.flip(S3Xml.parse("<a><b></a>")))
      assert.isString(yield* Effect.flip(S3Xml.parse("<!DOCTYPE x [<!ENTITY e \"boom\">]><x>&e;</x>")))
      assert.isString(yield* Effect.flip(S3Xml.parse("")))
    }))

  it.effect("request bodies are written escaped and read back the same", () =>
    Effect.gen(function*() {
      const keys = ["a&b", "<tag>", "quote\"'", "ünï/日本"]
      const xml = yield* S3Wire.deleteBody(keys)
      assert.isTrue(xml.startsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"))
      const root = yield* S3Xml.parse(xml)
      assert.strictEqual(root.name, "Delete")
      assert.deepStrictEqual(S3Xml.children(root, "Object").map((o) => S3Xml.childText(o, "Key")), keys)
      const complete = yield* S3Xml.parse(yield* S3Wire.completeBody([{ partNumber: 1, etag: "\"e1\"" }, { partNumber: 2, etag: "\"e2\"" }]))
      assert.deepStrictEqual(
        S3Xml.children(complete, "Part").map((p) => [S3Xml.childText(p, "PartNumber"), S3Xml.childText(p, "ETag")]),
        [["1", "\"e1\""], ["2", "\"e2\""]]
      )
    }))

  it.effect("multipart, copy and delete results", () =>
    Effect.gen(function*() {
      assert.strictEqual(
        yield* S3Wire.uploadId(yield* S3Xml.parse("<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>u-1</UploadId></InitiateMultipartUploadResult>")),
        "u-1"
      )
      assert.include(yield* Effect.flip(S3Wire.uploadId(yield* S3Xml.parse("<InitiateMultipartUploadResult/>"))), "UploadId")
      assert.strictEqual(
        yield* S3Wire.resultEtag(yield* S3Xml.parse("<CopyObjectResult><ETag>\"x\"</ETag></CopyObjectResult>"), "CopyObjectResult"),
        "\"x\""
      )
      const deleted = yield* S3Wire.deleteResult(yield* S3Xml.parse(
        "<DeleteResult><Deleted><Key>a</Key></Deleted><Error><Key>b</Key><Code>AccessDenied</Code><Message>no</Message></Error></DeleteResult>"
      ))
      assert.deepStrictEqual(deleted, { deleted: ["a"], errors: [{ key: "b", code: "AccessDenied", message: "no" }] })
    }))
})

describe("S3 errors as reasons", () => {
  const cases: ReadonlyArray<readonly [number, string, LlmError.ReasonTag]> = [
    [404, "NoSuchKey", "NotFound"],
    [404, "NoSuchBucket", "NotFound"],
    [404, "NoSuchUpload", "NotFound"],
    [403, "AccessDenied", "Unauthorized"],
    [403, "SignatureDoesNotMatch", "Unauthorized"],
    [403, "InvalidAccessKeyId", "Unauthorized"],
    [503, "SlowDown", "Overloaded"],
    [500, "InternalError", "ServerError"],
    [400, "RequestTimeout", "Timeout"],
    [405, "MethodNotAllowed", "Unsupported"],
    [501, "NotImplemented", "Unsupported"],
    [400, "EntityTooSmall", "InvalidRequest"],
    [409, "BucketNotEmpty", "InvalidRequest"],
    [412, "PreconditionFailed", "InvalidRequest"],
    [416, "InvalidRange", "InvalidRequest"],
    [403, "RequestTimeTooSkewed", "InvalidRequest"],
    // CompleteMultipartUpload and CopyObject can fail inside a 200.
    [200, "InternalError", "ServerError"]
  ]
  for (const [status, code, tag] of cases) {
    it.effect(`${status} ${code} is ${tag}`, () =>
      Effect.gen(function*() {
        const reason = yield* classify(status, error(code))
        assert.strictEqual(reason._tag, tag)
        assert.include(reason.detail ?? "", code)
      }))
  }

  it.effect("only throttles, server faults and RequestTimeout are retried; no throttle is the pair's fault", () =>
    Effect.gen(function*() {
      const retried = []
      for (const [status, code] of cases) {
        const reason = yield* classify(status, error(code))
        if (LlmError.isRetryable(reason)) retried.push(code)
        if (code === "SlowDown") assert.isFalse(LlmError.isKeyFault(reason))
        if (code === "AccessDenied") assert.isTrue(LlmError.isKeyFault(reason))
      }
      assert.deepStrictEqual(retried, ["SlowDown", "InternalError", "RequestTimeout", "InternalError"])
    }))

  it.effect("bodiless statuses (HEAD) fall back to the status", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* classify(404, ""))._tag, "NotFound")
      assert.strictEqual((yield* classify(403, ""))._tag, "Unauthorized")
      assert.strictEqual((yield* classify(503, ""))._tag, "Overloaded")
      assert.strictEqual((yield* classify(502, "<html>bad gateway</html>"))._tag, "ServerError")
      assert.strictEqual((yield* classify(418, ""))._tag, "InvalidRequest")
    }))

  it.effect("a SlowDown's Retry-After is kept; a secret in the message is scrubbed", () =>
    Effect.gen(function*() {
      const slow = yield* classify(503, error("SlowDown", "slow down"), { "retry-after": "3" })
      assert.deepStrictEqual(slow._tag === "Overloaded" ? slow.retryAfter : undefined, Duration.seconds(3))
      const echoed = yield* classify(403, error("SignatureDoesNotMatch", "secret topsecretvalue was wrong"))
      assert.notInclude(echoed.detail ?? "", "topsecretvalue")
    }))

  it.effect("redirects name the region from x-amz-bucket-region, or say it is unknown", () =>
    Effect.gen(function*() {
      const named = yield* classify(301, error("PermanentRedirect"), { "x-amz-bucket-region": "eu-north-1" })
      assert.strictEqual(named._tag === "InvalidRequest" ? named.field : undefined, "region")
      assert.include(named.detail ?? "", "bucket \"b\" is in region eu-north-1")
      assert.isFalse(LlmError.isRetryable(named))
      const unnamed = yield* classify(307, "")
      assert.include(unnamed.detail ?? "", "without naming the bucket's region")
      const wrongRegion = yield* classify(
        400,
        "<Error><Code>AuthorizationHeaderMalformed</Code><Message>wrong region</Message><Region>ap-east-1</Region></Error>"
      )
      assert.include(wrongRegion.detail ?? "", "ap-east-1")
    }))
})
