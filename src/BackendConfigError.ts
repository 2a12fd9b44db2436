/**
 * A backend was configured wrongly. Raised when its layer is built, naming
 * the setting, so a bad deployment fails at start-up rather than on the first
 * call.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"

/**
 * @since 0.1.0
 */
export class BackendConfigError extends Schema.TaggedError<BackendConfigError>()("BackendConfigError", {
  provider: Schema.String,
  setting: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${this.provider}: invalid setting '${this.setting}': ${this.detail}`
  }
}

/**
 * Checks a base URL: http(s), no credentials, no query or fragment (a key in
 * a URL ends up in proxy and server logs).
 *
 * @since 0.1.0
 */
export const baseUrl = (provider: string, setting: string, value: string): Effect.Effect<string, BackendConfigError> => {
  const fail = (detail: string) => Effect.fail(new BackendConfigError({ provider, setting, detail }))
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return fail(`not a URL: ${JSON.stringify(value.slice(0, 100))}`)
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return fail(`expected http or https, got ${url.protocol}`)
  if (url.username !== "" || url.password !== "") return fail("credentials in the URL are not allowed; use the key setting")
  if (url.search !== "" || url.hash !== "") return fail("a query or fragment is not allowed in a base URL")
  return Effect.succeed(value.replace(/\/+$/, ""))
}

/**
 * Checks an optional non-empty text setting.
 *
 * @since 0.1.0
 */
export const nonEmpty = (
  provider: string,
  setting: string,
  value: string | undefined
): Effect.Effect<string | undefined, BackendConfigError> =>
  value !== undefined && value.trim().length === 0
    ? Effect.fail(new BackendConfigError({ provider, setting, detail: "must not be empty" }))
    : Effect.succeed(value)
