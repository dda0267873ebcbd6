// Authoring gates: checks that need no Docker and take seconds, run before (and apart from) the suite.
//   `npm run lint:steps`     this file with `steps`: a cucumber dry run over features/, failing on undefined and
//                            ambiguous steps, unused step definitions, and scenarios that use a step declaring
//                            `// @requires feature:x` without being tagged `@requires:feature:x`.
//   `npm run lint:features`  this file with `features`: gplint with .gplintrc, plus the same tag and name rules
//                            applied inside `Rule:` blocks, which gplint 1.5 does not look into.
//   `npm run gates`          this file: the catalog check, the authoring check (`npm run check`), lint:steps, lint:features, the import-cycle check
//                            (gates/import-cycles.ts) and the verdict-path check (gates/verdict-path.ts), one
//                            line per gate.
// `runGates()` is the same, as a function (for `npm test`).
import { spawn } from 'node:child_process';
import { existsSync, globSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AstBuilder, GherkinClassicTokenMatcher, Parser } from '@cucumber/gherkin';
import { IdGenerator, type Envelope, type Tag } from '@cucumber/messages';
import stripJsonComments from 'strip-json-comments';
import { bin, runWhenMain } from './run';
import { CAPABILITY, annotationsAt, gherkinStepLines, type Annotations } from './step-catalog';
import { describeCycles, findImportCycles } from './gates/import-cycles';
import { describeVerdictPath, verdictPathProblems } from './gates/verdict-path';
import { staleCommittedFiles } from '../chaos/env/files';

export interface Ran {
  code: number;
  output: string;
  ms: number;
}

/** Runs a command, capturing stdout and stderr together; never inherits the terminal. */
export function capture(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Ran> {
  const started = Date.now();
  return new Promise((done) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error) => done({ code: 127, output: `${output}${error.message}\n`, ms: Date.now() - started }));
    child.on('close', (code, signal) => done({ code: code ?? (signal ? 128 : 1), output, ms: Date.now() - started }));
  });
}

/**
 * The dry run's environment: no engine is reachable, so if support code ever touched Docker outside the
 * hooks (which a dry run does not run), the gate would fail instead of using someone's engine.
 */
export function dryRunEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, DOCKER_HOST: 'unix:///nonexistent/omnirelay-gates.sock', OMNIRELAY_HYPERSCALE_CONTAINERS: 'false', FORCE_COLOR: '0' };
}

// ── lint:steps ────────────────────────────────────────────────────────────────────────────────────────
export type ProblemKind = 'parse error' | 'undefined parameter type' | 'undefined' | 'ambiguous' | 'unused' | 'malformed @requires' | 'missing @requires';

export interface Problem {
  kind: ProblemKind;
  /** `file:line` of the offender. */
  at: string;
  message: string;
}

const KIND_ORDER: ProblemKind[] = ['parse error', 'undefined parameter type', 'undefined', 'ambiguous', 'unused', 'malformed @requires', 'missing @requires'];

/**
 * What is wrong with the steps, read from a dry run's messages: each pickle step must match exactly one
 * step definition, each step definition must be matched by some pickle step (unless `// @allow-unused`),
 * and a scenario using a step that declares `// @requires <capability>` must carry `@requires:<capability>`.
 */
