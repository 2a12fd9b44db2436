/**
 * Values of every wrong kind, for property tests of hand checks that stand in
 * for a Schema: each check must refuse them or agree with the Schema on them.
 */
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
