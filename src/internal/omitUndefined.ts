/**
 * Drops keys whose value is `undefined`. Wire bodies must omit absent fields
 * (several services reject `null` or `undefined`-turned-`null`), and our
 * Schema classes use exact optional keys.
 */
export type OmitUndefined<T> =
  & { [K in keyof T as undefined extends T[K] ? never : K]: T[K] }
  & { [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined> }

export const omitUndefined = <T extends object>(value: T): OmitUndefined<T> => {
  const out: Record<string, unknown> = {}
  for (const key in value) {
    const v = value[key]
    if (v !== undefined) out[key] = v
  }
  return out as OmitUndefined<T>
}
