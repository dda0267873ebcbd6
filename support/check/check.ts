// `npm run check`: every mistake an author can make in a feature file that can be found without
// Docker, reported as `file:line:col: what is wrong` with the fix below it. Reads the scenarios
// through a cucumber dry run, then applies rules.ts to each.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadTopologyFile, TopologyError, topologyFiles, type TopologySources } from '../../topologies';
import { annotationsAt } from '../cli/step-catalog';
import { checkScenario, type AuthoringProblem } from './rules';
import type { SupportCode } from './load';
import { authoredScenarios } from './scenarios';

/** The seeded defects relay-node knows, read as data (the suite never imports relay-node's code). */
export const DEFECTS_FILE = join(import.meta.dirname, '../../docker/relay-node/defects.json');

export function knownDefects(file = DEFECTS_FILE): string[] {
  return Object.keys(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>);
}

export interface CheckResult {
  readonly scenarios: number;
  readonly problems: readonly AuthoringProblem[];
}

export async function checkFeatures(
  support: SupportCode,
  paths: readonly string[] = [],
  options: { topologies?: TopologySources; cwd?: string } = {},
): Promise<CheckResult> {
  const envelopes = await support.dryRun(paths);
  const problems: AuthoringProblem[] = [];
  for (const e of envelopes) {
    if (!e.parseError) continue;
    const { source, message } = e.parseError;
    problems.push({
      at: { uri: source.uri ?? '?', line: source.location?.line ?? 0, column: source.location?.column ?? 1 },
      message,
      fix: 'correct the Gherkin syntax',
    });
  }
  const definitions = new Map(support.stepDefinitions.map((d) => [d.id, d]));
  const cwd = options.cwd ?? process.cwd();
  const context = {
    definitions,
    tableKindOf: (d: { uri: string; line: number }) => annotationsAt(d.uri, d.line, cwd).table,
    defects: knownDefects(),
    ...(options.topologies ? { topologies: options.topologies } : {}),
  };
  // A full run also validates topology files no scenario uses yet.
  if (paths.length === 0) problems.push(...topologyFileProblems(options.topologies?.dir));
  const scenarios = authoredScenarios(envelopes);
  for (const scenario of scenarios) problems.push(...checkScenario(scenario, context));
  return { scenarios: scenarios.length, problems: dedupe(problems) };
}

/** Every topology file must validate, used by a scenario yet or not. */
function topologyFileProblems(dir?: string): AuthoringProblem[] {
  const problems: AuthoringProblem[] = [];
  for (const [name, file] of topologyFiles(dir)) {
    try {
      loadTopologyFile(file);
    } catch (error) {
      if (!(error instanceof TopologyError)) throw error;
      const place = /:(\d+):(\d+) /.exec(error.message);
      problems.push({
        at: { uri: relative(process.cwd(), file), line: Number(place?.[1] ?? 1), column: Number(place?.[2] ?? 1) },
        message: `topology "${name}": ${error.message}`,
        fix: 'correct the topology file as the message says (topologies/README.md lists the fields)',
      });
    }
  }
  return problems;
}

/** A Background step is checked once per scenario; say it once. */
function dedupe(problems: readonly AuthoringProblem[]): AuthoringProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.at.uri}:${p.at.line}:${p.at.column}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function renderProblems(problems: readonly AuthoringProblem[]): string {
  const sorted = [...problems].sort((a, b) => a.at.uri.localeCompare(b.at.uri) || a.at.line - b.at.line || a.at.column - b.at.column);
  return sorted.map((p) => `${p.at.uri}:${p.at.line}:${p.at.column}: ${p.message}\n    fix: ${p.fix}`).join('\n');
}
