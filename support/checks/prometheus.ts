// Reads samples out of Prometheus text exposition: enough to assert on counters by name and labels.

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/**
 * The samples of a text exposition (format 0.0.4), comments skipped. Values follow Go's ParseFloat as
 * Prometheus does (`+Inf`, `-Inf`, `NaN`); label values undo the format's three escapes (`\\`, `\"`,
 * `\n`). A line that is not a sample is skipped, as a scraper would ignore it.
 */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    const sample = parseSampleLine(line);
    if (sample) samples.push(sample);
  }
  return samples;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\', '"': '"', n: '\n' };

/** One `name{label="value",…} value [timestamp]` line; undefined when it is not one. */
function parseSampleLine(line: string): Sample | undefined {
  const name = NAME.exec(line)?.[0];
  if (!name) return undefined;
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    // Label values may hold `}`, `,` and escaped quotes, so they are read a character at a time.
    for (;;) {
      while (line[i] === ' ' || line[i] === ',') i++;
      if (line[i] === '}') break;
      const key = LABEL_NAME.exec(line.slice(i))?.[0];
      if (!key || line[i + key.length] !== '=' || line[i + key.length + 1] !== '"') return undefined;
      i += key.length + 2;
      let value = '';
      for (; i < line.length && line[i] !== '"'; i++) value += line[i] === '\\' ? (ESCAPES[line[++i] ?? ''] ?? `\\${line[i] ?? ''}`) : line[i];
      if (line[i] !== '"') return undefined;
      labels[key] = value;
      i++;
    }
    i++;
  }
  const [valueText] = line.slice(i).trim().split(/\s+/);
  const value = valueOf(valueText);
  return value === undefined ? undefined : { name, labels, value };
}

function valueOf(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const special: Readonly<Record<string, number>> = { '+inf': Infinity, inf: Infinity, '-inf': -Infinity, nan: NaN };
  const lower = text.toLowerCase();
  if (lower in special) return special[lower];
  const n = Number(text);
  return Number.isNaN(n) ? undefined : n;
}

/** The sum of every sample of `name` whose labels include `match`. */
export function sumOf(samples: readonly Sample[], name: string, match: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);
}
