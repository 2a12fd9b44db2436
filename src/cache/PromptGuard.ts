/**
 * The semantic cache's guard. Embeddings place "convert 5 km" and "convert 50
 * km", or "is it safe" and "is it not safe", close together, yet their answers
 * differ. So before a semantic hit is served, the facts an answer usually
 * depends on must agree between the two prompts: numbers, units, dates,
 * negations, named entities (capitalized words, acronyms) and quoted strings.
 * Any disagreement is a miss. The guard errs towards missing: a miss costs a
 * call, a wrong hit costs a wrong answer.
 *
 * @since 0.1.0
 */

/**
 * What a prompt says that its answer depends on.
 *
 * @since 0.1.0
 */
export interface Facts {
  readonly numbers: ReadonlyArray<string>
  readonly units: ReadonlyArray<string>
  readonly dates: ReadonlyArray<string>
  readonly negations: number
  readonly entities: ReadonlyArray<string>
  readonly quoted: ReadonlyArray<string>
}

const numberWords: Record<string, string> = {
  zero: "0", one: "1", two: "2", three: "3", four: "4", five: "5", six: "6", seven: "7", eight: "8", nine: "9",
  ten: "10", eleven: "11", twelve: "12", thirteen: "13", fourteen: "14", fifteen: "15", sixteen: "16",
  seventeen: "17", eighteen: "18", nineteen: "19", twenty: "20", thirty: "30", forty: "40", fifty: "50",
  sixty: "60", seventy: "70", eighty: "80", ninety: "90", hundred: "100", thousand: "1000", million: "1000000",
  billion: "1000000000", half: "0.5", dozen: "12", first: "#1", second: "#2", third: "#3"
}

// Each unit word maps to one canonical name, so "km" and "kilometres" agree.
const unitGroups: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
  ["km", ["km", "kms", "kilometer", "kilometers", "kilometre", "kilometres"]],
  ["m", ["m", "meter", "meters", "metre", "metres"]],
  ["cm", ["cm", "centimeter", "centimeters", "centimetre", "centimetres"]],
  ["mm", ["mm", "millimeter", "millimeters", "millimetre", "millimetres"]],
  ["mi", ["mi", "mile", "miles"]],
  ["ft", ["ft", "foot", "feet"]],
  ["in", ["inch", "inches"]],
  ["yd", ["yd", "yard", "yards"]],
  ["kg", ["kg", "kgs", "kilogram", "kilograms", "kilo", "kilos"]],
  ["g", ["g", "gram", "grams"]],
  ["lb", ["lb", "lbs", "pound", "pounds"]],
  ["oz", ["oz", "ounce", "ounces"]],
  ["l", ["l", "liter", "liters", "litre", "litres"]],
  ["ml", ["ml", "milliliter", "milliliters", "millilitre", "millilitres"]],
  ["gal", ["gal", "gallon", "gallons"]],
  ["c", ["c", "celsius", "centigrade", "°c"]],
  ["f", ["f", "fahrenheit", "°f"]],
  ["k", ["kelvin"]],
  ["s", ["s", "sec", "secs", "second", "seconds"]],
  ["min", ["min", "mins", "minute", "minutes"]],
  ["h", ["h", "hr", "hrs", "hour", "hours"]],
  ["day", ["day", "days"]],
  ["week", ["week", "weeks"]],
  ["month", ["month", "months"]],
  ["year", ["year", "years", "yr", "yrs"]],
  ["%", ["%", "percent", "per cent", "percentage"]],
  ["usd", ["usd", "$", "dollar", "dollars"]],
  ["eur", ["eur", "€", "euro", "euros"]],
  ["gbp", ["gbp", "£", "sterling"]],
  ["jpy", ["jpy", "¥", "yen"]],
  ["b", ["byte", "bytes"]],
  ["kb", ["kb", "kilobyte", "kilobytes"]],
  ["mb", ["mb", "megabyte", "megabytes"]],
  ["gb", ["gb", "gigabyte", "gigabytes"]],
  ["tb", ["tb", "terabyte", "terabytes"]],
  ["mph", ["mph"]],
  ["kmh", ["kmh", "kph", "km/h"]],
  ["w", ["w", "watt", "watts"]],
  ["kw", ["kw", "kilowatt", "kilowatts"]],
  ["kwh", ["kwh"]],
  ["v", ["v", "volt", "volts"]],
  ["cal", ["cal", "calorie", "calories", "kcal"]]
]
const units = new Map<string, string>(unitGroups.flatMap(([name, words]) => words.map((word) => [word, name] as const)))
// Single letters are units only right after a number ("5 m"), not as words ("a m").
// "second" alone is an ordinal ("the second planet"); after a number a unit.
const unitOnlyAfterNumber = new Set(["m", "s", "g", "l", "c", "f", "h", "w", "v", "in", "min", "mi", "second"])

