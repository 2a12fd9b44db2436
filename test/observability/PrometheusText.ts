/**
 * A reader for the Prometheus text exposition format (0.0.4), written from
 * its documentation, so tests can check what we export by parsing it back
 * rather than by matching strings.
 */
export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

export interface Family {
  readonly name: string
  readonly type: string | undefined
  readonly help: string | undefined
}

export interface Parsed {
  readonly families: ReadonlyMap<string, Family>
  readonly samples: ReadonlyArray<Sample>
}

const unescape = (value: string) => value.replace(/\\(["\\n])/g, (_, c: string) => (c === "n" ? "\n" : c))

const parseLabels = (text: string): Record<string, string> => {
  const labels: Record<string, string> = {}
  const pattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?/gy
  let consumed = 0
  let match: RegExpExecArray | null
  while ((match = pattern.exec(text)) !== null) {
    labels[match[1]!] = unescape(match[2]!)
    consumed = match.index + match[0].length
  }
  if (consumed !== text.length) throw new Error(`bad labels: ${text}`)
  return labels
}

const parseValue = (text: string): number =>
  text === "+Inf" ? Infinity : text === "-Inf" ? -Infinity : text === "NaN" ? NaN : Number(text)

export const parse = (text: string): Parsed => {
  const families = new Map<string, { name: string; type: string | undefined; help: string | undefined }>()
  const family = (name: string) => {
    let f = families.get(name)
    if (f === undefined) families.set(name, f = { name, type: undefined, help: undefined })
    return f
  }
  const samples: Array<Sample> = []
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line)
    if (meta !== null) {
      if (meta[1] === "HELP") family(meta[2]!).help = meta[3]!
      else family(meta[2]!).type = meta[3]!
      continue
    }
    if (line.startsWith("#")) continue
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (sample === null) throw new Error(`not a Prometheus sample line: ${line}`)
    samples.push({ name: sample[1]!, labels: parseLabels(sample[2] ?? ""), value: parseValue(sample[3]!) })
  }
  return { families, samples }
}

/** Sum of the samples of `name` whose labels include `match`. */
export const sum = (parsed: Parsed, name: string, match: Readonly<Record<string, string>> = {}): number =>
  parsed.samples
    .filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v))
    .reduce((total, s) => total + s.value, 0)
