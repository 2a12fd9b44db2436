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
