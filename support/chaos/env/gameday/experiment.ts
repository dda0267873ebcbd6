// An experiment file: a game day's faults chained with offsets and durations, validated before anything
// runs. Every problem is reported as `<file>:<line>:<col> <field path>: <message>`, as topology files are.
//
//   name: sample game day
//   steps:
//     - fault: leader kill            # the CLI's fault names (npm run chaos -- --help)
//       at: 0 s
//       duration: 20 s
//     - fault: partition
//       target: region east / region west
//       at: 25 s
//       duration: 20 s
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { locate } from '../../../../topologies/yaml';
import { TableError } from '../../../tables';
import { parseRequest, type FaultRequest } from './requests';

const step = z.strictObject({
  fault: z.string().min(1),
  target: z.string().optional(),
  at: z.string().default('0 s'),
  duration: z.string(),
  intensity: z.union([z.string(), z.number()]).optional(),
  jitter: z.string().optional(),
  rate: z.string().optional(),
  via: z.string().optional(),
});

const experimentSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  steps: z.array(step).min(1, 'name at least one step'),
});

export interface Experiment {
  readonly name: string;
  readonly description?: string;
  readonly file: string;
  readonly steps: readonly FaultRequest[];
}

export class ExperimentError extends Error {
  override name = 'ExperimentError';
}

export function loadExperiment(file: string): Experiment {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ExperimentError(`experiment file ${file} cannot be read: ${(e as Error).message}`);
  }
  return parseExperiment(text, file);
}

export function parseExperiment(text: string, file: string): Experiment {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (path: (string | number)[], atKey = false) => {
    const { line, col } = lineCounter.linePos(locate(doc, path, atKey));
    return `${file}:${line}:${col}${path.length ? ` ${path.join('.')}` : ''}`;
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const { line, col } = lineCounter.linePos(e.pos[0]);
    throw new ExperimentError(`${file}:${line}:${col} YAML syntax error: ${e.message.split('\n')[0]}`);
  }
  const parsed = experimentSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((i) => {
      const path = i.path as (string | number)[];
      if (i.code === 'unrecognized_keys')
        return i.keys.map(
          (k) => `${at([...path, k], true)}: unknown field "${k}"; fields: ${Object.keys(path.length ? step.shape : experimentSchema.shape).join(', ')}`,
        );
      return [`${at(path)}: ${i.message}`];
    });
    throw new ExperimentError(`experiment file ${file} is invalid:\n  ${problems.join('\n  ')}`);
  }
  const problems: string[] = [];
  const steps = parsed.data.steps.flatMap((s, i) => {
    try {
      return [parseRequest({ ...s, intensity: s.intensity === undefined ? undefined : String(s.intensity) }, at(['steps', i]))];
    } catch (e) {
      if (!(e instanceof TableError || (e as Error).name === 'MemberError')) throw e;
      problems.push((e as Error).message);
      return [];
    }
  });
  if (problems.length > 0) throw new ExperimentError(`experiment file ${file} is invalid:\n  ${problems.join('\n  ')}`);
  return {
    name: parsed.data.name,
    ...(parsed.data.description ? { description: parsed.data.description } : {}),
    file,
    steps: [...steps].sort((a, b) => a.startMs - b.startMs),
  };
}

/** The plan a dry run prints: one line per fault with its window on the game day's clock. */
export function describePlan(steps: readonly FaultRequest[]): string[] {
  return steps.map((s) => `+${(s.startMs / 1000).toFixed(1)} s … +${((s.startMs + s.durationMs) / 1000).toFixed(1)} s  ${s.text}`);
}
