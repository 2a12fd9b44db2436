/**
 * The routes of a generic model server, each overridable. Model routes are
 * templates with a `{model}` placeholder that is filled with the model id
 * encoded as one path segment, so an id such as `org/name?x` can never
 * reach another route or add a query.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { BackendConfigError } from "../../BackendConfigError.ts"
import * as LlmError from "../../LlmError.ts"

/**
 * The route map (paths below the base URL).
 *
 * @since 0.1.0
 */
export interface Routes {
  /** `GET`: the models the server has. */
  readonly models: string
  /** `GET`: one model's description; has `{model}`. */
  readonly model: string
  /** `POST {input, parameters?}` → `{result}`; has `{model}`. */
  readonly infer: string
  /** `POST {inputs, parameters?}` → `{results}`; has `{model}`. */
  readonly batchInfer: string
  /** `POST`: an OpenAI-style chat-completions route, if the server has one. */
  readonly chat?: string | undefined
  /** `POST`: an OpenAI-style (legacy) completions route, if the server has one. */
  readonly completions?: string | undefined
}

/**
 * The default routes; no chat or completions route unless configured.
 *
 * @since 0.1.0
 */
export const defaults: Routes = {
  models: "/models",
  model: "/models/{model}",
  infer: "/models/{model}/infer",
  batchInfer: "/models/{model}/batch_infer"
}

const TEMPLATED = ["model", "infer", "batchInfer"] as const
const PLAIN = ["models", "chat", "completions"] as const

/**
 * Merges overrides over the defaults and checks every route: a path starting
 * with `/`, no query or fragment, `{model}` exactly where a model goes.
 *
 * @since 0.1.0
 */
export const make = (provider: string, overrides: Partial<Routes> = {}): Effect.Effect<Routes, BackendConfigError> => {
  const routes: Routes = { ...defaults, ...overrides }
  const fail = (name: string, detail: string) =>
    Effect.fail(new BackendConfigError({ provider, setting: `routes.${name}`, detail }))
  for (const name of [...TEMPLATED, ...PLAIN]) {
    const route = routes[name]
    if (route === undefined) continue
    if (!route.startsWith("/")) return fail(name, `must start with "/", got ${JSON.stringify(route.slice(0, 80))}`)
    if (/[?#]/.test(route)) return fail(name, "a path only: no query or fragment")
    const placeholders = route.match(/\{[^}]*\}/g) ?? []
    const templated = (TEMPLATED as ReadonlyArray<string>).includes(name)
    if (placeholders.some((p) => p !== "{model}")) return fail(name, `unknown placeholder in ${JSON.stringify(route)}; only {model}`)
    if (templated && placeholders.length === 0) return fail(name, "must contain {model}")
    if (!templated && placeholders.length > 0) return fail(name, "takes no placeholder")
  }
  return Effect.succeed(routes)
}

/**
 * Fills `{model}` with the id as one encoded path segment. `.` and `..` are
 * refused: URL parsers resolve them (even percent-encoded) as dot segments,
 * which would leave the route.
 *
 * @since 0.1.0
 */
export const render = (provider: string, template: string, model: string): Effect.Effect<string, LlmError.LlmError> => {
  if (model.trim().length === 0) {
    return Effect.fail(LlmError.make(provider, new LlmError.InvalidRequest({ field: "model", detail: "must not be empty" })))
  }
  if (model === "." || model === "..") {
    return Effect.fail(LlmError.make(provider, new LlmError.InvalidRequest({ field: "model", detail: "\".\" and \"..\" are not model ids" })))
  }
  const segment = encodeURIComponent(model)
  return Effect.succeed(template.replaceAll("{model}", segment))
}
