/**
 * The S3 settings from the environment, through Effect `Config` (secrets
 * read as `Redacted`): `S3_ENDPOINT`, `S3_ACCESS_KEY`, `S3_SECRET_KEY`,
 * `S3_REGION`, `S3_FORCE_PATH_STYLE`, with the AWS names
 * `AWS_ENDPOINT_URL_S3`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
 * `AWS_REGION` as fallbacks; `S3_CREDENTIALS` (`name:accessKeyId:secret`,
 * comma separated) for several pairs; the policy from `LLM_BACKENDS_CONFIG`
 * and `S3_MAX_RETRIES`, ... Missing credentials fail naming the variables;
 * there are no placeholder credentials.
 *
 * @since 0.1.0
 */
import { Config, Effect, Option, Redacted } from "effect"
import { BackendConfigError } from "../BackendConfigError.ts"
import * as Policy from "../pipeline/Policy.ts"
import type { CredentialPair, Options } from "./S3.ts"
import { PROVIDER } from "./S3Http.ts"

const first = <A>(read: (name: string) => Config.Config<A>, names: readonly [string, ...Array<string>]) =>
  Config.option(names.slice(1).reduce((acc, name) => Config.orElse(acc, () => read(name)), read(names[0])))

const fail = (setting: string, detail: string) => Effect.fail(new BackendConfigError({ provider: PROVIDER, setting, detail }))

/**
 * Parses `S3_CREDENTIALS`: `name:accessKeyId:secret` entries, comma separated
 * (AWS secrets hold no `,` or `:`). A malformed entry fails naming its
 * position, never its text.
 *
 * @since 0.1.0
 */
export const parseCredentials = (text: string): Effect.Effect<ReadonlyArray<CredentialPair>, BackendConfigError> => {
  const pairs: Array<CredentialPair> = []
  const entries = text.split(",").map((entry) => entry.trim()).filter((entry) => entry.length > 0)
  for (const [i, entry] of entries.entries()) {
    const parts = entry.split(":")
    if (parts.length !== 3 || parts.some((part) => part.trim().length === 0)) {
      return fail("S3_CREDENTIALS", `entry ${i + 1} is not name:accessKeyId:secret`)
    }
    pairs.push({ name: parts[0]!.trim(), accessKeyId: parts[1]!.trim(), secretAccessKey: Redacted.make(parts[2]!.trim()) })
  }
  return pairs.length === 0 ? fail("S3_CREDENTIALS", "lists no pair") : Effect.succeed(pairs)
}

/**
 * Reads the options from the environment; `overrides` from code win.
 *
 * @since 0.1.0
 */
export const fromEnvironment = (overrides: Options = {}): Effect.Effect<Options, BackendConfigError | Config.ConfigError> =>
  Effect.gen(function*() {
    const endpoint = yield* first(Config.String, ["S3_ENDPOINT", "AWS_ENDPOINT_URL_S3"])
    const region = yield* first(Config.String, ["S3_REGION", "AWS_REGION"])
    const pathStyle = yield* Config.option(Config.Boolean("S3_FORCE_PATH_STYLE"))
    const policy = yield* Policy.fromEnvironment(PROVIDER, "S3", overrides.policy)
    const base: Options = {
      ...overrides,
      endpoint: overrides.endpoint ?? Option.getOrUndefined(endpoint),
      region: overrides.region ?? Option.getOrUndefined(region),
      forcePathStyle: overrides.forcePathStyle ?? Option.getOrUndefined(pathStyle),
      policy
    }
    if (overrides.credentials !== undefined || overrides.accessKeyId !== undefined || overrides.secretAccessKey !== undefined) {
      return base
    }
    const list = yield* Config.option(Config.Redacted("S3_CREDENTIALS"))
    if (Option.isSome(list)) return { ...base, credentials: yield* parseCredentials(Redacted.value(list.value)) }
    const accessKeyId = yield* first(Config.String, ["S3_ACCESS_KEY", "AWS_ACCESS_KEY_ID"])
    const secretAccessKey = yield* first(Config.Redacted, ["S3_SECRET_KEY", "AWS_SECRET_ACCESS_KEY"])
    if (Option.isNone(accessKeyId) && Option.isNone(secretAccessKey)) {
      return yield* fail(
        "credentials",
        "missing: set S3_ACCESS_KEY and S3_SECRET_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or S3_CREDENTIALS)"
      )
    }
    if (Option.isNone(accessKeyId)) return yield* fail("accessKeyId", "missing: set S3_ACCESS_KEY (or AWS_ACCESS_KEY_ID)")
    if (Option.isNone(secretAccessKey)) return yield* fail("secretAccessKey", "missing: set S3_SECRET_KEY (or AWS_SECRET_ACCESS_KEY)")
    return { ...base, accessKeyId: accessKeyId.value, secretAccessKey: secretAccessKey.value }
  })
