// `npm test`: everything CI runs — unit tests, type check, the whole acceptance suite — then one plain
// summary line `N passed, N failed[, N skipped]` counting unit tests, the type check and scenarios.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { runBdd } from './bdd';
import { gateLines, runGates } from './gates';
import { bin, run } from './run';
import { readScenarioResults } from './scenario-results';
import { parseFlags, usageExit } from './flags';

usageExit('test', 'usage: npm test   (no flags: unit tests, type check, gates, the acceptance suite, the report check)', () =>
  parseFlags(process.argv.slice(2), {}),
);

const totals = { passed: 0, failed: 0, skipped: 0 };
const section = (title: string) => console.log(`\n── ${title} ${'─'.repeat(Math.max(0, 70 - title.length))}`);

section('unit tests');
const unit = await run(process.execPath, ['--import', 'tsx', '--test', 'support/**/*.test.ts', 'topologies/**/*.test.ts', 'docker/**/*.test.ts']);
const count = (label: string) => Number(new RegExp(`^ℹ ${label} (\\d+)`, 'm').exec(unit.stdout)?.[1] ?? 0);
totals.passed += count('pass');
totals.failed += count('fail') + (unit.code !== 0 && count('fail') === 0 ? 1 : 0);
totals.skipped += count('skipped');

section('type check');
const tsc = await run(bin('tsc'), ['--noEmit']);
if (tsc.code === 0) {
  totals.passed += 1;
  console.log('tsc --noEmit: no errors');
} else totals.failed += 1;

section('authoring gates');
// Catalog current, every step defined/unambiguous/used, features linted: all run, none needs Docker.
for (const gate of await runGates()) {
  console.log(gateLines(gate));
  if (gate.ok) totals.passed += 1;
  else totals.failed += 1;
}

section('acceptance suite');
// CI applies partitions and loss through helper containers (the path Docker Desktop, remote engines and a
// suite in a container take), so that path cannot rot; host nsenter mode keeps its unit tests.
if (process.env.CI && !process.env.OMNIRELAY_HYPERSCALE_NETFAULTS) process.env.OMNIRELAY_HYPERSCALE_NETFAULTS = 'helper';
const bddCode = await runBdd(process.env.CI ? ['--profile', 'ci'] : []);
try {
  const scenarios = await readScenarioResults();
  for (const s of scenarios) {
    if (s.status === 'passed') totals.passed += 1;
    else if (s.status === 'skipped') totals.skipped += 1;
    else totals.failed += 1;
  }
  if (bddCode !== 0 && scenarios.every((s) => s.status !== 'failed')) totals.failed += 1; // a failed hook
} catch {
  totals.failed += 1; // cucumber did not even write its report
}

section('chaos environment');
// The long-lived environment end to end (support/cli/chaos-check.ts): needs a compose (v2 or Debian's v1)
// and Prometheus (the official image, or Debian's package unpacked by docker/chaos/prometheus/unpack-debian.sh).
const compose = ['docker compose', 'docker-compose'].some(
  (c) => spawnSync(c.split(' ')[0]!, [...c.split(' ').slice(1), 'version'], { stdio: 'ignore' }).status === 0,
);
if (!compose && !process.env.CI) {
  console.log('chaos environment check skipped: no `docker compose` or `docker-compose` (see docs/chaos-environment.md); CI requires it');
  totals.skipped += 1;
} else {
  const chaos = await run(process.execPath, ['--import', 'tsx', 'support/cli/chaos-check.ts']);
  const lines = chaos.stdout.split('\n');
  const passed = lines.filter((l) => l.startsWith('✔ ')).length;
  const failed = lines.filter((l) => l.startsWith('✘ ')).length;
  totals.passed += passed;
  totals.failed += failed + (chaos.code !== 0 && failed === 0 ? 1 : 0);
  totals.skipped += lines.filter((l) => l.startsWith('- skipped')).length;
}

section('report');
// The HTML report is built and opened in headless Chromium; the check asserts the timeline renders.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromium) && !process.env.CI) {
  console.log(`report check skipped: no Chromium at ${chromium} (install Debian's chromium or set CHROMIUM_PATH); CI requires it`);
  totals.skipped += 1;
} else {
  const check = await run(process.execPath, ['--import', 'tsx', 'support/cli/report-check.ts']);
  if (check.code === 0) totals.passed += 1;
  else totals.failed += 1;
}

console.log(`\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(totals.failed > 0 || unit.code !== 0 || tsc.code !== 0 || bddCode !== 0 ? 1 : 0);
