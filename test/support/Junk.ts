/**
 * Values of every wrong kind, for property tests of hand checks that stand in
 * for a Schema: each check must refuse them or agree with the Schema on them.
 */
import { assert } from "@effect/vitest"
import { Result } from "effect"
import * as fc from "fast-check"

export const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 4 }),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.constant([]),
  fc.constant({}),
  fc.constant(Number.NaN),
  fc.constant(Number.POSITIVE_INFINITY),
  fc.constant(2 ** 60)
)

/** Mostly `right`, sometimes a value of the wrong kind. */
export const near = <A>(right: fc.Arbitrary<A>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 12, arbitrary: right }, { weight: 1, arbitrary: junk })

/**
 * The property a hand check for a wire event must have: whatever it takes,
 * the Schema accepts and decodes to an equal value. Returns how many
 * generated values it took (callers require enough, or the property says nothing).
 */
export const takesOnlyWhatDecodesUnchanged = (
  values: fc.Arbitrary<unknown>,
  takes: (value: unknown) => boolean,
  decode: (value: unknown) => Result.Result<unknown, unknown>,
  numRuns: number
): number => {
  let taken = 0
  fc.assert(
    fc.property(values, (input) => {
      if (!takes(input)) return
      taken++
      const decoded = decode(input)
      assert.isTrue(Result.isSuccess(decoded), `the Schema refuses what the hand check took: ${JSON.stringify(input)}`)
      assert.deepStrictEqual((decoded as Result.Success<unknown, unknown>).success, input)
    }),
    { numRuns, seed: 20261202 }
  )
  return taken
}
