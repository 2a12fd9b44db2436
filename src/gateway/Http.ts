/**
 * The small HTTP pieces every route shares: JSON answers, OpenAI-shaped
 * errors (from an `LlmError` or from the gateway's own `Rejection`), request
 * ids, reading a size-capped JSON body and CORS.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { type HttpServerRequest, HttpServerResponse } from "effect/http"
import { randomBytes } from "node:crypto"
import type * as LlmError from "../LlmError.ts"
import { Rejection } from "./Clients.ts"
import * as OpenAiWire from "./OpenAiWire.ts"

/**
 * A JSON response (serialised once, sent with its length).
 *
 * @since 0.1.0
 */
export const json = (status: number, body: unknown, headers: Readonly<Record<string, string>> = {}) =>
  HttpServerResponse.text(JSON.stringify(body), { status, headers, contentType: "application/json" })

/**
 * An `LlmError` as OpenAI's error response.
 *
 * @since 0.1.0
 */
export const fromLlmError = (error: LlmError.LlmError) => {
  const { body, headers, status } = OpenAiWire.errorResponse(error)
  return json(status, body, headers)
}

/**
 * A `Rejection` as OpenAI's error response.
 *
 * @since 0.1.0
 */
export const fromRejection = (rejection: Rejection) =>
  json(
    rejection.status,
    { error: { message: rejection.message, type: rejection.type, param: rejection.param ?? null, code: rejection.code } },
    rejection.retryAfterSeconds === undefined ? {} : { "retry-after": String(rejection.retryAfterSeconds) }
  )

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/
// Fresh ids: a random prefix per process and a counter, unique without a
// call into the random source on every request (ids are names, not secrets).
const idPrefix = `gw-${randomBytes(6).toString("base64url").replace(/[-_]/g, "x")}-`
let idCount = 0

/**
 * The caller's `x-request-id` when it is a safe token, else a fresh one.
 *
 * @since 0.1.0
 */
export const requestId = (given: string | undefined): string =>
  given !== undefined && REQUEST_ID.test(given) ? given : idPrefix + (++idCount).toString(36)

const tooLarge = (limit: number) =>
  new Rejection({ status: 413, type: "invalid_request_error", code: "request_too_large", message: `The request body is larger than ${limit} bytes` })

/**
 * The request body as JSON: 413 past `limit` bytes (by its `content-length`
 * header at once, else while reading: the server's
 * `HttpIncomingMessage.MaxBodySize`, which the gateway sets to the same
 * limit once for every request), 400 when it is not JSON.
 *
 * @since 0.1.0
 */
export const jsonBody = (
  request: HttpServerRequest.HttpServerRequest,
  length: string | undefined,
  limit: number
): Effect.Effect<unknown, Rejection> => {
  if (length !== undefined && Number(length) > limit) return Effect.fail(tooLarge(limit))
  return request.text.pipe(
    Effect.mapError((error) =>
      error.reason._tag === "RequestParseError" && error.reason.reason === "BodyTooLarge"
        ? tooLarge(limit)
        : new Rejection({ status: 400, type: "invalid_request_error", code: "invalid_body", message: "The request body could not be read" })
    ),
    Effect.flatMap((text) =>
      Effect.try({
        try: () => JSON.parse(text) as unknown,
        catch: () => new Rejection({ status: 400, type: "invalid_request_error", code: "invalid_json", message: "The request body is not valid JSON" })
      })
    )
  )
}

/**
 * CORS headers for an allowed `Origin` (none when CORS is not configured).
 *
 * @since 0.1.0
 */
export const corsHeaders = (origins: ReadonlyArray<string> | undefined, origin: string | undefined): Record<string, string> =>
  origins !== undefined && origin !== undefined && (origins.includes(origin) || origins.includes("*"))
    ? {
      "access-control-allow-origin": origin,
      "access-control-allow-headers": "authorization, content-type, x-request-id",
      "access-control-allow-methods": "GET, POST, OPTIONS",
      "access-control-expose-headers": "x-request-id, retry-after",
      vary: "origin"
    }
    : {}
