/**
 * The semantic cache's guard. Embeddings place "convert 5 km" and "convert 50
 * km", or "is it safe" and "is it not safe", close together, yet their answers
 * differ. So before a semantic hit is served, the facts an answer usually
 * depends on must agree between the two prompts: numbers, units, dates,
 * negations, named entities (capitalized words, acronyms), quoted strings,
 * opposites (ascending / descending) and directions ("a string to an int").
 * Any disagreement is a miss. The guard errs towards missing: a miss costs a
 * call, a wrong hit costs a wrong answer.
 *
 * @since 0.1.0
 */
import {
  articles,
  commonStarts,
  dateWords,
  directionWords,
  negationWords,
  notCounted,
  numberWords,
  opposites,
  unitOnlyAfterNumber,
  units
} from "./GuardWords.ts"

/**
 * What a prompt says that its answer depends on.
 *
 * @since 0.1.0
 */
export interface Facts {
  /** Each number with the word that follows it, if any: "5 km", "3 egg", "2020". */
  readonly numbers: ReadonlyArray<string>
  readonly units: ReadonlyArray<string>
  readonly dates: ReadonlyArray<string>
  readonly negations: number
  /** Names: capitalized mid-sentence, acronyms, mixed case (iPhone, GPT-4). */
  readonly entities: ReadonlyArray<string>
  /** Capitalized sentence openers that may be names ("France is ..."), or just the first word ("Set a timer"). */
  readonly initials: ReadonlyArray<string>
  /** Every word, lowercase (to check an opener against the other prompt). */
  readonly words: ReadonlyArray<string>
  readonly quoted: ReadonlyArray<string>
  /** Words of opposite pairs (ascending/descending, good/bad, ...). */
  readonly opposites: ReadonlyArray<string>
  /** What follows "to", "into", "from", "than", "vs": "to:int". Compared only when both prompts have some. */
  readonly directions: ReadonlyArray<string>
}

