/**
 * The outbound half of the transport, as small pure steps: checking a built
 * request's headers before fetch sees them, executing it without following
 * redirects, describing a refused redirect, the attributes of its span, and
 * reading a transport failure as a reason. Every text passed out is scrubbed.
 *
 * @since 0.1.0
 */
import { Context, Effect, Redacted } from "effect"
import { FetchHttpClient, Headers, type HttpClient, type HttpClientError, type HttpClientRequest, type HttpClientResponse } from "effect/http"
import * as LlmError from "../LlmError.ts"
import * as HeaderSafety from "./HeaderSafety.ts"

const carriesKey = (value: string, key: Redacted.Redacted<string> | undefined) =>
  key !== undefined && value.includes(Redacted.value(key))

/**
 * The last guard before fetch: a value fetch would refuse is the caller's
 * mistake (not a network fault to retry), named by its field.
 *
 * @since 0.1.0
 */
export const unsafeHeader = (
  request: HttpClientRequest.HttpClientRequest,
  context: { readonly requestIdHeader: string | undefined; readonly apiKey: Redacted.Redacted<string> | undefined },
  passed?: Map<string, string>
): LlmError.InvalidRequest | undefined => {
  const headers = request.headers
  for (const name in headers) {
    const value = headers[name]!
    if (passed !== undefined && passed.get(name) === value) continue
    const problem = HeaderSafety.nameProblem(name) ?? HeaderSafety.valueProblem(value)
    if (problem === undefined) {
      // A header that is the same on every request (not the per-call id) is
      // checked once; one carrying the key is not kept (no secret in clear here).
      if (passed !== undefined && name !== context.requestIdHeader && !carriesKey(value, context.apiKey)) {
        if (passed.size >= 256) passed.clear()
        passed.set(name, value)
      }
      continue
    }
    const field = name === context.requestIdHeader
      ? "options.requestId"
      : carriesKey(value, context.apiKey)
      ? "apiKey"
      : `headers.${name}`
    return new LlmError.InvalidRequest({ field, detail: `header ${name} ${problem}` })
  }
  return undefined
}

// Clients known to make no span of their own and never to follow a redirect
// (the lean undici client): nothing needs turning off around their requests.
const selfContained = new WeakSet<HttpClient.HttpClient>()

/**
 * Marks `client` as one that makes no span of its own, never follows a
 * redirect and never reads `FetchHttpClient.RequestInit`, so requests on it
 * skip providing those settings (two context updates per request). A client
 * derived from it (`HttpClient.mapRequest`, ...) is a new object, unmarked,
 * and gets the general treatment.
 *
 * @since 0.1.0
 */
export const markSelfContained = <C extends HttpClient.HttpClient>(client: C): C => {
  selfContained.add(client)
  return client
}

/**
 * Whether `client` was marked by `markSelfContained`.
 *
 * @since 0.1.0
 */
export const isSelfContained = (client: HttpClient.HttpClient): boolean => selfContained.has(client)

/**
 * Executes `request` on `client` with redirects left unfollowed, whatever
 * client the user provides: a fetch following one would carry the key to
 * another origin (and hand back that origin's answer as ours). The user's
 * own `FetchHttpClient.RequestInit` is kept; the Node clients do not follow
 * redirects at all. `secretHeaders` are added to the names effect/http
 * redacts while the request runs.
 *
 * @since 0.1.0
 */
export const execute = (
  client: HttpClient.HttpClient,
  request: HttpClientRequest.HttpClientRequest,
  secretHeaders: ReadonlyArray<string>
): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> =>
  Effect.withFiber((fiber) => {
    if (secretHeaders.length === 0 && selfContained.has(client)) return client.execute(request)
    const manual = Effect.provideService(client.execute(request), FetchHttpClient.RequestInit, {
      ...Context.getOrUndefined(fiber.context, FetchHttpClient.RequestInit),
      redirect: "manual"
    })
    return secretHeaders.length === 0
      ? manual
      : Effect.provideService(manual, Headers.CurrentRedactedNames, [...fiber.getRef(Headers.CurrentRedactedNames), ...secretHeaders])
  })

/**
 * The reason for a refused redirect: its status and the target's host, never
 * the full URL (which may hold a signed token).
 *
 * @since 0.1.0
 */
export const redirected = (
  response: HttpClientResponse.HttpClientResponse,
  headers: Readonly<Record<string, string>>,
  scrub: (text: string) => string
): LlmError.InvalidResponse => {
  const location = headers["location"]
  let target = location === undefined ? "no Location" : "an unreadable Location"
  if (location !== undefined) {
    try {
      target = `host ${new URL(location, response.request.url).host}`
    } catch {
      // keep "an unreadable Location": the URL itself is never shown
    }
  }
  return new LlmError.InvalidResponse({
    detail: `redirect (HTTP ${response.status}) to ${scrub(target)} refused: API calls never follow redirects`
  })
}

/**
 * The URL part of a request's span attributes: scrubbed full URL and path,
 * scheme, host and port.
 *
 * @since 0.1.0
 */
export const urlAttributes = (
  request: HttpClientRequest.HttpClientRequest,
  scrub: (text: string) => string
): Readonly<Record<string, unknown>> => {
  const url = new URL(request.url)
  for (const [key, value] of request.urlParams.params) {
    url.searchParams.append(key, typeof value === "string" ? value : "<redacted>")
  }
  const port = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port)
  return {
    "url.full": scrub(url.toString()),
    "url.path": scrub(url.pathname),
    "url.scheme": url.protocol.slice(0, -1),
    "server.address": url.hostname,
    "server.port": port
  }
}

/**
 * The attributes of a request's span: method, scrubbed URL, host, provider
 * and our ids. `url` is the request's `urlAttributes`, when already known.
 *
 * @since 0.1.0
 */
export const spanAttributes = (
  request: HttpClientRequest.HttpClientRequest,
  context: { readonly provider: string; readonly requestId: string; readonly keyName?: string | undefined },
  scrub: (text: string) => string,
  url: Readonly<Record<string, unknown>> = urlAttributes(request, scrub)
): Record<string, unknown> => ({
  "http.request.method": request.method,
  ...url,
  "llm.provider": context.provider,
  "llm.request_id": context.requestId,
  ...(context.keyName === undefined ? {} : { "llm.key_name": context.keyName })
})

/**
 * A transport failure as a reason. Once headers are in (`body`), any failure
 * reading the body is the connection's: undici reports a dropped socket as a
 * body decode error ("terminated").
 *
 * @since 0.1.0
 */
export const transportReason = (
  error: HttpClientError.HttpClientError,
  phase: "send" | "body",
  snippet: (text: string) => string
): LlmError.Reason => {
  const reason = error.reason
  const text = snippet(reason.description ?? String(reason.cause ?? reason._tag))
  if (phase === "body") return new LlmError.Network({ detail: `connection lost while reading the body: ${text}` })
  switch (reason._tag) {
    case "TransportError":
      return new LlmError.Network({ detail: text })
    case "EncodeError":
    case "InvalidUrlError":
      return new LlmError.InvalidRequest({ detail: text })
    default:
      return new LlmError.InvalidResponse({ detail: text })
  }
}
