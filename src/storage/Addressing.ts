/**
 * Where an S3 request goes: the endpoint, path-style (`host/bucket/key`) or
 * virtual-hosted (`bucket.host/key`) addressing, and the one encoding of
 * keys and query values that both the wire and the signature use (RFC 3986:
 * everything but `A-Z a-z 0-9 - _ . ~` is percent-encoded, `/` kept between
 * key segments).
 *
 * @since 0.1.0
 */

/**
 * A parsed endpoint.
 *
 * @since 0.1.0
 */
export interface Endpoint {
  readonly protocol: "http:" | "https:"
  readonly hostname: string
  readonly port: number | undefined
  /** A path prefix some gateways mount S3 under; `""` usually. */
  readonly basePath: string
}

/**
 * The address of one request.
 *
 * @since 0.1.0
 */
export interface Target {
  readonly protocol: "http:" | "https:"
  readonly hostname: string
  readonly port: number | undefined
  /** Encoded path, as sent and as signed. */
  readonly path: string
  /** The `Host` header value (`hostname[:port]`, default ports omitted). */
  readonly host: string
}

/**
 * The default endpoint for AWS in a region.
 *
 * @since 0.1.0
 */
export const awsEndpoint = (region: string): string => `https://s3.${region}.amazonaws.com`

/**
 * Parses an endpoint URL, or says why it is not one we can address.
 *
 * @since 0.1.0
 */
export const parseEndpoint = (value: string): Endpoint | string => {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return `not a URL: ${JSON.stringify(value.slice(0, 100))}`
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `expected http or https, got ${url.protocol}`
  if (url.username !== "" || url.password !== "") return "credentials in the URL are not allowed; use the access key settings"
  if (url.search !== "" || url.hash !== "") return "a query or fragment is not allowed in the endpoint"
  return {
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port === "" ? undefined : Number(url.port),
    basePath: url.pathname.replace(/\/+$/, "")
  }
}

/**
 * Whether a host can only be addressed path-style (an IP address or
 * `localhost`: no bucket subdomain resolves there).
 *
 * @since 0.1.0
 */
export const needsPathStyle = (endpoint: Endpoint): boolean =>
  endpoint.hostname === "localhost" || /^\d{1,3}(\.\d{1,3}){3}$/.test(endpoint.hostname) || endpoint.hostname.startsWith("[")

/**
 * Whether the endpoint is AWS's own.
 *
 * @since 0.1.0
 */
export const isAws = (endpoint: Endpoint): boolean => /(^|\.)amazonaws\.com(\.cn)?$/.test(endpoint.hostname)

/**
 * RFC 3986 encoding of one value (a key segment, a query name or value).
 * `undefined` for text that is not well-formed Unicode (a lone surrogate).
 *
 * @since 0.1.0
 */
export const encode = (text: string): string | undefined => {
  let encoded: string
  try {
    encoded = encodeURIComponent(text)
  } catch {
    return undefined
  }
  return encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/**
 * Why a bucket name cannot be used, or `undefined` when it can.
 *
 * @since 0.1.0
 */
export const checkBucket = (bucket: string): string | undefined =>
  /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) && !bucket.includes("..")
    ? undefined
    : "3-63 lower-case letters, digits, '.' or '-', starting and ending with a letter or digit"

/**
 * Why a key cannot be sent, or `undefined` when it can.
 *
 * @since 0.1.0
 */
export const checkKey = (key: string): string | undefined => {
  if (key.length === 0) return "must not be empty"
  if (new TextEncoder().encode(key).length > 1024) return "at most 1024 bytes of UTF-8"
  if (encode(key) === undefined) return "not well-formed Unicode (a lone surrogate)"
  // A URL parser (fetch's included) resolves `.` and `..` segments, even
  // percent-encoded, so such a key would silently address another object.
  if (key.split("/").some((segment) => segment === "." || segment === "..")) {
    return "a '.' or '..' path segment cannot be sent in a URL"
  }
  return undefined
}

/**
 * Encodes a (checked) key, keeping `/` between segments.
 *
 * @since 0.1.0
 */
export const encodeKey = (key: string): string => key.split("/").map((segment) => encode(segment) ?? "").join("/")

/**
 * A query string from decoded values, in the given order.
 *
 * @since 0.1.0
 */
export const queryString = (query: Readonly<Record<string, string>>): string => {
  const pairs = Object.entries(query).map(([name, value]) =>
    value === "" ? `${encode(name) ?? ""}` : `${encode(name) ?? ""}=${encode(value) ?? ""}`
  )
  return pairs.length === 0 ? "" : `?${pairs.join("&")}`
}

/**
 * The address of a request for `bucket` (and `key`).
 *
 * @since 0.1.0
 */
export const target = (endpoint: Endpoint, pathStyle: boolean, bucket: string, key?: string): Target => {
  const hostname = pathStyle ? endpoint.hostname : `${bucket}.${endpoint.hostname}`
  const defaultPort = endpoint.protocol === "https:" ? 443 : 80
  const port = endpoint.port === defaultPort ? undefined : endpoint.port
  const objectPath = key === undefined ? "" : `/${encodeKey(key)}`
  const path = pathStyle ? `${endpoint.basePath}/${bucket}${objectPath}` : `${endpoint.basePath}${objectPath || "/"}`
  return { protocol: endpoint.protocol, hostname, port, path, host: port === undefined ? hostname : `${hostname}:${port}` }
}

/**
 * The full URL of a target with its query.
 *
 * @since 0.1.0
 */
export const url = (target: Target, query: Readonly<Record<string, string>>): string =>
  `${target.protocol}//${target.host}${target.path}${queryString(query)}`
