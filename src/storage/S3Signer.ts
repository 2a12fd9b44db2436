/**
 * AWS Signature Version 4 for S3, through AWS's own signer
 * (`@smithy/signature-v4` with the SHA-256 of `@smithy/hash-node`): no
 * crypto of ours. S3 mode: the path is signed exactly as sent (already
 * encoded once, never normalized: `uriEscapePath: false`), and the payload
 * hash is ours to give (`applyChecksum: false`), so it is always the header
 * we send.
 *
 * @since 0.1.0
 */
import { Hash } from "@smithy/hash-node"
import { SignatureV4 } from "@smithy/signature-v4"
import { Effect, Redacted } from "effect"

/**
 * One credential pair. The secret stays `Redacted` until the signer needs it.
 *
 * @since 0.1.0
 */
export interface Credentials {
  readonly accessKeyId: string
  readonly secretAccessKey: Redacted.Redacted<string>
}

/**
 * Where a signature is valid: the region and the service (`s3`).
 *
 * @since 0.1.0
 */
export interface Scope {
  readonly region: string
  readonly service?: string | undefined
}

/**
 * A request to sign. `path` is the encoded path as it goes on the wire;
 * `query` holds decoded values (the signer encodes them canonically).
 *
 * @since 0.1.0
 */
export interface Unsigned {
  readonly method: string
  readonly protocol: "http:" | "https:"
  readonly hostname: string
  readonly port?: number | undefined
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  /** Lower-case names; must include `host`. */
  readonly headers: Readonly<Record<string, string>>
}

/**
 * The payload hash S3 takes in place of a body hash when the body is not
 * known at signing time (presigned URLs).
 *
 * @since 0.1.0
 */
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"

const Sha256 = Hash.bind(null, "sha256")

/**
 * The hex SHA-256 of a body (of the empty body when absent).
 *
 * @since 0.1.0
 */
export const payloadHash = (body: Uint8Array | undefined): Effect.Effect<string> =>
  Effect.promise(async () => {
    const hash = new Sha256()
    hash.update(body ?? new Uint8Array(0))
    return Buffer.from(await hash.digest()).toString("hex")
  })

const signer = (credentials: Credentials, scope: Scope) =>
  new SignatureV4({
    service: scope.service ?? "s3",
    region: scope.region,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: Redacted.value(credentials.secretAccessKey) },
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false
  })

const toSmithy = (request: Unsigned) => ({
  method: request.method,
  protocol: request.protocol,
  hostname: request.hostname,
  ...(request.port === undefined ? {} : { port: request.port }),
  path: request.path,
  query: { ...request.query },
  headers: { ...request.headers }
})

/**
 * The headers to send: the request's own plus `x-amz-date` and
 * `authorization`. The caller sets `x-amz-content-sha256` itself (the
 * payload hash, or {@link UNSIGNED_PAYLOAD}); requests without it are signed
 * over the empty body's hash, as generic SigV4 does.
 *
 * @since 0.1.0
 */
export const sign = (
  request: Unsigned,
  credentials: Credentials,
  scope: Scope,
  date: Date
): Effect.Effect<Readonly<Record<string, string>>> =>
  Effect.map(
    // The signer only rejects malformed credentials, which the layer checked.
    Effect.promise(() => signer(credentials, scope).sign(toSmithy(request), { signingDate: date })),
    (signed) => signed.headers as Record<string, string>
  )

/**
 * The query of a presigned URL (the request's own parameters plus the
 * `X-Amz-*` signature fields). Signed headers are `host` and whatever the
 * request carries (e.g. `content-type` for a PUT the client must send as
 * given); the payload is {@link UNSIGNED_PAYLOAD}.
 *
 * @since 0.1.0
 */
export const presign = (
  request: Unsigned,
  credentials: Credentials,
  scope: Scope,
  date: Date,
  expiresInSeconds: number
): Effect.Effect<Readonly<Record<string, string>>> =>
  Effect.map(
    Effect.promise(() =>
      signer(credentials, scope).presign(
        { ...toSmithy(request), headers: { ...request.headers, "x-amz-content-sha256": UNSIGNED_PAYLOAD } },
        {
          signingDate: date,
          expiresIn: expiresInSeconds,
          // The hash header only tells the signer the payload is unsigned: it is neither
          // hoisted into the query nor signed, so a plain client need not send it.
          unhoistableHeaders: new Set(["x-amz-content-sha256"]),
          unsignableHeaders: new Set(["x-amz-content-sha256"])
        }
      )
    ),
    (signed) => {
      const query: Record<string, string> = {}
      for (const [name, value] of Object.entries(signed.query ?? {})) {
        if (typeof value === "string") query[name] = value
      }
      return query
    }
  )
