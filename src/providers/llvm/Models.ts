/**
 * The model listing of a generic server, read in the shapes such servers
 * use: a bare array, or `{models: [...]}` / `{data: [...]}`; each entry an
 * id string or an object with `id` (or `name`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { ModelInfo } from "../../domain/Model.ts"
import { omitUndefined } from "../../internal/omitUndefined.ts"

const Entry = Schema.Union([
  Schema.String,
  Schema.Struct({
    id: Schema.String,
    owned_by: Schema.optionalKey(Schema.NullOr(Schema.String)),
    created: Schema.optionalKey(Schema.NullOr(Schema.Number))
  }),
  Schema.Struct({ name: Schema.String })
])
const Entries = Schema.Array(Entry)

/**
 * The listing body.
 *
 * @since 0.1.0
 */
export const Wire = Schema.Union([Entries, Schema.Struct({ models: Entries }), Schema.Struct({ data: Entries })])

/** @since 0.1.0 */
export type Wire = typeof Wire.Type

const isList = (wire: Wire): wire is typeof Entries.Type => Array.isArray(wire)

/**
 * The listing as `ModelInfo`s.
 *
 * @since 0.1.0
 */
export const fromWire = (provider: string, wire: Wire): ReadonlyArray<ModelInfo> => {
  const entries: ReadonlyArray<typeof Entry.Type> = isList(wire) ? wire : "models" in wire ? wire.models : wire.data
  return entries.map((entry) => {
    if (typeof entry === "string") return new ModelInfo({ provider, id: entry })
    if ("name" in entry) return new ModelInfo({ provider, id: entry.name })
    return new ModelInfo({
      provider,
      id: entry.id,
      ...omitUndefined({ ownedBy: entry.owned_by ?? undefined, created: entry.created ?? undefined })
    })
  })
}
