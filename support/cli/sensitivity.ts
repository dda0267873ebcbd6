// `npm run bdd:sensitivity`: proves every scenario can fail. Each scenario tagged @catches:<defect> is
// run against relay nodes seeded with that defect (RELAY_DEFECT via OMNIRELAY_HYPERSCALE_DEFECT) and
// must then fail. Prints a table (defect, scenario, caught or missed) and exits non-zero on any miss.
import { mkdir, rm } from 'node:fs/promises';
import { bin, run } from './run';
import { readScenarioResults, type ScenarioResult } from './scenario-results';

const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith('--defect='))?.slice('--defect='.length);
const dir = 'reports/sensitivity';
await rm(dir, { recursive: true, force: true });
await mkdir(dir, { recursive: true });

// The plan comes from cucumber itself (a dry run), so tags are read exactly as the runner reads them.
const plan = await run(bin('cucumber-js'), ['--profile', 'sensitivity', '--dry-run', '--format', `json:${dir}/plan.json`], process.env, false);

if (plan.code !== 0) {
  console.error('The dry run failed (see above): fix it first, e.g. undefined or ambiguous steps (npx cucumber-js --dry-run).');
  process.exit(1);
}
const pairs = (await readScenarioResults(`${dir}/plan.json`)).flatMap((s) =>
  s.tags.filter((t) => t.startsWith('@catches:')).map((t) => ({ defect: t.slice('@catches:'.length), scenario: s })),
).filter((p) => !only || p.defect === only);
if (pairs.length === 0) {
  console.error(only ? `No scenario is tagged @catches:${only}.` : 'No scenario is tagged @catches:<defect>.');
  process.exit(1);
}

interface Row {
  defect: string;
  scenario: string;
  verdict: 'caught' | 'missed' | 'error';
  detail: string;
  seconds: number;
}
const rows: Row[] = [];
for (const [i, { defect, scenario }] of pairs.entries()) {
  process.stderr.write(`[sensitivity] ${i + 1}/${pairs.length}: ${scenario.name} with defect ${defect}…\n`);
  const out = `${dir}/${defect}--${i}.json`;
  const ran = await run(
    bin('cucumber-js'),
    ['--profile', 'sensitivity', '--name', `^${escape(scenario.name)}$`, '--format', `json:${out}`, scenario.uri],
    { ...process.env, OMNIRELAY_HYPERSCALE_DEFECT: defect },
    false,
  );
  const result = await readScenarioResults(out).then((r) => r[0]).catch(() => undefined);
  rows.push({ defect, scenario: scenario.name, ...judge(result, ran.code), seconds: Math.round(ran.ms / 1000) });
}

function judge(result: ScenarioResult | undefined, code: number): Pick<Row, 'verdict' | 'detail'> {
  if (!result) return { verdict: 'error', detail: `cucumber exited ${code} without a result` };
  if (result.status === 'passed') return { verdict: 'missed', detail: 'the scenario passed against the defective nodes' };
  if (result.status === 'skipped') return { verdict: 'error', detail: 'skipped (missing capability?)' };
  // Failing to start is not proof that an assertion can see the defect.
  if (result.failedStep?.startsWith('Given')) return { verdict: 'error', detail: `${result.failedStep}: ${result.error ?? ''}` };
  return { verdict: 'caught', detail: `${result.failedStep}: ${result.error ?? result.status}` };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const widths = [22, 42, 7];
const line = (cells: string[]) => cells.map((c, i) => (i < widths.length ? c.padEnd(widths[i]!) : c)).join('  ');
console.log(line(['defect', 'scenario', 'result', 'failing step / reason']));
for (const r of rows) console.log(line([r.defect, r.scenario, r.verdict, `${r.detail.slice(0, 160)} (${r.seconds} s)`]));
const missed = rows.filter((r) => r.verdict !== 'caught').length;
console.log(`\n${rows.length - missed} caught, ${missed} missed or errored, of ${rows.length} defect/scenario pairs`);
process.exit(missed > 0 ? 1 : 0);