const months = [
  "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
  "december"
]
const dateWords = new Map<string, string>([
  ...months.map((name) => [name, name] as const),
  ...months.filter((name) => name !== "may" && name !== "march").map((name) => [name.slice(0, 3), name] as const),
  ["sept", "september"],
  ...["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].map((d) => [d, d] as const),
  // Words that all mean "at present" agree with each other.
  ...["now", "currently", "current", "presently", "latest"].map((w) => [w, "now"] as const),
  ...["today", "tomorrow", "yesterday", "tonight", "next", "last", "previous", "ago", "recent", "recently",
    "upcoming", "future", "past", "morning", "evening", "night", "weekend", "spring", "summer", "autumn", "fall",
    "winter"].map((w) => [w, w] as const)
])

// "not", "never", and the contracted forms all count once per occurrence, so
// "isn't" and "is not" agree.
const negationWords = new Set([
  "not", "no", "never", "none", "nobody", "nothing", "nowhere", "neither", "nor", "cannot", "without", "lack",
  "lacks", "lacking", "absent", "unsafe", "avoid", "except", "excluding", "exclude", "against", "fail", "fails"
])

// Words a sentence commonly starts with: capitalized there only by position.
const commonStarts = new Set([
  "a", "an", "the", "what", "whats", "what's", "which", "who", "whom", "whose", "when", "where", "why", "how", "is",
  "are", "was", "were", "am", "be", "do", "does", "did", "can", "could", "would", "should", "will", "shall", "may",
  "might", "must", "have", "has", "had", "please", "pls", "tell", "give", "show", "explain", "describe", "list",
  "write", "make", "create", "convert", "translate", "summarize", "summarise", "compare", "find", "calculate",
  "compute", "define", "name", "help", "i", "im", "i'm", "i'd", "i've", "my", "we", "our", "you", "your", "it",
  "its", "this", "that", "these", "those", "there", "here", "in", "on", "at", "for", "from", "to", "of", "by",
  "with", "about", "and", "or", "but", "if", "so", "then", "also", "just", "hey", "hi", "hello", "ok", "okay",
  "yes", "any", "some", "all", "each", "every", "many", "much", "more", "most", "should've", "quick", "quickly",
  "briefly", "roughly", "approximately", "exactly", "now", "again", "could you", "let", "lets", "let's", "suggest",
  "recommend", "provide", "generate", "draft", "fix", "check", "say", "answer", "return", "get", "use", "using"
])

const quotePattern = /"([^"]+)"|“([^”]+)”|‘([^’]+)’|`([^`]+)`|(?:^|[\s(\[])'([^']+)'(?=$|[\s.,;:!?)\]])/g
const tokenPattern = /[\p{L}\p{N}][\p{L}\p{N}'’\-./]*[\p{L}\p{N}%]|[\p{L}\p{N}]|[$€£¥%]|°[cf]/giu
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
  let negations = 0
  let sentenceStart = true
  let afterNumber = false
  // Sentence boundaries decide whether a capital letter means a name.
  const pieces = text.split(/(?<=[.!?:;\n¶])\s+|\n+/)
  for (const piece of pieces) {
    sentenceStart = true
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
        numbers.push(canonicalNumber(sign + glued[1]!))
        const unit = units.get(glued[2]!)
        if (unit !== undefined) unitNames.push(unit)
        else entities.push(glued[2]!)
        afterNumber = true
        continue
      }
      if (numberPattern.test(lower) || /^\d{4}-\d{2}-\d{2}$/.test(lower)) {
        numbers.push(/^\d{4}-/.test(lower) ? lower : canonicalNumber(sign + lower))
        afterNumber = true
        continue
      }
      const unit = units.get(lower)
      const number = numberWords[lower]
      if (unit !== undefined && (afterNumber || !unitOnlyAfterNumber.has(lower))) unitNames.push(unit)
      else if (number !== undefined) numbers.push(number)
      afterNumber = number !== undefined
      const date = dateWords.get(lower)
      if (date !== undefined) dates.push(date)
      if (negationWords.has(lower) || /n['’]t$/.test(match[0])) negations++
      // A name: capitalized mid-sentence, capitalized at a sentence start unless
      // a common opening word, an acronym, or mixed case / digits (iPhone, GPT-4).
      const capitalized = /^\p{Lu}/u.test(raw)
      const acronym = /^\p{Lu}[\p{Lu}\d]+$/u.test(raw) && raw.length > 1
      const mixed = /\p{Ll}\p{Lu}|\p{L}\d|\d\p{L}/u.test(raw)
      const isName = acronym || mixed || (capitalized && !(wasStart && commonStarts.has(lower)) && lower !== "i")
      if (isName && unit === undefined && date === undefined && number === undefined) entities.push(lower)
    }
  }
  return {
    numbers: sorted(numbers),
    units: sorted(unitNames),
    dates: sorted(dates),
    negations,
    entities: sorted(entities),
    quoted: sorted(quoted)
  }
}

const same = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean =>
  a.length === b.length && a.every((value, i) => value === b[i])

/**
 * Which fact the two prompts disagree on, or `undefined` when they agree.
 *
 * @since 0.1.0
 */
export const disagreement = (a: Facts, b: Facts): keyof Facts | undefined => {
  if (!same(a.numbers, b.numbers)) return "numbers"
  if (!same(a.units, b.units)) return "units"
  if (!same(a.dates, b.dates)) return "dates"
  if (a.negations !== b.negations) return "negations"
  if (!same(a.entities, b.entities)) return "entities"
  if (!same(a.quoted, b.quoted)) return "quoted"
  return undefined
}

/**
 * True when a cached answer to `stored` may be served for `incoming`.
 *
 * @since 0.1.0
 */
export const agree = (incoming: Facts, stored: Facts): boolean => disagreement(incoming, stored) === undefined
