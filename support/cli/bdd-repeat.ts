// `npm run bdd:repeat -- --repeat N [cucumber args]`: runs the selected scenarios N times, one full run
// after another (each archived like `npm run bdd`, and each added to the Allure history, where flaky
// scenarios are marked), then prints every scenario's pass rate with the failing step of each failure, and
// names every scenario below 100 % in the summary. Exits 1 when any is below 100 %.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RESULTS_DIR } from '../evidence/run-metadata';
import { runBdd } from './bdd';
import { failUsage, wholeNumber } from './flags';
import { generateReport, REPORT_DIR } from './report';
import { belowFull, renderTally, tally } from './repeat/tally';
import { readScenarioResults, type ScenarioResult } from './scenario-results';

const USAGE = `usage: npm run bdd:repeat -- --repeat N [cucumber args]
  --repeat N     how many times to run the selection (2 to 100); the same flag as bdd:sensitivity's
  cucumber args  the selection, as for npm run bdd (--tags @smoke, --name "^X$", a feature file)
Results: reports/repeat/<time>.json; each run's archive in reports/archive/; flaky ones in the Allure report's history.`;

const args = process.argv.slice(2);
const at = args.findIndex((a) => a === '--repeat' || a.startsWith('--repeat='));
if (args.includes('--help') || args.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
if (at < 0) failUsage('bdd:repeat', USAGE, 'say how many times: --repeat N');
const inline = args[at]!.startsWith('--repeat=') ? args[at]!.slice('--repeat='.length) : undefined;
const value = inline ?? args[at + 1];
let repeat = 0;
try {
  repeat = wholeNumber('repeat', value, 0, { min: 2, max: 100 });
} catch (e) {
  failUsage('bdd:repeat', USAGE, (e as Error).message);
}
const cucumberArgs = [...args.slice(0, at), ...args.slice(at + (inline === undefined ? 2 : 1))];

const runs: ScenarioResult[][] = [];
for (let i = 1; i <= repeat; i++) {
  console.log(`\n[repeat] run ${i} of ${repeat}: cucumber-js ${cucumberArgs.join(' ')}`);
  const code = await runBdd(cucumberArgs);
  if (code === 130) {
    console.error('[repeat] interrupted: the tally below covers the finished runs');
    break;
  }
  const results = await readScenarioResults().catch(() => undefined);
  if (!results) {
    console.error(`[repeat] run ${i} wrote no results (cucumber exited ${code}): stopping`);
    process.exitCode = 1;
    break;
  }
  runs.push(results);
  // Each run becomes an entry of the Allure history (reports/allure-history.jsonl), which marks flaky tests.
  await generateReport(RESULTS_DIR, REPORT_DIR, false);
  console.log(
    `[repeat] run ${i}: ${results.filter((r) => r.status === 'passed').length} passed, ${results.filter((r) => r.status === 'failed').length} failed`,
  );
}

const tallies = tally(runs);
console.log(`\n${renderTally(tallies, runs.length).join('\n')}`);
await mkdir('reports/repeat', { recursive: true });
const file = join('reports/repeat', `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}.json`);
await writeFile(file, `${JSON.stringify({ args: cucumberArgs, repeat, finishedRuns: runs.length, scenarios: tallies }, null, 2)}\n`);
console.log(`[repeat] ${file}; the report with its history: npm run report:open`);
if (belowFull(tallies).length > 0 || runs.length < repeat) process.exitCode = 1;