const quotePattern = /"([^"]+)"|“([^”]+)”|‘([^’]+)’|`([^`]+)`|(?:^|[\s(\[])'([^']+)'(?=$|[\s.,;:!?)\]])/g
const tokenPattern = /\d{1,3}(?:,\d{3})+(?:\.\d+)?|[\p{L}\p{N}][\p{L}\p{N}'’\-./]*[\p{L}\p{N}%]|[\p{L}\p{N}]|[$€£¥%]|°[cf]/giu
const numberPattern = /^[-+]?\d[\d,]*(?:\.\d+)?$/

const canonicalNumber = (text: string): string => {
  const plain = text.replace(/,/g, "")
  const value = Number(plain)
  return Number.isFinite(value) ? String(value) : plain
}

const sorted = (values: Iterable<string>): ReadonlyArray<string> => [...new Set(values)].sort()

/**
 * Extracts the facts of a prompt.
 *
 * @since 0.1.0
 */
export const facts = (prompt: string): Facts => {
  const quoted: Array<string> = []
  const text = prompt.replace(quotePattern, (...groups: ReadonlyArray<unknown>) => {
    const inner = groups.slice(1, 6).find((g): g is string => typeof g === "string") ?? ""
    quoted.push(inner.trim().replace(/\s+/g, " ").toLowerCase())
    return " ¶ "
  })
  const numbers: Array<string> = []
  const unitNames: Array<string> = []
  const dates: Array<string> = []
  const entities: Array<string> = []
  const initials: Array<string> = []
  const allWords: Array<string> = []
  const oppositeWords: Array<string> = []
  const directions: Array<string> = []
  let negations = 0
  let sentenceStart = true
  let afterNumber = false
  // Sentence boundaries decide whether a capital letter means a name.
  const pieces = text.split(/(?<=[.!?:;\n¶])\s+|\n+/)
  for (const piece of pieces) {
    sentenceStart = true
    // The number waiting for the word after it, and the direction word
    // waiting for its object.
    let pendingNumber: string | undefined
    let pendingDirection: string | undefined
    const flushNumber = (next: string | undefined) => {
      if (pendingNumber !== undefined) numbers.push(next === undefined ? pendingNumber : `${pendingNumber} ${next}`)
      pendingNumber = undefined
    }
    for (const match of piece.matchAll(tokenPattern)) {
      // A possessive is the name itself: "France's" agrees with "France".
      const raw = match[0].replace(/['’]s$/, "")
      const lower = raw.toLowerCase()
      // A minus sign right before a number belongs to it: -5 °C is not 5 °C.
      const sign = /\d/.test(raw[0] ?? "") && /(?:^|[\s(])[-−]$/.test(piece.slice(Math.max(0, match.index - 2), match.index))
        ? "-"
        : ""
      const wasStart = sentenceStart
      sentenceStart = false
      // "5km", "10%", "3.5kg": a number glued to its unit.
      const glued = /^([-+]?\d[\d,]*(?:\.\d+)?)([\p{L}%°/]+)$/u.exec(lower)
      if (glued !== null) {
        flushNumber(undefined)
        const unit = units.get(glued[2]!)
        if (unit !== undefined) unitNames.push(unit)
        else entities.push(glued[2]!)
        numbers.push(`${canonicalNumber(sign + glued[1]!)} ${unit ?? glued[2]!}`)
        afterNumber = true
        continue
      }
      if (numberPattern.test(lower) || /^\d{4}-\d{2}-\d{2}$/.test(lower)) {
        flushNumber(undefined)
        pendingNumber = /^\d{4}-/.test(lower) ? lower : canonicalNumber(sign + lower)
        afterNumber = true
        continue
      }
      const rawUnit = units.get(lower)
      const unit = rawUnit !== undefined && (afterNumber || !unitOnlyAfterNumber.has(lower)) ? rawUnit : undefined
      const number = numberWords[lower]
      if (unit !== undefined) unitNames.push(unit)
      if (number !== undefined && unit === undefined) {
        flushNumber(undefined)
        pendingNumber = number
        afterNumber = true
      } else {
        // The word after a number says what is counted: "3 eggs" is not "3 apples".
        flushNumber(unit ?? (notCounted.has(lower) ? undefined : lower))
        afterNumber = false
      }
      if (opposites.has(lower)) oppositeWords.push(lower)
      if (pendingDirection !== undefined && !articles.has(lower)) {
        directions.push(`${pendingDirection}:${lower}`)
        pendingDirection = undefined
      }
      if (directionWords.has(lower)) pendingDirection = lower === "into" || lower === "towards" ? "to" : lower
      const date = dateWords.get(lower)
      if (date !== undefined) dates.push(date)
      if (negationWords.has(lower) || /n['’]t$/.test(match[0])) negations++
      // A name: capitalized mid-sentence, capitalized at a sentence start unless
      // a common opening word, an acronym, or mixed case / digits (iPhone, GPT-4).
      const capitalized = /^\p{Lu}/u.test(raw)
      const acronym = /^\p{Lu}[\p{Lu}\d\-.]*[\p{Lu}\d]$/u.test(raw)
      const mixed = /\p{Ll}\p{Lu}|\p{L}\d|\d\p{L}/u.test(raw)
      allWords.push(lower)
      const plain = unit === undefined && date === undefined && number === undefined && lower !== "i" &&
        !/n['’]t$/.test(lower)
      if (plain && (acronym || mixed || (capitalized && !wasStart))) entities.push(lower)
      else if (plain && capitalized && !commonStarts.has(lower)) initials.push(lower)
    }
    flushNumber(undefined)
  }
  return {
    numbers: sorted(numbers),
    units: sorted(unitNames),
    dates: sorted(dates),
    negations,
    entities: sorted(entities),
    initials: sorted(initials),
    words: sorted(allWords),
    quoted: sorted(quoted),
    opposites: sorted(oppositeWords),
    directions: sorted(directions)
  }
}

// Numbers must be the same values; where both prompts say what a value
// counts ("3 eggs" / "3 apples"), that must agree too.
const sameNumbers = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean => {
  const index = (list: ReadonlyArray<string>) => {
    const out = new Map<string, Set<string>>()
    for (const item of list) {
      const [value, word] = item.split(" ", 2) as [string, string | undefined]
      const words = out.get(value) ?? new Set<string>()
      if (word !== undefined) words.add(word)
      out.set(value, words)
    }
    return out
  }
  const [x, y] = [index(a), index(b)]
  if (x.size !== y.size) return false
  for (const [value, words] of x) {
    const other = y.get(value)
    if (other === undefined) return false
    if (words.size > 0 && other.size > 0 && ![...words].every((w) => other.has(w))) return false
    if (words.size > 0 && other.size > 0 && ![...other].every((w) => words.has(w))) return false
  }
  return true
}

// Names on one side must be names on the other; a capitalized opener must at
// least occur on the other side ("France is ..." / "Spain is ..." disagree,
// "Set a timer" / "Please set a timer" agree).
const sameEntities = (a: Facts, b: Facts): boolean => {
  const names = (f: Facts) => new Set([...f.entities, ...f.initials])
  const words = (f: Facts) => new Set(f.words)
  const [namesA, namesB, wordsA, wordsB] = [names(a), names(b), words(a), words(b)]
  return a.entities.every((e) => namesB.has(e)) && b.entities.every((e) => namesA.has(e)) &&
    a.initials.every((e) => wordsB.has(e)) && b.initials.every((e) => wordsA.has(e))
}

const same = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean =>
  a.length === b.length && a.every((value, i) => value === b[i])

/**
 * Which fact the two prompts disagree on, or `undefined` when they agree.
 *
 * @since 0.1.0
 */
export const disagreement = (a: Facts, b: Facts): keyof Facts | undefined => {
  if (!sameNumbers(a.numbers, b.numbers)) return "numbers"
  if (!same(a.units, b.units)) return "units"
  if (!same(a.dates, b.dates)) return "dates"
  if (a.negations !== b.negations) return "negations"
  if (!sameEntities(a, b)) return "entities"
  if (!same(a.quoted, b.quoted)) return "quoted"
  if (!same(a.opposites, b.opposites)) return "opposites"
  // A prompt may name a direction the other only implies ("convert 5 km to
  // miles" / "how many miles is 5 km"): only two stated directions must agree.
  if (a.directions.length > 0 && b.directions.length > 0 && !same(a.directions, b.directions)) return "directions"
  return undefined
}

/**
 * True when a cached answer to `stored` may be served for `incoming`.
 *
 * @since 0.1.0
 */
export const agree = (incoming: Facts, stored: Facts): boolean => disagreement(incoming, stored) === undefined
