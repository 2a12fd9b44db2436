/**
 * Presigned GET and PUT URLs: computed locally with the first credential
 * pair (no request, so not a pipeline call), valid from now for
 * `expiresIn` (1 s to 7 days). The URL carries only what S3 needs: the
 * access key id in the credential scope and the signature, never the secret.
 * The payload is `UNSIGNED-PAYLOAD`, so a plain client sends any body; a
 * `contentType` is signed and must be sent as given.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, Option } from "effect"
import type * as LlmError from "../LlmError.ts"
import * as Addressing from "./Addressing.ts"
import type * as ObjectStore from "./ObjectStore.ts"
import * as Request from "./Request.ts"
import * as S3Signer from "./S3Signer.ts"

/**
 * @since 0.1.0
 */
export interface Settings {
  readonly endpoint: Addressing.Endpoint
  readonly pathStyle: boolean
  readonly region: string
  readonly credentials: S3Signer.Credentials
}

/** S3's longest presigned validity. @since 0.1.0 */
export const MAX_EXPIRY_SECONDS = 7 * 24 * 60 * 60

/**
 * Builds `presign`.
 *
 * @since 0.1.0
 */
export const make = (settings: Settings) => (request: ObjectStore.PresignRequest): Effect.Effect<ObjectStore.Presigned, LlmError.LlmError> =>
  Effect.gen(function*() {
    yield* Request.checkObject(request)
    const expires = Duration.fromInput(request.expiresIn)
    const seconds = Option.isSome(expires) ? Duration.toSeconds(expires.value) : Number.NaN
    if (!(Number.isInteger(seconds) && seconds >= 1 && seconds <= MAX_EXPIRY_SECONDS)) {
      return yield* Effect.fail(Request.invalid("expiresIn", `whole seconds from 1 to ${MAX_EXPIRY_SECONDS} (7 days)`))
    }
    const headers: Record<string, string> = {}
    if (request.contentType !== undefined) {
      yield* Request.objectHeaders({ contentType: request.contentType })
      headers["content-type"] = request.contentType
    }
    const target = Addressing.target(settings.endpoint, settings.pathStyle, request.bucket, request.key)
    const now = yield* Clock.currentTimeMillis
    const query = yield* S3Signer.presign(
      {
        method: request.method,
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        path: target.path,
        query: {},
        headers: { ...headers, host: target.host }
      },
      settings.credentials,
      { region: settings.region },
      new Date(now),
      seconds
    )
    return {
      url: Addressing.url(target, query),
      method: request.method,
      expiresAt: new Date(now + seconds * 1000),
      headers
    }
  })
