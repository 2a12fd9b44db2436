/**
 * The word lists the prompt guard reads: number words, units, date words,
 * negations, opposites, and the words a sentence commonly opens with. English
 * only; a prompt in another language is guarded by its numbers, quotes and
 * capitalized names alone.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export const numberWords: Record<string, string> = {
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
/** @since 0.1.0 */
export const units = new Map<string, string>(unitGroups.flatMap(([name, words]) => words.map((word) => [word, name] as const)))
// Single letters are units only right after a number ("5 m"), not as words ("a m").
// "second" alone is an ordinal ("the second planet"); after a number a unit.
/** @since 0.1.0 */
export const unitOnlyAfterNumber = new Set(["m", "s", "g", "l", "c", "f", "h", "w", "v", "in", "min", "mi", "second"])

const months = [
  "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
  "december"
]
/** @since 0.1.0 */
export const dateWords = new Map<string, string>([
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
/** @since 0.1.0 */
export const negationWords = new Set([
  "not", "no", "never", "none", "nobody", "nothing", "nowhere", "neither", "nor", "cannot", "without", "lack",
  "lacks", "lacking", "absent", "unsafe", "avoid", "except", "excluding", "exclude", "against", "fail", "fails"
])

// Words a sentence commonly starts with: capitalized there only by position.
/** @since 0.1.0 */
export const commonStarts = new Set([
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

// Opposites an embedding barely separates ("sort ascending" / "sort descending").
/** @since 0.1.0 */
export const opposites = new Set([
  "ascending", "descending", "increase", "decrease", "increasing", "decreasing", "more", "less", "fewer", "most",
  "least", "max", "maximum", "min", "minimum", "largest", "smallest", "biggest", "highest", "lowest", "higher",
  "lower", "larger", "smaller", "bigger", "best", "worst", "better", "worse", "good", "bad", "buy", "sell", "import",
  "export", "encrypt", "decrypt", "encode", "decode", "compress", "decompress", "add", "remove", "insert", "delete",
  "enable", "disable", "open", "close", "start", "stop", "first", "last", "before", "after", "above", "below",
  "over", "under", "inside", "outside", "left", "right", "up", "down", "north", "south", "east", "west", "hot",
  "cold", "warm", "cool", "fast", "slow", "faster", "slower", "cheap", "expensive", "cheaper", "positive", "negative",
  "true", "false", "legal", "illegal", "safe", "dangerous", "healthy", "unhealthy", "win", "lose", "won", "lost",
  "male", "female", "men", "women", "old", "new", "young", "early", "late", "earlier", "later", "past", "future",
  "pros", "cons", "advantages", "disadvantages", "benefits", "risks", "uppercase", "lowercase", "upper", "lower",
  "even", "odd", "plus", "minus", "multiply", "divide", "sum", "difference", "product"
])
/** @since 0.1.0 */
export const directionWords = new Set(["to", "into", "from", "than", "vs", "versus", "towards"])
/** @since 0.1.0 */
export const articles = new Set(["a", "an", "the", "my", "your", "our", "their", "this", "that"])
// Words after a number that say nothing about what it counts.
/** @since 0.1.0 */
export const notCounted = new Set([
  "in", "on", "at", "of", "and", "or", "to", "for", "by", "with", "from", "is", "are", "was", "were", "the", "a",
  "an", "as", "than", "vs", "what", "which", "that", "plus", "minus", "times", "divided", "+", "-"
])