export function stepProblems(envelopes: readonly Envelope[], annotationsOf: (uri: string, line: number) => Annotations): Problem[] {
  const problems: Problem[] = [];
  const stepLine = gherkinStepLines(envelopes);
  const definitions = new Map<string, { at: string; uri: string; line: number; pattern: string }>();
  const pickles = new Map<string, NonNullable<Envelope['pickle']>>();
  for (const e of envelopes) {
    if (e.pickle) pickles.set(e.pickle.id, e.pickle);
    if (e.stepDefinition) {
      const { id, pattern, sourceReference } = e.stepDefinition;
      const uri = sourceReference.uri ?? '?';
      const line = sourceReference.location?.line ?? 0;
      definitions.set(id, { at: `${uri}:${line}`, uri, line, pattern: pattern.type === 'REGULAR_EXPRESSION' ? `/${pattern.source}/` : pattern.source });
    }
    if (e.parseError) {
      const { source, message } = e.parseError;
      problems.push({ kind: 'parse error', at: `${source.uri ?? '?'}:${source.location?.line ?? 0}`, message });
    }
    if (e.undefinedParameterType) {
      const { name, expression } = e.undefinedParameterType;
      problems.push({
        kind: 'undefined parameter type',
        at: '(support code)',
        message: `{${name}} in ${JSON.stringify(expression)} is not a defined parameter type (support/parameter-types.ts)`,
      });
    }
  }
  const notes = new Map<string, Annotations>();
  const notesOf = (id: string) => {
    const d = definitions.get(id)!;
    if (!notes.has(id)) notes.set(id, annotationsOf(d.uri, d.line));
    return notes.get(id)!;
  };

  const used = new Set<string>();
  for (const e of envelopes) {
    if (!e.testCase) continue;
    const pickle = pickles.get(e.testCase.pickleId);
    if (!pickle) continue;
    const tags = new Set(pickle.tags.map((t) => t.name));
    for (const ts of e.testCase.testSteps) {
      if (!ts.pickleStepId) continue;
      const step = pickle.steps.find((s) => s.id === ts.pickleStepId);
      if (!step) continue;
      const at = `${pickle.uri}:${stepLine.get(step.astNodeIds[0] ?? '') ?? pickle.location?.line ?? 0}`;
      const ids = ts.stepDefinitionIds ?? [];
      ids.forEach((id) => used.add(id));
      if (ids.length === 0) {
        problems.push({
          kind: 'undefined',
          at,
          message: `no step definition matches ${JSON.stringify(step.text)}; the phrases that exist are in docs/step-catalog.md`,
        });
      } else if (ids.length > 1) {
        const which = ids
          .map((id) => definitions.get(id))
          .map((d) => (d ? `${d.at} ${JSON.stringify(d.pattern)}` : '?'))
          .sort();
        problems.push({ kind: 'ambiguous', at, message: `${JSON.stringify(step.text)} matches ${ids.length} step definitions: ${which.join(', ')}` });
      } else if (definitions.has(ids[0]!)) {
        const d = definitions.get(ids[0]!)!;
        for (const capability of notesOf(ids[0]!).requires) {
          if (CAPABILITY.test(capability) && !tags.has(`@requires:${capability}`)) {
            problems.push({
              kind: 'missing @requires',
              at: `${pickle.uri}:${pickle.location?.line ?? 0}`,
              message: `scenario ${JSON.stringify(pickle.name)} uses ${JSON.stringify(step.text)} (${d.at}, which declares @requires ${capability}) but is not tagged @requires:${capability}`,
            });
          }
        }
      }
    }
  }
  for (const [id, d] of definitions) {
    const n = notesOf(id);
    for (const capability of n.requires) {
      if (!CAPABILITY.test(capability))
        problems.push({
          kind: 'malformed @requires',
          at: d.at,
          message: `@requires ${capability}: a capability is feature:<kebab-case>, e.g. feature:mesh-regional-leaders`,
        });
    }
    if (used.has(id)) continue;
    if (n.allowUnused !== undefined && n.allowUnused !== '') continue;
    problems.push({
      kind: 'unused',
      at: d.at,
      message: `${JSON.stringify(d.pattern)} is used by no scenario in features/: use it, delete it, or mark it \`// @allow-unused <reason>\`${n.allowUnused === '' ? ' (the reason is missing)' : ''}`,
    });
  }
  const seen = new Set<string>();
  return problems
    .filter((p) => {
      const key = `${p.kind}\0${p.at}\0${p.message}`;
      if (seen.has(key)) return false; // a Background step is in every pickle of its feature
      seen.add(key);
      return true;
    })
    .sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || compareLocations(a.at, b.at) || a.message.localeCompare(b.message));
}

