/**
 * A token count as a response body carries it, checked where the body is
 * decoded. Counts go into `Usage`, whose constructor refuses fractions,
 * negatives and unsafe integers: a bad count must fail the decode (an
 * `InvalidResponse` naming the field), never the construction (a defect).
 * The bound, 2^50 (about a million billion tokens, far past any real count),
 * keeps every sum our usage mappings make (a few counts added) a safe integer.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * The largest count a body may report.
 *
 * @since 0.1.0
 */
export const max = 2 ** 50

/**
 * A whole count from 0 to `max`.
 *
 * @since 0.1.0
 */
export const WireCount = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0), Schema.isLessThanOrEqualTo(max))

/**
 * The same check by hand (for the hand checks that stand in for a Schema).
 *
 * @since 0.1.0
 */
export const isWireCount = (value: unknown): value is number =>
  typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= max
