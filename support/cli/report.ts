// `npm run report`: the Allure HTML report of the last run, built offline into reports/allure-report.
import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { RESULTS_DIR } from '../evidence/run-metadata';
import { bin, run, runWhenMain, type Ran } from './run';
import { parseFlags, usageExit } from './flags';

export const REPORT_DIR = 'reports/allure-report';
// allurerc.mjs names the report, keeps it at the output's root and holds the categories.
const ALLURE_CONFIG = new URL('../../allurerc.mjs', import.meta.url).pathname;

/**
 * `allure generate` of `results` into `out`; the one way the suite builds its HTML report. The output is
 * emptied first: into a folder that already holds a report, Allure 3 writes the new one to a subfolder
 * (`awesome/`) and leaves the old index.html at the root, so a second run showed stale results.
 */
export async function generateReport(results: string, out: string, echo = true): Promise<Ran> {
  await rm(out, { recursive: true, force: true });
  return run(bin('allure'), ['generate', results, '--config', ALLURE_CONFIG, '--output', out], process.env, echo);
}

async function main(args: string[]): Promise<number> {
  usageExit('report', 'usage: npm run report   (no flags: builds reports/allure-report from reports/allure-results)', () => parseFlags(args, {}));
  if (!existsSync(RESULTS_DIR) || readdirSync(RESULTS_DIR).length === 0) {
    console.error(`No Allure results in ${RESULTS_DIR}: run the suite first (npm run bdd), then npm run report.`);
    return 1;
  }
  const { code } = await generateReport(RESULTS_DIR, REPORT_DIR);
  if (code === 0) console.log(`Report: ${REPORT_DIR}/index.html (open it in a browser, or: npm run report:open)`);
  return code;
}

runWhenMain(import.meta.url, main);