function compareLocations(a: string, b: string): number {
  const [fa, la] = splitAt(a);
  const [fb, lb] = splitAt(b);
  return fa.localeCompare(fb) || la - lb;
}
function splitAt(at: string): [string, number] {
  const i = at.lastIndexOf(':');
  return i < 0 ? [at, 0] : [at.slice(0, i), Number(at.slice(i + 1)) || 0];
}

export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((p) => `  ${p.at}  ${p.kind}: ${p.message}`).join('\n');
}

/** `npm run lint:steps`: a dry run (profile `sensitivity`, no hooks, no Docker) and its messages. */
export async function lintSteps(cwd = process.cwd()): Promise<{ ok: boolean; problems: Problem[]; output: string; ms: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'lint-steps-'));
  const messages = join(dir, 'messages.ndjson');
  try {
    const ran = await capture(bin('cucumber-js'), ['--profile', 'sensitivity', '--dry-run', '--format', `message:${messages}`], dryRunEnv());
    const text = await readFile(messages, 'utf8').catch(() => '');
    const envelopes = text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Envelope);
    const problems = stepProblems(envelopes, (uri, line) => annotationsAt(uri, line, cwd));
    const pickles = envelopes.filter((e) => e.pickle).length;
    const definitions = envelopes.filter((e) => e.stepDefinition).length;
    if (envelopes.length === 0 || (ran.code !== 0 && problems.length === 0)) {
      return { ok: false, problems, output: `the dry run failed (exit ${ran.code}) before it could be judged:\n${ran.output.trimEnd()}`, ms: ran.ms };
    }
    const summary = `${pickles} scenarios, ${definitions} step definitions`;
    if (problems.length === 0)
      return { ok: true, problems, output: `${summary}: every step matches exactly one definition, every definition is used`, ms: ran.ms };
    return {
      ok: false,
      problems,
      output: `${summary}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${formatProblems(problems)}`,
      ms: ran.ms,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ── lint:features ─────────────────────────────────────────────────────────────────────────────────────
/** JSON with comments (as .gplintrc allows, and as gplint itself reads it) to a value. */
export function parseJsonc(text: string): unknown {
  return JSON.parse(stripJsonComments(text));
}

type RuleSetting = string | number | [string | number, ...unknown[]];
const enabled = (setting: RuleSetting | undefined) => {
  const level = Array.isArray(setting) ? setting[0] : setting;
  return level !== undefined && level !== 'off' && level !== 0 && level !== '0';
};

/**
 * gplint 1.5 checks tags and names of top-level scenarios only. This applies the same .gplintrc rules
 * (allowed-tags, no-duplicate-tags, one-space-between-tags, no-unnamed-scenarios) to `Rule:` blocks, their
 * scenarios and those scenarios' Examples. Lines read like gplint's.
 */
export function ruleBlindSpots(uri: string, source: string, config: Record<string, RuleSetting>): string[] {
  let document;
  try {
    document = new Parser(new AstBuilder(IdGenerator.incrementing()), new GherkinClassicTokenMatcher()).parse(source);
  } catch {
    return []; // gplint reports parse errors itself
  }
  const allowed = Array.isArray(config['allowed-tags']) ? (config['allowed-tags'][1] as { tags?: string[]; patterns?: string[] }) : undefined;
  const patterns = (allowed?.patterns ?? []).map((p) => new RegExp(p));
  const problems: string[] = [];
  const report = (line: number, column: number, message: string, rule: string) => problems.push(`  ${uri}:${line}:${column}  error  ${message}  ${rule}`);
  const checkTags = (tags: readonly Tag[], where: string) => {
    if (enabled(config['allowed-tags']) && allowed) {
      for (const t of tags)
        if (!allowed.tags?.includes(t.name) && !patterns.some((p) => p.test(t.name)))
          report(t.location.line, t.location.column ?? 0, `Not allowed tag ${t.name} on ${where}`, 'allowed-tags');
    }
    if (enabled(config['no-duplicate-tags'])) {
      const seen = new Set<string>();
      for (const t of tags) {
        if (seen.has(t.name)) report(t.location.line, t.location.column ?? 0, `Duplicate tags are not allowed: ${t.name}`, 'no-duplicate-tags');
        seen.add(t.name);
      }
    }
    if (enabled(config['one-space-between-tags'])) {
      const sorted = [...tags].sort((a, b) => a.location.line - b.location.line || (a.location.column ?? 0) - (b.location.column ?? 0));
      for (let i = 1; i < sorted.length; i++) {
        const [a, b] = [sorted[i - 1]!, sorted[i]!];
        if (a.location.line === b.location.line && (b.location.column ?? 0) - (a.location.column ?? 0) - a.name.length !== 1) {
          report(a.location.line, a.location.column ?? 0, `There is more than one space between the tags ${a.name} and ${b.name}`, 'one-space-between-tags');
        }
      }
    }
  };
  // The capability folder is the feature's epic in the report and its CI handle as a tag: they must agree.
  const folder = /^features\/([^/]+)\//.exec(uri)?.[1];
  if (folder && document.feature && !document.feature.tags.some((t) => t.name === `@${folder}`)) {
    const at = document.feature.location;
    report(at.line, at.column ?? 0, `Feature in features/${folder}/ must carry its capability tag @${folder}`, 'capability-tag');
  }
  for (const child of document.feature?.children ?? []) {
    if (!child.rule) continue;
    checkTags(child.rule.tags, 'Rule');
    for (const rc of child.rule.children) {
      if (!rc.scenario) continue;
      const sc = rc.scenario;
      checkTags(sc.tags, `${sc.keyword} (in Rule)`);
      sc.examples.forEach((e) => checkTags(e.tags, `${e.keyword} (in Rule)`));
      if (enabled(config['no-unnamed-scenarios']) && sc.name.trim() === '')
        report(sc.location.line, sc.location.column ?? 0, 'Missing Scenario name (in Rule)', 'no-unnamed-scenarios');
    }
  }
  return problems;
}

/** `npm run lint:features`: gplint over features/ with .gplintrc, then the Rule-block supplement. */
export async function lintFeatures(cwd = process.cwd()): Promise<{ ok: boolean; output: string; ms: number }> {
  const started = Date.now();
  const gplint = await capture(bin('gplint'), ['features']);
  let supplement: string[];
  try {
    const config = parseJsonc(readFileSync(resolve(cwd, '.gplintrc'), 'utf8')) as Record<string, RuleSetting>;
    const ignore = existsSync(resolve(cwd, '.gplintignore'))
      ? readFileSync(resolve(cwd, '.gplintignore'), 'utf8')
          .split(/\r?\n/)
          .filter((l) => l.trim() !== '')
      : [];
    const files = globSync('features/**/*.feature', { cwd, exclude: ['node_modules/**', ...ignore] }).sort();
    supplement = files.flatMap((f) => ruleBlindSpots(f, readFileSync(resolve(cwd, f), 'utf8'), config));
  } catch (error) {
    supplement = [`  .gplintrc: ${(error as Error).message}`];
  }
  const parts = [
    gplint.output.trim(),
    supplement.length > 0 ? `suite rules gplint cannot express (capability tags, inside Rule: blocks):\n${supplement.join('\n')}` : '',
  ].filter(Boolean);
  const ok = gplint.code === 0 && supplement.length === 0;
  return { ok, output: ok ? 'gplint (.gplintrc): no problems in features/' : parts.join('\n\n'), ms: Date.now() - started };
}

// ── lint: ESLint and Prettier ──────────────────────────────────────────────────────────────────────────

/** `npm run lint`: ESLint (eslint.config.js) over the tree, then Prettier's check of its formatting. */
export async function lintCode(): Promise<{ ok: boolean; output: string; ms: number }> {
  const started = Date.now();
  const eslint = await capture(bin('eslint'), ['--max-warnings', '0', '.']);
  const prettier = await capture(bin('prettier'), ['--check', '--log-level', 'warn', '.']);
  const ok = eslint.code === 0 && prettier.code === 0;
  const parts = [
    eslint.code === 0 ? '' : `eslint:\n${eslint.output.trim()}`,
    prettier.code === 0 ? '' : `prettier (fix with npm run format):\n${prettier.output.trim()}`,
  ].filter(Boolean);
  return { ok, output: ok ? 'eslint and prettier: no problems' : parts.join('\n\n'), ms: Date.now() - started };
}

// ── all gates ─────────────────────────────────────────────────────────────────────────────────────────
export interface GateResult {
  name: string;
  ok: boolean;
  /** What the gate printed: a one-line verdict when it passed, the offenders when it failed. */
  output: string;
  ms: number;
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** Runs every gate in order (all of them, even after a failure) and returns their verdicts. Needs no Docker. */
export async function runGates(cwd = process.cwd()): Promise<GateResult[]> {
  const results: GateResult[] = [];
  const catalog = await capture(process.execPath, ['--import', 'tsx', here('./step-catalog.ts'), '--check'], dryRunEnv());
  results.push({ name: 'catalog', ok: catalog.code === 0, output: catalog.output.trim(), ms: catalog.ms });
  const check = await capture(process.execPath, ['--import', 'tsx', here('./check.ts')], dryRunEnv());
  results.push({ name: 'check', ok: check.code === 0, output: check.output.trim(), ms: check.ms });
  const steps = await lintSteps(cwd);
  results.push({ name: 'lint:steps', ok: steps.ok, output: steps.output, ms: steps.ms });
  const features = await lintFeatures(cwd);
  results.push({ name: 'lint:features', ...features });
  const started = Date.now();
  const cycles = await findImportCycles(cwd);
  results.push({ name: 'cycles', ok: cycles.cycles.length === 0 && cycles.crossings.length === 0, output: describeCycles(cycles), ms: Date.now() - started });
  const pathStarted = Date.now();
  const stray = verdictPathProblems(cwd);
  results.push({ name: 'verdict-path', ok: stray.length === 0, output: describeVerdictPath(stray), ms: Date.now() - pathStarted });
  const chaosStarted = Date.now();
  const stale = staleCommittedFiles();
  results.push({
    name: 'chaos:compose',
    ok: stale.length === 0,
    output:
      stale.length === 0
        ? 'docker/chaos is what `npm run chaos:compose` generates'
        : `${stale.join(', ')} differ from the generator's output for the default topology.\nFix: \`npm run chaos:compose\`, review the diff, commit.`,
    ms: Date.now() - chaosStarted,
  });
  results.push({ name: 'lint', ...(await lintCode()) });
  return results;
}

/** `✔ catalog        docs/step-catalog.md is current (1.9 s)`; a failed gate adds its output, indented. */
export function gateLines(result: GateResult): string {
  const head = `${result.ok ? '✔' : '✘'} ${result.name.padEnd(14)} ${result.ok ? result.output.split('\n')[0] : 'FAILED'} (${(result.ms / 1000).toFixed(1)} s)`;
  if (result.ok) return head;
  return `${head}\n${result.output
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n')}`;
}

async function main(args: string[]): Promise<number> {
  if (args[0] === 'steps') {
    const result = await lintSteps();
    (result.ok ? console.log : console.error)(`lint:steps: ${result.output}`);
    return result.ok ? 0 : 1;
  }
  if (args[0] === 'features') {
    const result = await lintFeatures();
    (result.ok ? console.log : console.error)(`lint:features: ${result.output}`);
    return result.ok ? 0 : 1;
  }
  if (args[0] === 'lint') {
    const result = await lintCode();
    (result.ok ? console.log : console.error)(`lint: ${result.output}`);
    return result.ok ? 0 : 1;
  }
  if (args.length > 0) {
    console.error('usage: tsx support/cli/gates.ts [steps | features | lint]');
    return 2;
  }
  const results = await runGates();
  for (const r of results) console.log(gateLines(r));
  const failed = results.filter((r) => !r.ok).map((r) => r.name);
  console.log(failed.length === 0 ? `gates: ${results.length} passed` : `gates: ${failed.length} of ${results.length} failed (${failed.join(', ')})`);
  return failed.length === 0 ? 0 : 1;
}

runWhenMain(import.meta.url, main);
