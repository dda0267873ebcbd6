// A bench figure is one stdout line `name value unit`, sometimes with a `(note)`; stdout carries nothing
// else, so a captured run or a CI log is the record of its figures. `figure()` prints the line and keeps
// the figure, so that bench.ts can save and compare after its sections ran; `parseFigures()` reads the
// lines back from such a capture.

export interface Figure {
  readonly name: string;
  /** A number when the printed text is one; otherwise the text (`n/a`, `never`, a flavour name). */
  readonly value: number | string;
  readonly unit: string;
  /** Why a figure is a placeholder, e.g. why a side was left out. */
  readonly note?: string;
  /** Each run's value when this figure is the median of several runs (bench/runs.ts); a baseline keeps them. */
  readonly runs?: readonly number[];
}

const printed: Figure[] = [];

/** Prints `name value unit [(note)]` on stdout and records the figure for `printedFigures()`. */
export function figure(name: string, value: number | string, unit: string, note?: string): void {
  const text = String(value);
  console.log(`${name} ${text} ${unit}${note === undefined ? '' : ` (${note})`}`);
  printed.push(figureOf(name, text, unit, note));
}

/** Every figure `figure()` printed in this process, in order. */
export const printedFigures = (): readonly Figure[] => printed;

// Figure names are snake_case with at least one underscore: a stray three-word log line ("npm run
// bench") is not one. A CI log may put an ISO timestamp before each line.
const LINE = /^(?:\d{4}-\d\d-\d\dT\S+\s+)?([a-z][a-z0-9]*(?:_[a-z0-9]+)+) (\S+) (\S+)(?: \((.*)\))?$/;

/** The figures in `text` (a run's stdout, or a log holding it); other lines are ignored. */
export function parseFigures(text: string): Figure[] {
  return text.split(/\r?\n/).flatMap((line) => {
    const m = LINE.exec(line.trim());
    return m ? [figureOf(m[1]!, m[2]!, m[3]!, m[4])] : [];
  });
}

function figureOf(name: string, text: string, unit: string, note: string | undefined): Figure {
  const value = /^-?\d+(?:\.\d+)?(?:e[+-]?\d+)?$/i.test(text) ? Number(text) : text;
  return { name, value, unit, ...(note === undefined ? {} : { note }) };
}
