// `npm run report`: the Allure HTML report of the last run, built offline into reports/allure-report.
import { existsSync, readdirSync } from 'node:fs';
import { bin, run } from './run';

const results = 'reports/allure-results';
if (!existsSync(results) || readdirSync(results).length === 0) {
  console.error(`No Allure results in ${results}: run the suite first (npm run bdd), then npm run report.`);
  process.exit(1);
}
const out = 'reports/allure-report';
// allurerc.mjs names the report and holds the categories.
const { code } = await run(bin('allure'), ['generate', results, '--config', 'allurerc.mjs', '--output', out]);
if (code === 0) console.log(`Report: ${out}/index.html (open it in a browser, or: npx allure open ${out})`);
process.exit(code);
