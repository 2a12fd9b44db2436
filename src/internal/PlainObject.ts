/**
 * The one test the hand checks share: a plain object, as `JSON.parse` makes
 * them (prototype `Object.prototype`), so its own enumerable keys are all it
 * holds and no class instance or prototype trick gets past a check meant for
 * wire data.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype

/**
 * A field a Schema marks `optionalKey(NullOr(...))` left empty: absent (the
 * key is exact, so an own `undefined` is not absent) or null.
 *
 * @since 0.1.0
 */
export const isAbsentField = (json: Record<string, unknown>, key: string): boolean =>
  !Object.hasOwn(json, key) || json[key] === null

/**
 * Such a field empty, or holding a value of `type`.
 *
 * @since 0.1.0
 */
export const isOptionalField = (json: Record<string, unknown>, key: string, type: "string" | "number" | "boolean"): boolean =>
  isAbsentField(json, key) || typeof json[key] === type
