/**
 * XML in and out for S3, on Effect's own `effect/encoding` `Xml` codec (a
 * well-formedness-checking parser that never expands entities or reads
 * external resources): whole documents parsed into small element trees, and
 * the few request bodies S3 takes written from trees.
 *
 * @since 0.1.0
 */
import { Effect, Option, Stream } from "effect"
import { Xml } from "effect/encoding"

/**
 * A parsed element: name as written, attributes, children (elements and text).
 *
 * @since 0.1.0
 */
export type Element = Xml.Element

// S3 answers are small (a list page is ~1000 entries); a body past this is not S3.
const MAX_DOCUMENT = 16 * 1024 * 1024

/**
 * Parses a document into its root element; a message when it is not
 * well-formed XML.
 *
 * @since 0.1.0
 */
export const parse = (text: string): Effect.Effect<Element, string> =>
  Stream.make(text).pipe(
    Stream.pipeThroughChannel(Xml.decodeString({ maxTokenSize: MAX_DOCUMENT, maxDepth: 32 })),
    Stream.pipeThroughChannel(Xml.elements(["*"], { maxElementSize: MAX_DOCUMENT })),
    Stream.runHead,
    Effect.mapError((error) => error.message),
    Effect.flatMap(Option.match({ onNone: () => Effect.fail("no root element"), onSome: Effect.succeed }))
  )

/**
 * The child elements named `name`.
 *
 * @since 0.1.0
 */
export const children = (element: Element, name: string): ReadonlyArray<Element> =>
  element.children.filter((child): child is Element => typeof child !== "string" && child.name === name)

/**
 * The first child element named `name`.
 *
 * @since 0.1.0
 */
export const child = (element: Element, name: string): Element | undefined =>
  element.children.find((c): c is Element => typeof c !== "string" && c.name === name)

/**
 * The text content of an element (its direct text children, joined).
 *
 * @since 0.1.0
 */
export const text = (element: Element | undefined): string | undefined =>
  element === undefined ? undefined : element.children.filter((c): c is string => typeof c === "string").join("")

/**
 * The text of the first child named `name`.
 *
 * @since 0.1.0
 */
export const childText = (element: Element, name: string): string | undefined => text(child(element, name))

/**
 * A tree to write: an element with attributes and children, or text.
 *
 * @since 0.1.0
 */
export type Tree = string | {
  readonly name: string
  readonly attributes?: Readonly<Record<string, string>> | undefined
  readonly children: ReadonlyArray<Tree>
}

/**
 * Shorthand for an element of a tree.
 *
 * @since 0.1.0
 */
export const element = (name: string, children: ReadonlyArray<Tree>, attributes?: Record<string, string>): Tree => ({
  name,
  attributes,
  children
})

const events = (tree: Tree, out: Array<Xml.Event>): void => {
  if (typeof tree === "string") {
    out.push({ _tag: "Text", text: tree })
    return
  }
  out.push({ _tag: "StartElement", name: tree.name, attributes: tree.attributes ?? {} })
  for (const c of tree.children) events(c, out)
  out.push({ _tag: "EndElement", name: tree.name })
}

/**
 * Writes a document (with its XML declaration) from a tree. Text is escaped
 * by the encoder; a name or character XML cannot hold fails with a message.
 *
 * @since 0.1.0
 */
export const write = (root: Tree): Effect.Effect<string, string> => {
  const out: Array<Xml.Event> = [{ _tag: "Declaration", version: "1.0", encoding: "UTF-8" }]
  events(root, out)
  return Stream.fromIterable(out).pipe(
    Stream.pipeThroughChannel(Xml.encodeString()),
    Stream.mkString,
    Effect.mapError((error) => error.message)
  )
}
